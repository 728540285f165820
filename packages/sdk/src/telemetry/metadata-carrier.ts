import type { Metadata } from "@grpc/grpc-js";
import type { TextMapGetter, TextMapSetter } from "@opentelemetry/api";

/** Writes propagation headers into gRPC metadata. */
export const METADATA_SETTER: TextMapSetter<Metadata> = {
  set(carrier, key, value) {
    carrier.set(key, value);
  },
};

/** Reads propagation headers from gRPC metadata (text values only). */
export const METADATA_GETTER: TextMapGetter<Metadata> = {
  get(carrier, key) {
    const values = carrier.get(key).filter((v): v is string => typeof v === "string");
    if (values.length === 0) return undefined;
    return values.length === 1 ? values[0] : values;
  },
  keys(carrier) {
    return Object.keys(carrier.getMap());
  },
};
