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
import { Arrivals } from "./arrivals.js";
import type { Role } from "./role.js";
import { CONNECTION_OPTIONS, type SubscriberLoadSetup } from "./watch-load.js";

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

export async function adsLoadRole(raw: unknown): Promise<Role> {
  const setup = raw as SubscriberLoadSetup;
  const clients = Array.from(
    { length: setup.connections },
    (_, c) =>
      new Client(
        setup.controlPlanes[c % setup.controlPlanes.length] ?? "",
        credentials.createInsecure(),
        CONNECTION_OPTIONS,
      ),
  );
  const subs = new Arrivals(setup.streams);
  const calls: AdsCall[] = [];
  for (let i = 0; i < setup.streams; i++) {
    calls.push(openStream(clients[i % clients.length] as Client, setup, subs, i));
    if (i % 200 === 199) await new Promise((r) => setImmediate(r));
  }
  await subs.untilAllStarted(120_000);
  return {
    info: { pid: process.pid, version: subs.maxVersion() },
    commands: subs.commands(),
    async close() {
      for (const call of calls) call.cancel();
      for (const c of clients) c.close();
    },
  };
}
