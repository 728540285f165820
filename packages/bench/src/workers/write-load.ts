/**
 * Write-path load on one control plane: lease renewals on KeepAlive streams (each stream keeps
 * a window of requests in flight, several leases per stream, as the SDK's keep-alive does) or
 * Register calls at a fixed concurrency (re-registering a pool of endpoints, each one a full
 * registration: endpoint replaced, lease granted, version bumped, change recorded).
 */

import { performance } from "node:perf_hooks";
import { type ClientDuplexStream, credentials, Metadata } from "@grpc/grpc-js";
import { Registrar } from "@switchboard/control-plane/testing";
import {
  type KeepAliveRequest,
  type KeepAliveResponse,
  KeepAliveResponse_LeaseState,
  RegistrationClient,
} from "@switchboard/core/gen/switchboard/v1/registration.js";
import { sleep } from "../lib/clock.js";
import { Histogram, type HistogramData } from "../lib/histogram.js";
import type { Role } from "./role.js";

export interface WriteLoadSetup {
  readonly controlPlane: string;
  /** Distinguishes this process's endpoints from the other load processes'. */
  readonly index: number;
  readonly leases: number;
  readonly keepAliveStreams: number;
  readonly connections: number;
  readonly registerPool: number;
}

export interface WriteRunArgs {
  readonly mode: "keepalive" | "register";
  readonly durationMs: number;
  /** Requests in flight per KeepAlive stream, or Register calls in flight. */
  readonly window: number;
}

export interface WriteRunResult {
  readonly ops: number;
  readonly errors: number;
  readonly elapsedMs: number;
  readonly histogram: HistogramData;
  readonly maxUs: number;
}

type KeepAliveCall = ClientDuplexStream<KeepAliveRequest, KeepAliveResponse>;

interface Window {
  open: boolean;
  ops: number;
  errors: number;
  readonly histogram: Histogram;
}

function host(index: number, k: number): string {
  return `10.${100 + index}.${(k >> 8) & 255}.${k & 255}`;
}

async function registerLeases(reg: Registrar, setup: WriteLoadSetup): Promise<string[]> {
  const ids: string[] = [];
  for (let k = 0; k < setup.leases; k += 100) {
    const batch = Array.from({ length: Math.min(100, setup.leases - k) }, (_, j) =>
      reg.register({
        service: `ka-${(k + j) % 20}`,
        host: host(setup.index, k + j),
        port: 7000,
        ttlMs: 60_000,
      }),
    );
    for (const r of await Promise.all(batch)) ids.push(r.leaseId);
  }
  return ids;
}

/** One KeepAlive stream: `window` renewals in flight, answered in order. */
function renewOn(call: KeepAliveCall, leaseIds: readonly string[], window: number, w: Window): void {
  const sentAt: number[] = [];
  let next = 0;
  const send = () => {
    const leaseId = leaseIds[next++ % leaseIds.length] ?? "";
    sentAt.push(performance.now());
    call.write({ leaseId, health: 0 });
  };
  const onData = (r: KeepAliveResponse) => {
    const t = sentAt.shift();
    if (!w.open) return;
    if (t !== undefined) w.histogram.record((performance.now() - t) * 1000);
    if (r.state === KeepAliveResponse_LeaseState.LEASE_STATE_ACTIVE) w.ops++;
    else w.errors++;
    send();
  };
  call.on("data", onData);
  call.once("close", () => call.off("data", onData));
  for (let i = 0; i < window; i++) send();
}

async function keepAliveRun(
  clients: RegistrationClient[],
  leases: readonly string[],
  setup: WriteLoadSetup,
  a: WriteRunArgs,
  w: Window,
) {
  const calls: KeepAliveCall[] = [];
  for (let s = 0; s < setup.keepAliveStreams; s++) {
    const call = (clients[s % clients.length] as RegistrationClient).keepAlive(new Metadata());
    call.on("error", () => {
      w.errors++;
    });
    calls.push(call);
    renewOn(
      call,
      leases.filter((_, k) => k % setup.keepAliveStreams === s),
      a.window,
      w,
    );
  }
  await sleep(a.durationMs);
  w.open = false;
  for (const call of calls) call.end();
}

/** The live lease of each pool slot: an instance registering again names the lease it replaces
 * (a second registration of a live address without it is refused ALREADY_EXISTS). */
const poolLeases = new Map<number, string>();

async function registerRun(regs: Registrar[], setup: WriteLoadSetup, a: WriteRunArgs, w: Window) {
  let k = 0;
  const worker = async (slot: number) => {
    const reg = regs[slot % regs.length] as Registrar;
    while (w.open) {
      const i = k++ % setup.registerPool;
      const t = performance.now();
      try {
        const r = await reg.register({
          service: `reg-${i % 20}`,
          host: host(setup.index, i),
          port: 8000,
          ttlMs: 60_000,
          replacesLeaseId: poolLeases.get(i),
        });
        poolLeases.set(i, r.leaseId);
        if (w.open) {
          w.ops++;
          w.histogram.record((performance.now() - t) * 1000);
        }
      } catch {
        if (w.open) w.errors++;
      }
    }
  };
  const workers = Array.from({ length: a.window }, (_, slot) => worker(slot));
  await sleep(a.durationMs);
  w.open = false;
  await Promise.all(workers);
}

export async function writeLoadRole(raw: unknown): Promise<Role> {
  const setup = raw as WriteLoadSetup;
  const options = { "grpc.use_local_subchannel_pool": 1 };
  const regs = Array.from({ length: setup.connections }, () => new Registrar(setup.controlPlane, options));
  const clients = Array.from(
    { length: setup.connections },
    () => new RegistrationClient(setup.controlPlane, credentials.createInsecure(), options),
  );
  const leases = await registerLeases(regs[0] as Registrar, setup);
  return {
    info: { pid: process.pid, leases: leases.length },
    commands: {
      async run(raw) {
        const a = raw as WriteRunArgs;
        const w: Window = { open: true, ops: 0, errors: 0, histogram: new Histogram() };
        if (a.mode === "keepalive") await keepAliveRun(clients, leases, setup, a, w);
        else await registerRun(regs, setup, a, w);
        const result: WriteRunResult = {
          ops: w.ops,
          errors: w.errors,
          elapsedMs: a.durationMs,
          histogram: w.histogram.toData(),
          maxUs: w.histogram.max,
        };
        return result;
      },
    },
    async close() {
      for (const r of regs) r.close();
      for (const c of clients) c.close();
    },
  };
}
