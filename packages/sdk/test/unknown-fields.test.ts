import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { Server, ServerCredentials, type ServerDuplexStream, type sendUnaryData } from "@grpc/grpc-js";
import {
  DiscoveryService,
  type WatchRequest,
  WatchResponse,
} from "@switchboard/core/gen/switchboard/v1/discovery.js";
import {
  LoadBalancing,
  LoadBalancing_Algorithm,
  Policy,
} from "@switchboard/core/gen/switchboard/v1/policy.js";
import { Endpoint, HealthStatus, RemovalReason } from "@switchboard/core/gen/switchboard/v1/types.js";
import pino from "pino";
import { Registry } from "prom-client";
import { createMeshClient, type MeshClient } from "../src/index.js";

/**
 * A newer control plane may send fields this SDK does not know. Protobuf decoders skip them;
 * these tests check that the SDK's whole receive path (grpc-js, the generated decoder, the
 * service view) applies such a response and ACKs it, through a fake Discovery server that writes
 * raw bytes.
 */

const SERVICE = "users";
const EPOCH = "e1";

/**
 * Appends fields numbered past anything the v1 contract uses, one of each wire type: varint,
 * fixed64, length-delimited (a string), a nested message (itself with an unknown field of its
 * own) and fixed32.
 */
function withUnknownFields(message: Uint8Array): Uint8Array {
  const nested = new BinaryWriter().tag(1, WireType.Varint).uint64(7).tag(900, WireType.Bit32).fixed32(9);
  return new BinaryWriter()
    .raw(message)
    .tag(1001, WireType.Varint)
    .uint64(18_446_744_073_709_551_615n)
    .tag(1002, WireType.Bit64)
    .fixed64(0x0102030405060708n)
    .tag(1003, WireType.LengthDelimited)
    .string("route table from the future")
    .tag(1004, WireType.LengthDelimited)
    .bytes(nested.finish())
    .tag(1005, WireType.Bit32)
    .fixed32(0xdeadbeef)
    .finish();
}

const lengthDelimited = (w: BinaryWriter, no: number, bytes: Uint8Array) =>
  w.tag(no, WireType.LengthDelimited).bytes(bytes);

function endpoint(port: number, extra: Partial<Endpoint> = {}): Endpoint {
  return {
    id: `127.0.0.1:${port}`,
    host: "127.0.0.1",
    port,
    zone: "a",
    weight: 5,
    metadata: { version: "2" },
    health: HealthStatus.HEALTH_STATUS_SERVING,
    adminDrained: false,
    ...extra,
  };
}

/** A policy, unknown fields in it and in its LoadBalancing. */
function policyBytes(algorithm: LoadBalancing_Algorithm): Uint8Array {
  const lb = LoadBalancing.encode({ algorithm, choiceCount: 3, hashHeader: "" }).finish();
  const rest = Policy.encode({ timeoutMs: 1500, methods: {} }).finish();
  return withUnknownFields(lengthDelimited(new BinaryWriter().raw(rest), 1, withUnknownFields(lb)).finish());
}

/** A WatchResponse with a snapshot; unknown fields at every level: response, snapshot, endpoint, policy. */
function snapshotResponse(nonce: string, version: number, ports: number[]): Uint8Array {
  const snapshot = new BinaryWriter().tag(1, WireType.LengthDelimited).string(SERVICE);
  snapshot.tag(2, WireType.Varint).uint64(version);
  for (const port of ports)
    lengthDelimited(snapshot, 3, withUnknownFields(Endpoint.encode(endpoint(port)).finish()));
  lengthDelimited(snapshot, 4, policyBytes(LoadBalancing_Algorithm.ALGORITHM_LEAST_REQUEST));
  const response = new BinaryWriter().tag(1, WireType.LengthDelimited).string(nonce);
  response.tag(2, WireType.LengthDelimited).string(EPOCH);
  return withUnknownFields(lengthDelimited(response, 3, withUnknownFields(snapshot.finish())).finish());
}

/** A WatchResponse with a delta (upsert, removal, policy update), unknown fields at every level. */
function deltaResponse(
  nonce: string,
  from: number,
  to: number,
  change: { upsert: number; remove: number; algorithm: LoadBalancing_Algorithm },
): Uint8Array {
  const delta = new BinaryWriter().tag(1, WireType.LengthDelimited).string(SERVICE);
  delta.tag(2, WireType.Varint).uint64(from).tag(3, WireType.Varint).uint64(to);
  lengthDelimited(
    delta,
    4,
    withUnknownFields(Endpoint.encode(endpoint(change.upsert, { weight: 9 })).finish()),
  );
  const removed = new BinaryWriter().tag(1, WireType.LengthDelimited).string(`127.0.0.1:${change.remove}`);
  removed.tag(2, WireType.Varint).int32(RemovalReason.REMOVAL_REASON_DEREGISTERED);
  lengthDelimited(delta, 5, withUnknownFields(removed.finish()));
  const update = lengthDelimited(new BinaryWriter(), 1, policyBytes(change.algorithm)).finish();
  lengthDelimited(delta, 6, withUnknownFields(update));
  const response = new BinaryWriter().tag(1, WireType.LengthDelimited).string(nonce);
  response.tag(2, WireType.LengthDelimited).string(EPOCH);
  return withUnknownFields(lengthDelimited(response, 4, withUnknownFields(delta.finish())).finish());
}

/** A response whose `kind` is a oneof case this SDK does not know (field 6). */
function unknownKindResponse(nonce: string): Uint8Array {
  const response = new BinaryWriter().tag(1, WireType.LengthDelimited).string(nonce);
  response.tag(2, WireType.LengthDelimited).string(EPOCH);
  const routeTable = new BinaryWriter().tag(1, WireType.LengthDelimited).string(SERVICE).finish();
  return withUnknownFields(lengthDelimited(response, 6, routeTable).finish());
}

type RawWatch = ServerDuplexStream<WatchRequest, Buffer>;

/** A Discovery server that writes whatever bytes the test gives it and records what the client sends. */
class FakeDiscovery {
  readonly server = new Server();
  readonly requests: WatchRequest[] = [];
  private stream: RawWatch | undefined;
  private waiters: (() => void)[] = [];

  async start(): Promise<string> {
    const watch = { ...DiscoveryService.watch, responseSerialize: (b: Buffer) => b };
    this.server.addService({ watch }, {
      watch: (stream: RawWatch) => {
        this.stream = stream;
        stream.on("data", (r: WatchRequest) => {
          this.requests.push(r);
          for (const wake of this.waiters.splice(0)) wake();
        });
        stream.on("error", () => {});
      },
    } as Record<string, (call: RawWatch, callback?: sendUnaryData<Buffer>) => void>);
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    return `127.0.0.1:${port}`;
  }

  send(bytes: Uint8Array): void {
    assert.ok(this.stream, "no Watch stream open");
    this.stream.write(Buffer.from(bytes));
  }

  /** The first request (past or future) that `match` accepts. */
  async next<T>(match: (r: WatchRequest) => T | undefined): Promise<T> {
    for (;;) {
      for (const r of this.requests) {
        const found = match(r);
        if (found !== undefined) return found;
      }
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  /** The Ack or Nack the client sent for `nonce`. */
  answerTo(nonce: string): Promise<{ ack: true } | { ack: false; reason: string }> {
    return this.next((r) => {
      if (r.kind?.$case === "ack" && r.kind.ack.nonce === nonce) return { ack: true as const };
      if (r.kind?.$case === "nack" && r.kind.nack.nonce === nonce) {
        return { ack: false as const, reason: r.kind.nack.reason };
      }
      return undefined;
    });
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

const ports = (mesh: MeshClient) =>
  mesh
    .endpoints(SERVICE)
    .map((e) => e.port)
    .sort((a, b) => a - b);

describe("unknown fields from a newer control plane", () => {
  const discovery = new FakeDiscovery();
  let mesh: MeshClient;

  before(async () => {
    const address = await discovery.start();
    mesh = createMeshClient({
      controlPlane: address,
      logger: pino({ level: "silent" }),
      registry: new Registry(),
    });
    mesh.endpoints(SERVICE);
    await discovery.next((r) =>
      (r.kind?.$case === "hello" && SERVICE in r.kind.hello.knownVersions) ||
      (r.kind?.$case === "subscribe" && r.kind.subscribe.service === SERVICE)
        ? true
        : undefined,
    );
  });

  after(async () => {
    await mesh.close();
    discovery.stop();
  });

  it("really carries unknown fields: the bytes decode, and are longer than the known fields encoded", () => {
    const bytes = snapshotResponse("probe", 1, [7001]);
    const decoded = WatchResponse.decode(bytes);
    assert.equal(decoded.kind?.$case, "snapshot");
    assert.ok(bytes.length > WatchResponse.encode(decoded).finish().length + 5 * 40);
  });

  it("applies a snapshot with unknown fields at every level, and ACKs it", async () => {
    discovery.send(snapshotResponse("n1", 10, [7001, 7002, 7003]));
    assert.deepEqual(await discovery.answerTo("n1"), { ack: true });
    assert.deepEqual(ports(mesh), [7001, 7002, 7003]);
    assert.deepEqual(
      mesh.endpoints(SERVICE).map((e) => [e.zone, e.weight, e.metadata.version, e.health]),
      Array(3).fill(["a", 5, "2", "SERVING"]),
    );
    assert.equal(mesh.stats().services[SERVICE]?.loadBalancing, "least_request");
  });

  it("applies a delta with unknown fields at every level, and ACKs it", async () => {
    const change = { upsert: 7004, remove: 7001, algorithm: LoadBalancing_Algorithm.ALGORITHM_RANDOM };
    discovery.send(deltaResponse("n2", 10, 11, change));
    assert.deepEqual(await discovery.answerTo("n2"), { ack: true });
    assert.deepEqual(ports(mesh), [7002, 7003, 7004]);
    assert.equal(mesh.endpoints(SERVICE).find((e) => e.port === 7004)?.weight, 9);
    assert.equal(mesh.stats().services[SERVICE]?.loadBalancing, "random");
  });

  it("ACKs a response whose kind it does not know, and keeps its state", async () => {
    discovery.send(unknownKindResponse("n3"));
    assert.deepEqual(await discovery.answerTo("n3"), { ack: true });
    assert.deepEqual(ports(mesh), [7002, 7003, 7004]);
  });

  it("NACKs a policy with an algorithm it does not know, keeps the last good policy, applies the endpoints", async () => {
    const change = { upsert: 7005, remove: 7002, algorithm: 42 as LoadBalancing_Algorithm };
    discovery.send(deltaResponse("n4", 11, 12, change));
    const answer = await discovery.answerTo("n4");
    assert.equal(answer.ack, false);
    assert.match(
      answer.ack ? "" : answer.reason,
      /load_balancing\.algorithm: unknown load-balancing algorithm 42/,
    );
    assert.deepEqual(ports(mesh), [7003, 7004, 7005]);
    assert.equal(mesh.stats().services[SERVICE]?.loadBalancing, "random");
  });
});
