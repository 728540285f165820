/**
 * One client process calling the echo service through one of the compared stacks:
 * raw grpc-js to one address, grpc-js round_robin, the Switchboard mesh, or grpc-js with
 * cockatiel retry + breaker around each call.
 */
import { credentials } from "@grpc/grpc-js";
import { createMeshClient, type MeshClient } from "@switchboard/sdk";
import { Registry } from "prom-client";
import { sleep } from "../lib/clock.js";
import { type EchoCall, EchoServiceClient, echoCall } from "../lib/echo.js";
import { closedLoop, openLoop } from "../lib/load.js";
import { roundRobinServiceConfig } from "../lib/service-config.js";
import { silentLogger } from "../lib/silent.js";
import { withCockatiel } from "./cockatiel.js";
import { type FailoverArgs, failoverRun } from "./failover-run.js";
import type { Role } from "./role.js";

export type ClientVariant = "raw" | "round_robin" | "round_robin_retry" | "mesh" | "cockatiel";

export interface EchoClientSetup {
  readonly variant: ClientVariant;
  /** Instance addresses ("host:port"); raw uses the first. */
  readonly addresses: readonly string[];
  readonly controlPlane: string;
  readonly service: string;
  /** Deadline of every call, ms after it starts. Default: none. */
  readonly deadlineMs?: number;
}

/** One grpc-js channel to every address (a static ipv4: target), balanced by round_robin. */
function roundRobinClient(addresses: readonly string[], withRetries = false): EchoServiceClient {
  const target = `ipv4:${addresses.join(",")}`;
  return new EchoServiceClient(target, credentials.createInsecure(), {
    "grpc.service_config": roundRobinServiceConfig(withRetries),
  });
}

interface Stack {
  readonly client: EchoServiceClient;
  readonly call: EchoCall;
  readonly mesh: MeshClient | undefined;
}

async function buildStack(setup: EchoClientSetup): Promise<Stack> {
  const insecure = credentials.createInsecure();
  switch (setup.variant) {
    case "raw": {
      const client = new EchoServiceClient(setup.addresses[0] ?? "", insecure);
      return { client, call: echoCall(client, setup.deadlineMs), mesh: undefined };
    }
    case "round_robin": {
      const client = roundRobinClient(setup.addresses);
      return { client, call: echoCall(client, setup.deadlineMs), mesh: undefined };
    }
    case "round_robin_retry": {
      const client = roundRobinClient(setup.addresses, true);
      return { client, call: echoCall(client, setup.deadlineMs), mesh: undefined };
    }
    case "cockatiel": {
      const client = roundRobinClient(setup.addresses);
      return { client, call: withCockatiel(echoCall(client, setup.deadlineMs)), mesh: undefined };
    }
    case "mesh": {
      const mesh = createMeshClient({
        controlPlane: setup.controlPlane,
        logger: silentLogger,
        registry: new Registry(),
      });
      await mesh.waitForService(setup.service, { timeoutMs: 20_000 });
      const client = new EchoServiceClient(`mesh:///${setup.service}`, insecure);
      return { client, call: echoCall(client, setup.deadlineMs), mesh };
    }
  }
}

/** Calls until `n` have succeeded in a row batch (connections up, code paths warm). */
async function warm(call: EchoCall, n: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let ok = 0;
  while (ok < n) {
    if (Date.now() > deadline)
      throw new Error(`warm-up: only ${ok} of ${n} calls succeeded in ${timeoutMs} ms`);
    const results = await Promise.allSettled(Array.from({ length: 16 }, () => call()));
    ok += results.filter((r) => r.status === "fulfilled").length;
    if (results.some((r) => r.status === "rejected")) await sleep(50);
  }
}

export async function echoClientRole(raw: unknown): Promise<Role> {
  const setup = raw as EchoClientSetup;
  const stack = await buildStack(setup);
  const { call, mesh } = stack;
  if (mesh) await waitForEndpoints(mesh, setup.service, setup.addresses.length);
  await warm(call, 200);
  return {
    info: { pid: process.pid },
    commands: {
      async closed(a) {
        const { warmupMs, durationMs, concurrency } = a as {
          warmupMs: number;
          durationMs: number;
          concurrency: number;
        };
        if (warmupMs > 0) await closedLoop(call, concurrency, warmupMs);
        return closedLoop(call, concurrency, durationMs);
      },
      async open(a) {
        const { warmupMs, durationMs, rate } = a as { warmupMs: number; durationMs: number; rate: number };
        if (warmupMs > 0) await openLoop(call, rate, warmupMs);
        return openLoop(call, rate, durationMs);
      },
      async failover(a) {
        return failoverRun(call, a as FailoverArgs);
      },
      async "await-version"(a) {
        const { version } = a as { version: number };
        if (!mesh) return { version: 0 };
        const deadline = Date.now() + 10_000;
        while ((mesh.stats().services[setup.service]?.version ?? 0) < version) {
          if (Date.now() > deadline) throw new Error(`policy version ${version} not applied after 10 s`);
          await sleep(10);
        }
        return { version: mesh.stats().services[setup.service]?.version ?? 0 };
      },
    },
    async close() {
      stack.client.close();
      await mesh?.close();
    },
  };
}

async function waitForEndpoints(mesh: MeshClient, service: string, n: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (mesh.endpoints(service).length < n) {
    if (Date.now() > deadline) throw new Error(`mesh: ${n} endpoints of ${service} not known after 20 s`);
    await sleep(20);
  }
}
