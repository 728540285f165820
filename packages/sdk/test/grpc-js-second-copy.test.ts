import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { secondGrpcJsCopy } from "../src/client/grpc-copies.js";

const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const SDK_INDEX = pathToFileURL(fileURLToPath(new URL("../src/index.ts", import.meta.url))).href;
/** The grpc-js package folder this package uses. */
const GRPC_JS = dirname(
  dirname(dirname(realpathSync(createRequire(import.meta.url).resolve("@grpc/grpc-js")))),
);

describe("an application with a second copy of @grpc/grpc-js", () => {
  let app: string;
  let copy: string;

  before(() => {
    app = mkdtempSync(join(tmpdir(), "switchboard-two-grpc-"));
    copy = join(app, "node_modules", "@grpc", "grpc-js");
    mkdirSync(dirname(copy), { recursive: true });
    cpSync(GRPC_JS, copy, { recursive: true, dereference: true });
    writeFileSync(
      join(app, "main.mjs"),
      [
        `import { createMeshClient } from ${JSON.stringify(SDK_INDEX)};`,
        "try {",
        '  createMeshClient({ controlPlane: "127.0.0.1:1" });',
        '  console.log("no error");',
        "} catch (e) {",
        "  console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message }));",
        "}",
        "process.exit(0);",
      ].join("\n"),
    );
  });

  after(() => rmSync(app, { recursive: true, force: true }));

  it("fails createMeshClient with an error naming both copies and the fix", () => {
    const run = spawnSync(
      process.execPath,
      ["--conditions=source", "--import", "tsx", join(app, "main.mjs")],
      {
        cwd: REPO_ROOT,
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    assert.equal(run.status, 0, run.stderr);
    const error = JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}") as {
      name?: string;
      code?: number;
      message?: string;
    };
    assert.equal(error.name, "MeshError", `no error: ${run.stdout}`);
    assert.equal(error.code, 9, "FAILED_PRECONDITION");
    assert.ok(
      error.message?.includes(realpathSync(copy)),
      `the application's copy is not named: ${error.message}`,
    );
    assert.ok(error.message?.includes(GRPC_JS), `the SDK's copy is not named: ${error.message}`);
    assert.match(error.message ?? "", /npm dedupe/);
    assert.match(error.message ?? "", /Failed to parse DNS address/);
  });

  it("finds no second copy when the application resolves the SDK's own", () => {
    assert.equal(secondGrpcJsCopy(fileURLToPath(import.meta.url)), undefined);
  });
});
