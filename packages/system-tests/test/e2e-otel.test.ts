import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials, Metadata, type ServerUnaryCall, type sendUnaryData, status } from "@grpc/grpc-js";
import { context, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { AdminClient } from "@switchboard/control-plane/testing";
import { createMeshClient, createMeshServer, type MeshClient, type MeshServer } from "@switchboard/sdk";
import {
  type EchoRequest,
  type EchoResponse,
  EchoServiceClient,
  EchoServiceService,
} from "../src/gen/echo/v1/echo.js";
import { eventually, type StartedControlPlane, silent, startControlPlane } from "./support/fixture.js";

/** A reader the test collects from when it wants, instead of on a timer. */
class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const METHOD = "echo.v1.EchoService/Echo";
const TARGET = "mesh:///echo";

/** What the instances saw: the trace id active in each handler, the traceparent header. */
interface Seen {
  traceId: string | undefined;
  traceparent: unknown;
}

function echo(client: EchoServiceClient, message: string): Promise<EchoResponse> {
  return new Promise((resolve, reject) => {
    client.echo(
      { message, payload: Buffer.alloc(64), delayMs: 0, failWithCode: 0 },
      new Metadata(),
      { deadline: Date.now() + 5000 },
      (e, r) => (e ? reject(e) : resolve(r)),
    );
  });
}

function waitForReady(client: EchoServiceClient): Promise<void> {
  return new Promise((resolve, reject) =>
    client.waitForReady(Date.now() + 5000, (e) => (e ? reject(e) : resolve())),
  );
}

describe("OpenTelemetry through the mesh", () => {
  let cp: StartedControlPlane;
  let admin: AdminClient;
  const servers: MeshServer[] = [];
  let mesh: MeshClient;
  let plain: MeshClient;
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const contextManager = new AsyncLocalStorageContextManager();
  const seen: Seen[] = [];
  /** Calls still to fail with UNAVAILABLE, across every instance. */
  let failNext = 0;

  before(async () => {
    context.setGlobalContextManager(contextManager.enable());
    cp = await startControlPlane();
    admin = new AdminClient(cp.address);
    for (let i = 0; i < 3; i++) {
      const server = createMeshServer({
        service: "echo",
        controlPlane: cp.address,
        listen: "127.0.0.1:0",
        handleSignals: false,
        drainPropagationTimeoutMs: 500,
        logger: silent,
        meterProvider,
        tracerProvider,
      });
      server.addService(EchoServiceService, {
        echo(call: ServerUnaryCall<EchoRequest, EchoResponse>, callback: sendUnaryData<EchoResponse>) {
          seen.push({
            traceId: trace.getActiveSpan()?.spanContext().traceId,
            traceparent: call.metadata.get("traceparent")[0],
          });
          if (failNext > 0) {
            failNext--;
            callback({ code: status.UNAVAILABLE, details: "failing on purpose" });
          } else {
            callback(null, { message: call.request.message, payload: call.request.payload, servedBy: "" });
          }
        },
      });
      await server.start();
      servers.push(server);
    }
    await admin.setPolicy("echo", { retry: { maxAttempts: 3 } });
    mesh = createMeshClient({ controlPlane: cp.address, logger: silent, meterProvider, tracerProvider });
    plain = createMeshClient({ controlPlane: cp.address, logger: silent, name: "plain" });
    for (const m of [mesh, plain]) {
      await m.waitForService("echo");
      await eventually(() => m.endpoints("echo").length === 3, 5000, "three endpoints");
      await eventually(() => (m.stats().services.echo?.version ?? 0) > 1, 5000, "the retry policy");
    }
  });

  after(async () => {
    await mesh.close();
    await plain.close();
    await Promise.all(servers.map((s) => s.drain()));
    admin.close();
    await cp.stop();
    context.disable();
  });

  it("records three attempts, one OK call, and links call, attempt and server spans in one trace", async () => {
    const client = new EchoServiceClient(TARGET, credentials.createInsecure());
    await waitForReady(client);
    spans.reset();
    seen.length = 0;
    failNext = 2;
    const root = tracerProvider.getTracer("test").startSpan("checkout");
    const answer = await context.with(trace.setSpan(context.active(), root), () => echo(client, "hi"));
    root.end();
    client.close();
    assert.equal(answer.message, "hi");

    const { resourceMetrics } = await reader.collect();
    const metrics = new Map(
      resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).map((m) => [m.descriptor.name, m]),
    );
    const started = metrics.get("grpc.client.attempt.started")?.dataPoints as DataPoint<number>[];
    assert.equal(
      started.reduce((sum, p) => sum + p.value, 0),
      3,
    );
    assert.deepEqual(started.map((p) => p.attributes["switchboard.attempt"]).sort(), [0, 1, 2]);
    assert.equal(
      new Set(started.map((p) => p.attributes["switchboard.endpoint"])).size,
      3,
      "three endpoints",
    );
    for (const p of started) {
      assert.equal(p.attributes["grpc.method"], METHOD);
      assert.equal(p.attributes["grpc.target"], TARGET);
    }
    const calls = metrics.get("grpc.client.call.duration")?.dataPoints as DataPoint<Histogram>[];
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0]?.attributes, {
      "grpc.method": METHOD,
      "grpc.target": TARGET,
      "grpc.status": "OK",
    });
    assert.equal(calls[0]?.value.count, 1);
    const attempts = metrics.get("grpc.client.attempt.duration")?.dataPoints as DataPoint<Histogram>[];
    assert.deepEqual(
      attempts.map((p) => `${p.attributes["switchboard.attempt"]}:${p.attributes["grpc.status"]}`).sort(),
      ["0:UNAVAILABLE", "1:UNAVAILABLE", "2:OK"],
    );
    const sent = metrics.get("grpc.client.attempt.sent_total_compressed_message_size")
      ?.dataPoints as DataPoint<Histogram>[];
    const requestBytes = sent.map((p) => p.value.sum);
    assert.equal(requestBytes.length, 3);
    assert.ok((requestBytes[0] ?? 0) > 64, `request bytes ${requestBytes}`);
    assert.ok(
      requestBytes.every((b) => b === requestBytes[0]),
      "each attempt sent the same request",
    );
    const received = metrics.get("grpc.client.attempt.rcvd_total_compressed_message_size")
      ?.dataPoints as DataPoint<Histogram>[];
    const ok = received.find((p) => p.attributes["grpc.status"] === "OK");
    assert.ok((ok?.value.sum ?? 0) > 64, "the answer's bytes");
    const served = metrics.get("grpc.server.call.duration")?.dataPoints as DataPoint<Histogram>[];
    assert.deepEqual(
      served
        .map((p) => `${p.attributes["grpc.method"]} ${p.attributes["grpc.status"]} ${p.value.count}`)
        .sort(),
      [`${METHOD} OK 1`, `${METHOD} UNAVAILABLE 2`],
    );
    const serverReceived = metrics.get("grpc.server.call.rcvd_total_compressed_message_size")
      ?.dataPoints as DataPoint<Histogram>[];
    assert.equal(
      serverReceived.reduce((sum, p) => sum + (p.value.sum ?? 0), 0),
      requestBytes.reduce((total: number, b) => total + (b ?? 0), 0),
      "servers received what the attempts sent",
    );
    const serverStarted = metrics.get("grpc.server.call.started")?.dataPoints as DataPoint<number>[];
    assert.equal(
      serverStarted.reduce((sum, p) => sum + p.value, 0),
      3,
    );

    const finished = spans.getFinishedSpans();
    const byKind = (kind: SpanKind, name: string) =>
      finished.filter((s) => s.kind === kind && s.name === name);
    const [call] = byKind(SpanKind.CLIENT, "echo.v1.EchoService.Echo");
    assert.ok(call, `spans: ${finished.map((s) => s.name)}`);
    const traceId = call.spanContext().traceId;
    assert.equal(traceId, root.spanContext().traceId, "the call continues the caller's trace");
    assert.equal(call.parentSpanContext?.spanId, root.spanContext().spanId);
    const attemptSpans = byKind(SpanKind.INTERNAL, "Attempt.echo.v1.EchoService.Echo");
    assert.equal(attemptSpans.length, 3);
    for (const a of attemptSpans) assert.equal(a.parentSpanContext?.spanId, call.spanContext().spanId);
    const serverSpans: ReadableSpan[] = byKind(SpanKind.SERVER, "echo.v1.EchoService.Echo");
    assert.deepEqual(
      serverSpans.map((s) => s.parentSpanContext?.spanId).sort(),
      attemptSpans.map((a) => a.spanContext().spanId).sort(),
      "each server span is the child of the attempt that reached it",
    );
    assert.deepEqual(
      seen.map((s) => s.traceId),
      [traceId, traceId, traceId],
      "every handler ran inside the caller's trace",
    );
  });

  it("adds nothing to calls of a mesh client that has no provider", async () => {
    const client = new EchoServiceClient("mesh://plain/echo", credentials.createInsecure());
    await waitForReady(client);
    const before = (await reader.collect()).resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === "grpc.client.attempt.started")
      ?.dataPoints.reduce((sum, p) => sum + (p.value as number), 0);
    spans.reset();
    seen.length = 0;
    await echo(client, "plain");
    client.close();
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.traceparent, undefined, "no trace context sent");
    const after = (await reader.collect()).resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === "grpc.client.attempt.started")
      ?.dataPoints.reduce((sum, p) => sum + (p.value as number), 0);
    assert.equal(after, before, "no client attempt recorded");
    assert.deepEqual(
      spans.getFinishedSpans().map((s) => s.kind),
      [SpanKind.SERVER],
      "only the server, which has a provider, made a span: a new trace",
    );
  });
});
