/**
 * The few fields of the xDS v3 DiscoveryRequest and DiscoveryResponse an ADS load client needs,
 * encoded and decoded by hand (envoy/service/discovery/v3/discovery.proto): the load processes
 * must not spend their CPU decoding resources they never look at, or their time would be
 * measured instead of the control plane's.
 */
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";

export const ADS_METHOD = "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources";

/** The four types a proxyless gRPC client asks for, in the order it asks for them. */
export const XDS_TYPE_URLS = {
  lds: "type.googleapis.com/envoy.config.listener.v3.Listener",
  rds: "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
  cds: "type.googleapis.com/envoy.config.cluster.v3.Cluster",
  eds: "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
} as const;

export interface AdsRequest {
  readonly versionInfo: string;
  /** The node (its id) goes on the first request of a stream only. */
  readonly nodeId?: string;
  readonly resourceNames: readonly string[];
  readonly typeUrl: string;
  readonly responseNonce: string;
}

/** What a response says of itself; its resources are skipped, not decoded. */
export interface AdsResponseHead {
  readonly versionInfo: string;
  readonly typeUrl: string;
  readonly nonce: string;
  readonly resources: number;
}

// DiscoveryRequest: version_info 1, node 2, resource_names 3, type_url 4, response_nonce 5.
// Node: id 1, user_agent_name 6.
export function encodeAdsRequest(r: AdsRequest): Buffer {
  const w = new BinaryWriter();
  if (r.versionInfo !== "") w.tag(1, WireType.LengthDelimited).string(r.versionInfo);
  if (r.nodeId !== undefined) {
    w.tag(2, WireType.LengthDelimited).fork();
    w.tag(1, WireType.LengthDelimited).string(r.nodeId);
    w.tag(6, WireType.LengthDelimited).string("switchboard-bench");
    w.join();
  }
  for (const name of r.resourceNames) w.tag(3, WireType.LengthDelimited).string(name);
  w.tag(4, WireType.LengthDelimited).string(r.typeUrl);
  if (r.responseNonce !== "") w.tag(5, WireType.LengthDelimited).string(r.responseNonce);
  return Buffer.from(w.finish());
}

// DiscoveryResponse: version_info 1, resources 2, type_url 4, nonce 5.
export function decodeAdsResponseHead(bytes: Buffer): AdsResponseHead {
  const r = new BinaryReader(bytes);
  let versionInfo = "";
  let typeUrl = "";
  let nonce = "";
  let resources = 0;
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field === 1) versionInfo = r.string();
    else if (field === 4) typeUrl = r.string();
    else if (field === 5) nonce = r.string();
    else {
      if (field === 2) resources++;
      r.skip(wireType, field);
    }
  }
  return { versionInfo, typeUrl, nonce, resources };
}
