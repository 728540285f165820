import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ServiceError, status } from "@grpc/grpc-js";
import { grpcurlCommand, ReflectedClient } from "../src/admin/reflected-client.js";
import { decodeReflectionAnswer, encodeReflectionRequest } from "../src/admin/reflection.js";
import { type StartedControlPlane, startControlPlane } from "./support/mesh.js";

describe("ReflectedClient: the Admin API driven by JSON and server reflection, as grpcurl does", () => {
  let cp: StartedControlPlane;
  let admin: ReflectedClient;

  before(async () => {
    cp = await startControlPlane();
    admin = await ReflectedClient.connect(cp.address, "switchboard.v1.Admin");
  });

  after(async () => {
    admin.close();
    await cp.stop();
  });

  it("lists the service's methods from the descriptors the server publishes", () => {
    for (const m of ["ListServices", "GetService", "SetPolicy", "DeletePolicy", "ListSubscribers"]) {
      assert.ok(admin.methods.includes(m), `missing ${m} in ${admin.methods}`);
    }
  });

  it("sets a policy from proto3 JSON and reads it back, enums, maps and uint64 included", async () => {
    const policy = {
      loadBalancing: { algorithm: "ALGORITHM_PEAK_EWMA", ewmaDecayMs: 1000 },
      methods: { "demo.user.v1.UserService/GetUser": { circuitBreaker: { consecutiveFailures: 5 } } },
    };
    const set = (await admin.call("SetPolicy", { service: "user-service", policy })) as { version: string };
    assert.ok(Number(set.version) >= 1);
    const got = (await admin.call("GetService", { service: "user-service" })) as {
      version: string;
      policy: unknown;
    };
    assert.equal(got.version, set.version);
    assert.deepEqual(got.policy, policy);
  });

  it("passes the server's validation error through (INVALID_ARGUMENT naming the field)", async () => {
    const request = { service: "user-service", policy: { retry: { maxAttempts: 9 } } };
    const error = (await admin.call("SetPolicy", request).catch((e: unknown) => e)) as ServiceError;
    assert.equal(error.code, status.INVALID_ARGUMENT);
    assert.match(error.details, /max_attempts/);
  });

  it("rejects a method the service does not have, and a request that does not fit the schema", async () => {
    await assert.rejects(admin.call("Nope", {}), /has no unary method "Nope"/);
    await assert.rejects(admin.call("SetPolicy", { service: "x", nonsense: 1 }), /nonsense/);
  });

  it("fails to connect to a service the server does not describe", async () => {
    await assert.rejects(
      ReflectedClient.connect(cp.address, "no.such.Service"),
      /server reflection: .*not found/,
    );
  });
});

describe("reflection wire messages", () => {
  it("encodes file_containing_symbol as field 4 and file_by_filename as field 3", () => {
    assert.deepEqual(
      [...encodeReflectionRequest({ fileContainingSymbol: "a.B" })],
      [0x22, 3, 0x61, 0x2e, 0x42],
    );
    assert.deepEqual([...encodeReflectionRequest({ fileByFilename: "x" })], [0x1a, 1, 0x78]);
  });

  it("decodes files and errors, skipping fields it does not use", () => {
    // valid_host = "h" (1), file_descriptor_response (4) { file_descriptor_proto (1) = [7, 8] }
    const files = decodeReflectionAnswer(Uint8Array.from([0x0a, 1, 0x68, 0x22, 4, 0x0a, 2, 7, 8]));
    assert.deepEqual(files, { files: [Uint8Array.from([7, 8])] });
    // error_response (7) { error_code (1) = 5, error_message (2) = "no" }
    const error = decodeReflectionAnswer(Uint8Array.from([0x3a, 6, 0x08, 5, 0x12, 2, 0x6e, 0x6f]));
    assert.deepEqual(error, { error: "no (code 5)" });
  });

  it("writes the equivalent grpcurl command", () => {
    assert.equal(
      grpcurlCommand("127.0.0.1:7400", "switchboard.v1.Admin/GetService", { service: "s" }, "t0k"),
      `grpcurl -plaintext -H 'authorization: Bearer t0k' -d '{"service":"s"}' 127.0.0.1:7400 switchboard.v1.Admin/GetService`,
    );
  });
});
