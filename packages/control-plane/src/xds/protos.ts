/**
 * The Envoy xDS API (v3) as grpc-js service definitions, loaded with @grpc/proto-loader from the
 * descriptor set scripts/codegen.mjs builds from the .proto files @grpc/grpc-js-xds ships (the
 * same set server reflection serves). Every resource type a response carries is in it too, so a
 * resource written as a plain object with an "@type" key is encoded into its google.protobuf.Any
 * by the serializer.
 */
import type { ServiceDefinition } from "@grpc/grpc-js";
import { loadFileDescriptorSetFromBuffer, type Options } from "@grpc/proto-loader";
import { XDS_DESCRIPTOR_SET_BASE64 } from "../gen/descriptor-set.js";

/** Field names as in the .proto files (snake_case), the way xDS documentation spells them. */
const LOAD_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
};

export interface XdsServiceDefinitions {
  readonly ads: ServiceDefinition;
  readonly csds: ServiceDefinition;
}

let loaded: XdsServiceDefinitions | undefined;

/** The ADS and CSDS service definitions (loaded once per process). */
export function xdsServices(): XdsServiceDefinitions {
  if (loaded) return loaded;
  const pkg = loadFileDescriptorSetFromBuffer(Buffer.from(XDS_DESCRIPTOR_SET_BASE64, "base64"), LOAD_OPTIONS);
  const service = (name: string): ServiceDefinition => {
    const def = pkg[name];
    if (!def || "format" in def) throw new Error(`xDS proto service ${name} did not load`);
    return def as ServiceDefinition;
  };
  loaded = {
    ads: service("envoy.service.discovery.v3.AggregatedDiscoveryService"),
    csds: service("envoy.service.status.v3.ClientStatusDiscoveryService"),
  };
  return loaded;
}
