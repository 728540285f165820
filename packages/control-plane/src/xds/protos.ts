/**
 * The Envoy xDS API (v3) as grpc-js service definitions, loaded with @grpc/proto-loader from the
 * .proto files @grpc/grpc-js-xds ships (envoy-api, xds, googleapis, protoc-gen-validate).
 * Every resource type a response carries is loaded too, so a resource written as a plain object
 * with an "@type" key is encoded into its google.protobuf.Any by the serializer.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ServiceDefinition } from "@grpc/grpc-js";
import { loadSync, type Options } from "@grpc/proto-loader";

const FILES = [
  "envoy/service/discovery/v3/ads.proto",
  "envoy/service/status/v3/csds.proto",
  "envoy/config/listener/v3/listener.proto",
  "envoy/config/route/v3/route.proto",
  "envoy/config/cluster/v3/cluster.proto",
  "envoy/config/endpoint/v3/endpoint.proto",
  "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto",
  "envoy/extensions/filters/http/router/v3/router.proto",
  "envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.proto",
  "envoy/extensions/load_balancing_policies/least_request/v3/least_request.proto",
  "envoy/extensions/load_balancing_policies/wrr_locality/v3/wrr_locality.proto",
] as const;

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

function protoRoot(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("@grpc/grpc-js-xds/package.json")), "deps");
}

/** The ADS and CSDS service definitions (loaded once per process: ~600 files, ~0.5 s). */
export function xdsServices(): XdsServiceDefinitions {
  if (loaded) return loaded;
  const root = protoRoot();
  const includeDirs = ["envoy-api", "xds", "googleapis", "protoc-gen-validate"].map((d) => join(root, d));
  const pkg = loadSync([...FILES], { ...LOAD_OPTIONS, includeDirs });
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
