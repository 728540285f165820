/**
 * Discovery subscribers, as raw Watch streams: `streams` streams spread over `connections`
 * HTTP/2 connections, each saying hello, subscribing to one service and acking every response
 * as the SDK does. For each change it is told to expect, it reports when its last (and median)
 * stream had the new version.
 */
import { type ClientDuplexStream, credentials } from "@grpc/grpc-js";
import {
  DiscoveryClient,
  type WatchRequest,
  type WatchResponse,
} from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { wallMs } from "../lib/clock.js";
import { median } from "../lib/stats.js";
import type { Role } from "./role.js";

export interface WatchLoadSetup {
  readonly controlPlane: string;
  readonly service: string;
  readonly streams: number;
  readonly connections: number;
  /** Label for client ids (unique per process). */
  readonly label: string;
}

export interface ArrivalReport {
  readonly streams: number;
  /** Wall ms when the first / the last / the median stream had the version. */
  readonly firstAtMs: number;
  readonly lastAtMs: number;
  readonly medianAtMs: number;
}

type Watch = ClientDuplexStream<WatchRequest, WatchResponse>;

class Subscribers {
  readonly versions: Float64Array;
  readonly arrivals: Float64Array;
  readonly calls: Watch[] = [];
  target = Number.POSITIVE_INFINITY;
  reached = 0;
  errors = 0;
  firstError: Error | undefined;
  private waiter: (() => void) | undefined;

  constructor(readonly size: number) {
    this.versions = new Float64Array(size);
    this.arrivals = new Float64Array(size);
  }

  received(i: number, version: number): void {
    const before = this.versions[i] ?? 0;
    if (version <= before) return;
    this.versions[i] = version;
    if (before < this.target && version >= this.target) {
      this.arrivals[i] = wallMs();
      this.reached++;
      if (this.reached === this.size) this.waiter?.();
    }
  }

  /** Resolves once every stream holds at least `version`. */
  expect(version: number): Promise<void> {
    this.target = version;
    this.reached = 0;
    for (let i = 0; i < this.size; i++) if ((this.versions[i] ?? 0) >= version) this.reached++;
    return new Promise((resolve) => {
      if (this.reached === this.size) resolve();
      else this.waiter = resolve;
    });
  }

  minVersion(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const v of this.versions) if (v < min) min = v;
    return min;
  }

  maxVersion(): number {
    let max = 0;
    for (const v of this.versions) if (v > max) max = v;
    return max;
  }
}

function versionOf(r: WatchResponse): number | undefined {
  if (r.kind?.$case === "snapshot") return r.kind.snapshot.version;
  if (r.kind?.$case === "delta") return r.kind.delta.version;
  return undefined;
}

function openStream(client: DiscoveryClient, setup: WatchLoadSetup, subs: Subscribers, i: number): Watch {
  const call = client.watch();
  call.on("data", (r: WatchResponse) => {
    const version = versionOf(r);
    call.write({ kind: { $case: "ack", ack: { nonce: r.nonce } } });
    if (version !== undefined) subs.received(i, version);
  });
  call.on("error", (e: Error) => {
    subs.errors++;
    subs.firstError ??= e;
  });
  const clientId = `${setup.label}-${i}`;
  call.write({
    kind: {
      $case: "hello",
      hello: { clientId, zone: "", sdkVersion: "bench", epoch: "", knownVersions: {} },
    },
  });
  call.write({ kind: { $case: "subscribe", subscribe: { service: setup.service, knownVersion: 0 } } });
  return call;
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function watchLoadRole(raw: unknown): Promise<Role> {
  const setup = raw as WatchLoadSetup;
  const clients = Array.from(
    { length: setup.connections },
    () =>
      new DiscoveryClient(setup.controlPlane, credentials.createInsecure(), {
        "grpc.use_local_subchannel_pool": 1,
        "grpc.max_receive_message_length": 64 * 1024 * 1024,
      }),
  );
  const subs = new Subscribers(setup.streams);
  for (let i = 0; i < setup.streams; i++) {
    subs.calls.push(openStream(clients[i % clients.length] as DiscoveryClient, setup, subs, i));
    if (i % 200 === 199) await new Promise((r) => setImmediate(r));
  }
  await until(
    () => {
      if (subs.firstError) throw new Error(`a Watch stream failed: ${subs.firstError.message}`);
      return subs.minVersion() > 0;
    },
    120_000,
    `${setup.streams} snapshots`,
  );
  let pending: Promise<void> | undefined;
  return {
    info: { pid: process.pid, version: subs.maxVersion() },
    commands: {
      async expect() {
        const version = subs.maxVersion() + 1;
        pending = subs.expect(version);
        return { version };
      },
      async arrived(a) {
        const { timeoutMs } = a as { timeoutMs: number };
        if (!pending) throw new Error("arrived before expect");
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(
                  `only ${subs.reached} of ${subs.size} streams had the change after ${timeoutMs} ms`,
                ),
              ),
            timeoutMs,
          );
        });
        await Promise.race([pending, timeout]).finally(() => clearTimeout(timer));
        const report: ArrivalReport = {
          streams: subs.size,
          firstAtMs: subs.arrivals.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY),
          lastAtMs: subs.arrivals.reduce((a, b) => Math.max(a, b), 0),
          medianAtMs: median([...subs.arrivals]),
        };
        return report;
      },
      async errors() {
        return { errors: subs.errors };
      },
    },
    async close() {
      for (const call of subs.calls) call.cancel();
      for (const c of clients) c.close();
    },
  };
}
