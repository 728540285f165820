import type { ServiceDefinition } from "@grpc/grpc-js";
import { invalidArgument } from "../errors.js";

const UNDECODABLE = Symbol("undecodable");

/** What a handler receives instead of a request that could not be decoded. */
export interface Undecodable {
  readonly [UNDECODABLE]: string;
}

function isUndecodable(value: unknown): value is Undecodable {
  return typeof value === "object" && value !== null && UNDECODABLE in value;
}

/**
 * The same service definition, with request decoding that never throws: a request that cannot
 * be decoded (bytes that are not the message, or a uint64 beyond 2^53 - 1, which the generated
 * decoder refuses) reaches the handler as an Undecodable value, and the handler answers
 * INVALID_ARGUMENT. Left to grpc-js, the call would end INTERNAL ("Error deserializing
 * request"), and on a stream it can race with a write and leave the client without a status.
 */
export function tolerantDecoding<T extends ServiceDefinition>(definition: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        try {
          return method.requestDeserialize(bytes);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          return { [UNDECODABLE]: reason } satisfies Undecodable;
        }
      },
    };
  }
  return out as T;
}

/** The request, or INVALID_ARGUMENT when it could not be decoded. */
export function decoded<T>(request: T | Undecodable): T {
  if (isUndecodable(request)) {
    throw invalidArgument("request", `could not be decoded: ${request[UNDECODABLE]}`);
  }
  return request;
}
