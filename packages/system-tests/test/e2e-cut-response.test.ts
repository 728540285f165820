import assert from "node:assert/strict";
import { connect, createServer, type Server as NetServer, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import {
  credentials,
  InterceptingCall,
  type Interceptor,
  Metadata,
  ServerInterceptingCall,
  type ServerInterceptor,
  status,
} from "@grpc/grpc-js";
import { HealthClient } from "@switchboard/core/gen/grpc/health/v1/health.js";
import { createMeshClient, createMeshServer, type MeshClient, type MeshServer } from "@switchboard/sdk";
import { SINGLE_RESPONSE_HEADER } from "@switchboard/sdk/internals";
import { EchoServiceService, echoImplementation } from "../src/echo-service.js";
import { type EchoResponse, EchoServiceClient } from "../src/gen/echo/v1/echo.js";
import { type StartedControlPlane, silent, startControlPlane } from "./support/fixture.js";

/** A TCP relay in front of the instance, so a test can cut the connection at a chosen moment. */
class Relay {
  private readonly sockets = new Set<Socket>();
  private readonly server: NetServer;

  constructor(targetPort: number) {
    this.server = createServer((client) => {
      const upstream = connect(targetPort, "127.0.0.1");
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    const address = this.server.address();
    assert.ok(address && typeof address === "object");
    return address.port;
  }

  /** Drops every connection through it, as the death of the instance would. */
  cut(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * The instance dies after writing a response message and before writing its status: for a call
 * whose request says "cut", the status is held until the client has the message, then every
 * connection through the relay is dropped.
 */
function cutBeforeStatus(messageArrived: () => Promise<void>, relay: () => Relay): ServerInterceptor {
  return (_method, call) => {
    let cut = false;
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMessage: (message: { message?: string }, nextMessage) => {
            cut = message.message === "cut";
            nextMessage(message);
          },
        }),
      sendStatus: (s, next) => {
        if (!cut) return next(s);
        void messageArrived().then(() => relay().cut());
      },
    });
  };
}

describe("an instance killed between a response message and its status", () => {
  let cp: StartedControlPlane;
  let server: MeshServer;
  let relay: Relay;
  let relayPort = 0;
  let mesh: MeshClient;
  let arrived: { promise: Promise<void>; resolve: () => void };

  const fresh = () => {
    let resolve = () => {};
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    arrived = { promise, resolve };
  };
  /** Client side: resolves `arrived` once the response message reached the application. */
  const observeMessage: Interceptor = (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start: (metadata, _listener, next) =>
        next(metadata, {
          onReceiveMessage: (message, nextMessage) => {
            nextMessage(message);
            arrived.resolve();
          },
        }),
    });

  const echo = (client: EchoServiceClient, message: string) =>
    new Promise<{ error?: { code: number; details: string }; response?: EchoResponse }>((resolve) =>
      client.echo(
        { message, payload: Buffer.alloc(0), delayMs: 0, failWithCode: 0 },
        new Metadata(),
        { deadline: Date.now() + 5000 },
        (error, response) => resolve(error ? { error } : { response }),
      ),
    );

  before(async () => {
    fresh();
    cp = await startControlPlane();
    server = createMeshServer({
      service: "echo-direct",
      controlPlane: cp.address,
      listen: "127.0.0.1:0",
      leaseTtlMs: 5000,
      handleSignals: false,
      drainPropagationTimeoutMs: 500,
      drainInFlightTimeoutMs: 500,
      logger: silent,
      serverOptions: {
        interceptors: [
          cutBeforeStatus(
            () => arrived.promise,
            () => relay,
          ),
        ],
      },
    });
    server.addService(
      EchoServiceService,
      echoImplementation(() => "instance", { delayMs: 0, failWithCode: 0, failureRate: 0 }),
    );
    const { address } = await server.start();
    relay = new Relay(Number(address.slice(address.lastIndexOf(":") + 1)));
    relayPort = await relay.listen();
    // The mesh reaches the instance only through the relay.
    await cp.cp.store.register(
      {
        service: "echo-cut",
        host: "127.0.0.1",
        port: relayPort,
        zone: "",
        weight: 1,
        metadata: {},
        health: "SERVING",
        ttlMs: 60_000,
        maxEndpointsPerService: 100,
      },
      Date.now(),
    );
    mesh = createMeshClient({ controlPlane: cp.address, logger: silent });
    await mesh.waitForService("echo-cut", { timeoutMs: 5000 });
  });

  after(async () => {
    await mesh.close();
    await relay.close();
    await server.drain();
    await cp.stop();
  });

  it("fails the call UNAVAILABLE on a plain grpc-js channel (the fault is real)", async () => {
    fresh();
    const client = new EchoServiceClient(`127.0.0.1:${relayPort}`, credentials.createInsecure(), {
      interceptors: [observeMessage],
    });
    try {
      const { error } = await echo(client, "cut");
      assert.equal(error?.code, status.UNAVAILABLE, `got ${JSON.stringify(error)}`);
    } finally {
      client.close();
    }
  });

  it("gives the caller the answer through mesh:///, since a single-response status can only be OK", async () => {
    fresh();
    const client = new EchoServiceClient("mesh:///echo-cut", credentials.createInsecure(), {
      interceptors: [observeMessage],
    });
    try {
      const { error, response } = await echo(client, "cut");
      assert.equal(error, undefined, `got ${JSON.stringify(error)}`);
      assert.equal(response?.message, "cut");
      assert.equal(response?.servedBy, "instance");
      // The next call reconnects and is answered normally.
      fresh();
      const next = await echo(client, "after");
      assert.equal(next.response?.message, "after");
    } finally {
      client.close();
    }
  });

  it("marks unary responses as single messages, and server-streaming ones not", async () => {
    const health = new HealthClient(`127.0.0.1:${relayPort}`, credentials.createInsecure());
    try {
      const unary = await new Promise<Metadata>((resolve, reject) => {
        const call = health.check({ service: "" }, (e) => e && reject(e));
        call.on("metadata", resolve);
      });
      assert.deepEqual(unary.get(SINGLE_RESPONSE_HEADER), ["1"]);
      const stream = health.watch({ service: "" });
      const streamed = await new Promise<Metadata>((resolve) => stream.on("metadata", resolve));
      stream.cancel();
      stream.on("error", () => undefined);
      assert.deepEqual(streamed.get(SINGLE_RESPONSE_HEADER), []);
    } finally {
      health.close();
    }
  });
});
