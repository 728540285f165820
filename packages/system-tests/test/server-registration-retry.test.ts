import assert from "node:assert/strict";
import { createServer } from "node:net";
import { afterEach, describe, it } from "node:test";
import {
  Server as GrpcServer,
  Metadata,
  ServerCredentials,
  type ServerDuplexStream,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import {
  type KeepAliveRequest,
  type KeepAliveResponse,
  KeepAliveResponse_LeaseState as LeaseState,
  type RegisterResponse,
  RegistrationService,
} from "@switchboard/core/gen/switchboard/v1/registration.js";
import { createMeshServer, type MeshServer } from "@switchboard/sdk";
import { eventually, silent } from "./support/fixture.js";

/** A port nothing listens on. */
async function deadAddress(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

/**
 * A Registration replica whose Register answers follow `answers` (a code, or a lease id to
 * grant), and whose KeepAlive renews only the leases in `active` (others: NOT_FOUND).
 */
async function fakeReplica(answers: (number | string)[], active: Set<string>) {
  const registered: string[] = [];
  let refused = 0;
  const renewed: string[] = [];
  const server = new GrpcServer();
  server.addService(RegistrationService, {
    register: (_call: unknown, done: (e: Partial<ServiceError> | null, r?: RegisterResponse) => void) => {
      const answer = answers.shift() ?? `lease-${registered.length + 1}`;
      if (typeof answer === "number") {
        refused++;
        done({ code: answer, details: "token not accepted", metadata: new Metadata() });
        return;
      }
      registered.push(answer);
      done(null, { leaseId: answer, endpointId: "x:1", ttlMs: 300, version: 1, epoch: "e" });
    },
    keepAlive: (call: ServerDuplexStream<KeepAliveRequest, KeepAliveResponse>) => {
      call.on("data", (r: KeepAliveRequest) => {
        const state = active.has(r.leaseId)
          ? LeaseState.LEASE_STATE_ACTIVE
          : LeaseState.LEASE_STATE_NOT_FOUND;
        if (state === LeaseState.LEASE_STATE_ACTIVE) renewed.push(r.leaseId);
        call.write({ leaseId: r.leaseId, state, ttlMs: 300, version: 1 });
      });
      call.on("end", () => call.end());
    },
    deregister: (_call: unknown, done: (e: null, r: object) => void) =>
      done(null, { found: true, version: 1 }),
    awaitPropagation: (_call: unknown, done: (e: null, r: object) => void) =>
      done(null, { acknowledged: 0, subscribers: 0, complete: true }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    registered,
    renewed,
    get refused() {
      return refused;
    },
    stop: () => server.forceShutdown(),
  };
}

function meshServer(controlPlane: string[]): MeshServer {
  return createMeshServer({
    service: "registration-retry",
    controlPlane,
    listen: "127.0.0.1:0",
    handleSignals: false,
    startupRegistrationTimeoutMs: 4000,
    logger: silent,
  });
}

describe("mesh server registration", () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it("registers with the second control-plane replica when the first is down", async () => {
    const replica = await fakeReplica([], new Set(["lease-1"]));
    cleanup.push(replica.stop);
    const server = meshServer([await deadAddress(), replica.address]);
    cleanup.push(() => server.drain());
    const started = await server.start();
    assert.equal(started.registered, true, "start() gave up waiting on the dead replica");
    assert.deepEqual(replica.registered, ["lease-1"]);
  });

  it("keeps re-registering with backoff while a re-registration is refused UNAUTHENTICATED or INVALID_ARGUMENT", async () => {
    // lease-1 is granted, then reported lost; the next registrations are refused, then accepted.
    const replica = await fakeReplica(
      ["lease-1", status.UNAUTHENTICATED, status.INVALID_ARGUMENT, status.UNAUTHENTICATED, "lease-2"],
      new Set(["lease-2"]),
    );
    cleanup.push(replica.stop);
    const server = meshServer([replica.address]);
    cleanup.push(() => server.drain());
    assert.equal((await server.start()).registered, true);
    await eventually(
      () => replica.renewed.includes("lease-2"),
      10_000,
      "the lease of the re-registration renewed",
    );
    assert.equal(replica.refused, 3);
    assert.deepEqual(replica.registered, ["lease-1", "lease-2"]);
  });

  it("still fails start() at once when the first registration is refused", async () => {
    const replica = await fakeReplica([status.UNAUTHENTICATED], new Set());
    cleanup.push(replica.stop);
    const server = meshServer([replica.address]);
    await assert.rejects(server.start(), (e: Error & { code?: number }) => {
      assert.equal(e.code, status.UNAUTHENTICATED);
      assert.match(e.message, /registration refused: token not accepted/);
      return true;
    });
    assert.equal(server.state, "stopped");
  });
});
