/** The four xDS v3 resource types a proxyless gRPC client asks for, in the order they are sent
 * on a stream (a Listener before its RouteConfiguration, a Cluster before its endpoints). */
export const TYPE_URLS = {
  listener: "type.googleapis.com/envoy.config.listener.v3.Listener",
  route: "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
  cluster: "type.googleapis.com/envoy.config.cluster.v3.Cluster",
  endpoints: "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
} as const;

export type ResourceKind = keyof typeof TYPE_URLS;
export const RESOURCE_KINDS: readonly ResourceKind[] = ["listener", "route", "cluster", "endpoints"];

/** Short names (as in LDS/RDS/CDS/EDS) for logs and the subscriber table. */
export const KIND_LABEL: Readonly<Record<ResourceKind, string>> = {
  listener: "LDS",
  route: "RDS",
  cluster: "CDS",
  endpoints: "EDS",
};

export function kindOfTypeUrl(typeUrl: string): ResourceKind | undefined {
  for (const kind of RESOURCE_KINDS) if (TYPE_URLS[kind] === typeUrl) return kind;
  return undefined;
}

/** The type URL of an extension message (typed_config). */
export function typeUrlOf(messageName: string): string {
  return `type.googleapis.com/${messageName}`;
}

/** A resource or extension as a plain object; "@type" names its message (the serializer packs
 * it into a google.protobuf.Any). Field names as in the .proto files. */
export type XdsMessage = { readonly "@type": string } & Readonly<Record<string, unknown>>;
