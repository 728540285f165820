import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { answer, controlPlaneDescriptors } from "../src/reflection/reflection-service.js";
import { type Running, startPlane } from "./helpers/control-plane.js";

const run = promisify(execFile);
const BUF = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "node_modules", ".bin", "buf");
const ADMIN = "reflect-admin-token";
const REG = "reflect-reg-token";

describe("server reflection, driven by a real reflection client (buf curl)", () => {
  let cp: Running;
  const curl = async (path: string, body?: object, token?: string): Promise<string> => {
    const args = ["curl", "--protocol", "grpc", "--http2-prior-knowledge"];
    if (token) args.push("-H", `authorization: Bearer ${token}`);
    if (body) args.push("-d", JSON.stringify(body));
    const { stdout } = await run(BUF, [...args, `http://${cp.address}${path}`], { timeout: 30_000 });
    return stdout;
  };

  before(async () => {
    cp = await startPlane({ adminToken: ADMIN, registrationToken: REG });
  });
  after(async () => {
    await cp.close();
  });

  it("lists every method of every service", async () => {
    const { stdout } = await run(BUF, [
      "curl",
      "--protocol",
      "grpc",
      "--http2-prior-knowledge",
      "--list-methods",
      `http://${cp.address}`,
    ]);
    const methods = stdout.trim().split("\n").sort();
    for (const m of [
      "switchboard.v1.Discovery/Watch",
      "switchboard.v1.Registration/Register",
      "switchboard.v1.Registration/KeepAlive",
      "switchboard.v1.Registration/Deregister",
      "switchboard.v1.Registration/AwaitPropagation",
      "switchboard.v1.Admin/ListServices",
      "switchboard.v1.Admin/GetService",
      "switchboard.v1.Admin/SetPolicy",
      "switchboard.v1.Admin/DeletePolicy",
      "switchboard.v1.Admin/SetRoutes",
      "switchboard.v1.Admin/GetRoutes",
      "switchboard.v1.Admin/DeleteRoutes",
      "switchboard.v1.Admin/DrainEndpoint",
      "switchboard.v1.Admin/RemoveEndpoint",
      "switchboard.v1.Admin/ListSubscribers",
      "grpc.health.v1.Health/Check",
      "grpc.health.v1.Health/Watch",
      "grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    ]) {
      assert.ok(methods.includes(m), `${m} is listed`);
    }
  });

  it("describes and invokes Registration.Register with a JSON body holding a map", async () => {
    const out = JSON.parse(
      await curl(
        "/switchboard.v1.Registration/Register",
        { service: "reflected", host: "10.2.0.1", port: 9000, metadata: { version: "v2", canary: "true" } },
        REG,
      ),
    );
    assert.equal(out.endpointId, "10.2.0.1:9000");
    assert.equal(out.version, "1");
  });

  it("describes and invokes Admin.SetPolicy with a methods map entry, then GetService shows it", async () => {
    const policy = {
      loadBalancing: { algorithm: "ALGORITHM_RING_HASH", hashHeader: "x-user" },
      retry: { maxAttempts: 2, retryableCodes: ["UNAVAILABLE"] },
      methods: {
        "demo.user.v1.UserService/GetUser": { timeoutMs: 250, rateLimit: { requestsPerSecond: 50 } },
      },
    };
    const set = JSON.parse(
      await curl("/switchboard.v1.Admin/SetPolicy", { service: "reflected", policy }, ADMIN),
    );
    assert.equal(set.version, "2");
    const got = JSON.parse(await curl("/switchboard.v1.Admin/GetService", { service: "reflected" }, ADMIN));
    assert.equal(got.policy.methods["demo.user.v1.UserService/GetUser"].timeoutMs, 250);
    assert.equal(got.policy.loadBalancing.algorithm, "ALGORITHM_RING_HASH");
    assert.deepEqual(got.endpoints[0].endpoint.metadata, { version: "v2", canary: "true" });
    assert.match(got.endpoints[0].registeredAt, /^\d{4}-\d\d-\d\dT/);
  });

  it("passes auth errors through to the reflection client", async () => {
    const failed = await curl("/switchboard.v1.Admin/ListServices", {}).then(
      () => undefined,
      (e: { stdout: string; stderr: string }) => e.stdout + e.stderr,
    );
    assert.match(failed ?? "", /unauthenticated/i);
  });

  it("answers file_containing_symbol with the file and its transitive dependencies, and unknown symbols with NOT_FOUND", () => {
    const index = controlPlaneDescriptors();
    const r = answer(index, {
      host: "",
      messageRequest: {
        $case: "fileContainingSymbol",
        fileContainingSymbol: "switchboard.v1.Admin.SetPolicy",
      },
    });
    assert.equal(r?.$case, "fileDescriptorResponse");
    if (r?.$case !== "fileDescriptorResponse") return;
    const names = r.fileDescriptorResponse.fileDescriptorProto.map(
      (b) => fromBinary(FileDescriptorProtoSchema, b).name,
    );
    assert.equal(names[0], "switchboard/v1/admin.proto");
    assert.deepEqual([...names].sort(), [
      "google/protobuf/timestamp.proto",
      "switchboard/v1/admin.proto",
      "switchboard/v1/policy.proto",
      "switchboard/v1/route.proto",
      "switchboard/v1/types.proto",
    ]);
    const nested = answer(index, {
      host: "",
      messageRequest: {
        $case: "fileContainingSymbol",
        fileContainingSymbol: "switchboard.v1.LoadBalancing.Algorithm",
      },
    });
    assert.equal(nested?.$case, "fileDescriptorResponse");
    const missing = answer(index, {
      host: "",
      messageRequest: { $case: "fileContainingSymbol", fileContainingSymbol: "no.Such" },
    });
    assert.equal(missing?.$case === "errorResponse" && missing.errorResponse.errorCode, 5);
    const ext = answer(index, {
      host: "",
      messageRequest: {
        $case: "allExtensionNumbersOfType",
        allExtensionNumbersOfType: "switchboard.v1.Policy",
      },
    });
    assert.deepEqual(ext, {
      $case: "allExtensionNumbersResponse",
      allExtensionNumbersResponse: { baseTypeName: "switchboard.v1.Policy", extensionNumber: [] },
    });
    const extFile = answer(index, {
      host: "",
      messageRequest: {
        $case: "fileContainingExtension",
        fileContainingExtension: { containingType: "switchboard.v1.Policy", extensionNumber: 100 },
      },
    });
    assert.equal(extFile?.$case, "errorResponse");
  });
});
