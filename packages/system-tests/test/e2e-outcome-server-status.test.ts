import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials, Metadata, ServerInterceptingCall, type ServerInterceptor, status } from "@grpc/grpc-js";
import { createMeshClient, createMeshServer, type MeshClient, type MeshServer } from "@switchboard/sdk";
import { EchoServiceService, echoImplementation } from "../src/echo-service.js";
import { type EchoResponse, EchoServiceClient } from "../src/gen/echo/v1/echo.js";
import { type StartedControlPlane, silent, startControlPlane } from "./support/fixture.js";

/** The server sends the answer, then turns the call's OK status into UNAVAILABLE on purpose. */
const unavailableAfterAnswer: ServerInterceptor = (_method, call) => {
  let refuse = false;
  return new ServerInterceptingCall(call, {
    start: (next) =>
      next({
        onReceiveMessage: (message: { message?: string }, nextMessage) => {
          refuse = message.message === "refuse";
          nextMessage(message);
        },
      }),
    sendStatus: (s, next) =>
      next(refuse ? { ...s, code: status.UNAVAILABLE, details: "overloaded, answer withdrawn" } : s),
  });
};

describe("a status the server sends after a single response message", () => {
  let cp: StartedControlPlane;
  let server: MeshServer;
  let mesh: MeshClient;
  let client: EchoServiceClient;

  const echo = (message: string) =>
    new Promise<{ error?: { code: number; details: string }; response?: EchoResponse }>((resolve) =>
      client.echo(
        { message, payload: Buffer.alloc(0), delayMs: 0, failWithCode: 0 },
        new Metadata(),
        { deadline: Date.now() + 5000 },
        (error, response) => resolve(error ? { error } : { response }),
      ),
    );

  before(async () => {
    cp = await startControlPlane();
    server = createMeshServer({
      service: "echo-withdrawn",
      controlPlane: cp.address,
      listen: "127.0.0.1:0",
      handleSignals: false,
      drainPropagationTimeoutMs: 200,
      logger: silent,
      serverOptions: { interceptors: [unavailableAfterAnswer] },
    });
    server.addService(
      EchoServiceService,
      echoImplementation(() => "instance", { delayMs: 0, failWithCode: 0, failureRate: 0 }),
    );
    await server.start();
    mesh = createMeshClient({ controlPlane: cp.address, logger: silent });
    await mesh.waitForService("echo-withdrawn", { timeoutMs: 5000 });
    client = new EchoServiceClient("mesh:///echo-withdrawn", credentials.createInsecure());
  });

  after(async () => {
    client.close();
    await mesh.close();
    await server.drain();
    await cp.stop();
  });

  it("reaches the caller as the server sent it: UNAVAILABLE is not turned into OK", async () => {
    const { error } = await echo("refuse");
    assert.equal(error?.code, status.UNAVAILABLE, `the call was completed as OK: ${JSON.stringify(error)}`);
    assert.match(error?.details ?? "", /overloaded, answer withdrawn/);
    const stats = mesh.stats().services["echo-withdrawn"]?.methods["echo.v1.EchoService/Echo"];
    assert.equal(stats?.errorsByCode.UNAVAILABLE, 1, "recorded as the failure it was");
  });

  it("leaves other calls on the same server answered normally", async () => {
    const { response } = await echo("hello");
    assert.equal(response?.message, "hello");
  });
});
