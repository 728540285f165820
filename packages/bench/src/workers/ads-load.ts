/**
 * xDS subscribers, as raw ADS streams (state of the world): `streams` streams spread over
 * `connections` HTTP/2 connections, each asking for the Listener, RouteConfiguration, Cluster
 * and ClusterLoadAssignment of one service, as a proxyless gRPC client of xds:///<service>
 * does, and acking every response. A stream's version is the number of endpoint (EDS)
 * responses it has acked: an endpoint change is one more. The arrival time of a change is
 * when the stream's ACK of it is written.
 */
import { Client, type ClientDuplexStream, credentials } from "@grpc/grpc-js";
import { ADS_METHOD, decodeAdsResponseHead, encodeAdsRequest, XDS_TYPE_URLS } from "../lib/ads-wire.js";
import type { Arrivals } from "./arrivals.js";
import type { Role } from "./role.js";
import { CONNECTION_OPTIONS, type SubscriberLoadSetup, subscriberLoadRole } from "./watch-load.js";

type AdsCall = ClientDuplexStream<Buffer, Buffer>;

const identity = (b: Buffer): Buffer => b;

function openStream(client: Client, setup: SubscriberLoadSetup, subs: Arrivals, i: number): AdsCall {
  const call = client.makeBidiStreamRequest(ADS_METHOD, identity, identity);
  const names = [setup.service];
  let edsAcked = 0;
  call.on("data", (bytes: Buffer) => {
    const r = decodeAdsResponseHead(bytes);
    call.write(
      encodeAdsRequest({
        versionInfo: r.versionInfo,
        resourceNames: names,
        typeUrl: r.typeUrl,
        responseNonce: r.nonce,
      }),
    );
    if (r.typeUrl === XDS_TYPE_URLS.eds) subs.received(i, ++edsAcked);
  });
  call.on("error", (e: Error) => subs.failed(e));
  const nodeId = `${setup.label}-${i}`;
  for (const [k, typeUrl] of Object.values(XDS_TYPE_URLS).entries()) {
    call.write(
      encodeAdsRequest({
        versionInfo: "",
        ...(k === 0 ? { nodeId } : {}),
        resourceNames: names,
        typeUrl,
        responseNonce: "",
      }),
    );
  }
  return call;
}

export function adsLoadRole(raw: unknown): Promise<Role> {
  return subscriberLoadRole(
    raw,
    (address) => new Client(address, credentials.createInsecure(), CONNECTION_OPTIONS),
    openStream,
  );
}
