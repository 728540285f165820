/**
 * Every grpcurl command in README.md and docs/*.md runs, against a live control plane, through
 * two real reflection clients: grpcurl itself (.tools/bin/grpcurl, installed pinned by
 * scripts/install-tools.sh) and `buf curl` with the documented equivalent arguments. Each client
 * runs the doc's steps in order on a control plane of its own, so the steps that change state
 * (Register, SetPolicy, Deregister) see what they expect.
 *
 * Conventions for writing commands in the docs (the test enforces them):
 * - Commands live in ```sh blocks. Lines starting with `grpcurl`, `buf curl` / `npx buf curl`
 *   and `curl` are run; anything else (`export`, `pnpm start`, `LEASE_ID=…`) is for the reader.
 *   Continuations (`\` at the end of a line) are joined; pipes, `;` and `$(…)` are not allowed.
 * - Each grpcurl command is followed, later in the same doc and in the same order, by its
 *   `buf curl` equivalent, which must be exactly the mechanical translation of it
 *   (support-docs/grpcurl.ts). `grpcurl … describe X` has no buf curl counterpart: the buf curl
 *   run performs it with its own reflection client (support-docs/reflection.ts).
 * - The control plane is `localhost:7400` (metrics `localhost:7401`); the test substitutes its
 *   own. Commands without `-plaintext` run against an mTLS control plane, with `ca.pem`,
 *   `client.pem` and `client.key` replaced by certificates the test makes.
 * - Variables: SWITCHBOARD_ADMIN_TOKEN and SWITCHBOARD_REGISTRATION_TOKEN (the test control
 *   plane requires both tokens) and LEASE_ID (the `leaseId` of the last Register answer).
 * - A `# Fails: CODE` comment right above a command: it must fail with that gRPC status. Any
 *   other command must succeed.
 * - A ```json block right after a shell block shows the answer of that block's last command:
 *   every key it shows must be in the real answer of either client with a value of the same
 *   JSON type (values differ: ids, versions, times). A ```text block there lists lines the
 *   output must contain.
 * - The steps of one doc run in document order on one fresh control plane per client, with one
 *   SDK client subscribed to `user-service` (so ListSubscribers and AwaitPropagation have a
 *   subscriber).
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type ChannelCredentials, credentials, status } from "@grpc/grpc-js";
import { type ControlPlane, createControlPlane } from "@switchboard/control-plane";
import { createMeshClient, type MeshClient } from "@switchboard/sdk";
import { pino } from "pino";
import { planDoc, type Step, shapeDifferences } from "./support-docs/doc-commands.js";
import type { DescribeTranslation } from "./support-docs/grpcurl.js";
import { describeSymbol } from "./support-docs/reflection.js";
import { BUF, docFiles, GRPCURL, GRPCURL_MISSING, readRepoFile } from "./support-docs/repo.js";
import { words } from "./support-docs/shell.js";

const ADMIN_TOKEN = "docs-admin-token";
const REGISTRATION_TOKEN = "docs-registration-token";
const silent = pino({ level: "silent" });

interface Tls {
  readonly dir: string;
  readonly cert: string;
  readonly key: string;
}

/** A self-signed certificate for localhost / 127.0.0.1; being its own CA, it also signs itself
 * as a client certificate. */
function makeCertificate(): Tls {
  const dir = mkdtempSync(join(tmpdir(), "sb-docs-tls-"));
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  const r = spawnSync("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "-keyout",
    key,
    "-out",
    cert,
  ]);
  if (r.status !== 0) throw new Error(`openssl failed: ${String(r.stderr)}`);
  return { dir, cert, key };
}

interface Plane {
  readonly plane: ControlPlane;
  readonly address: string;
  readonly metricsPort: number | undefined;
}

async function startPlane(tls: Tls | undefined): Promise<Plane> {
  const plane = createControlPlane({
    listenAddress: "127.0.0.1:0",
    metricsListenAddress: "127.0.0.1:0",
    adminToken: ADMIN_TOKEN,
    registrationToken: REGISTRATION_TOKEN,
    replicaId: "docs-replica",
    logger: silent,
    ...(tls ? { tlsCertFile: tls.cert, tlsKeyFile: tls.key, tlsClientCaFile: tls.cert } : {}),
  });
  const bound = await plane.start();
  return { plane, address: bound.address, metricsPort: bound.metricsPort };
}

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The two reflection clients every documented command runs with. */
type Client = "grpcurl" | "buf curl";

/** How each client reports a failed call: its exit code for a gRPC status code. */
const EXIT_CODE_OF_STATUS: Readonly<Record<Client, (code: number) => number>> = {
  grpcurl: (code) => 64 + code,
  "buf curl": (code) => code << 3,
};

function runTool(tool: string, args: readonly string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(tool, [...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** State shared by the steps of one doc run with one client. */
class DocRun {
  constructor(readonly client: Client) {}

  plain: Plane | undefined;
  secure: Plane | undefined;
  tls: Tls | undefined;
  mesh: MeshClient | undefined;
  leaseId: string | undefined;

  expand = (name: string): string => {
    if (name === "SWITCHBOARD_ADMIN_TOKEN") return ADMIN_TOKEN;
    if (name === "SWITCHBOARD_REGISTRATION_TOKEN") return REGISTRATION_TOKEN;
    if (name === "LEASE_ID") {
      if (!this.leaseId) throw new Error("LEASE_ID is used before any Register answered");
      return this.leaseId;
    }
    throw new Error(`$${name} is not a variable the docs may use (see the top of docs-grpcurl.test.ts)`);
  };

  async plane(secure: boolean): Promise<Plane> {
    if (!secure) {
      if (!this.plain) {
        this.plain = await startPlane(undefined);
        this.mesh = createMeshClient({
          controlPlane: this.plain.address,
          zone: "eu-west-1a",
          clientId: "docs-order-service",
          logger: silent,
        });
        this.mesh.endpoints("user-service");
      }
      return this.plain;
    }
    this.tls ??= makeCertificate();
    this.secure ??= await startPlane(this.tls);
    return this.secure;
  }

  file(name: string): string {
    const tls = this.tls;
    if (!tls) throw new Error("no certificates yet");
    const files: Record<string, string> = {
      "ca.pem": tls.cert,
      "client.pem": tls.cert,
      "client.key": tls.key,
    };
    const path = files[name];
    if (!path)
      throw new Error(
        `certificate file "${name}" is not one the docs may use (ca.pem, client.pem, client.key)`,
      );
    return path;
  }

  async close(): Promise<void> {
    await this.mesh?.close();
    await this.plain?.plane.stop({ graceMs: 0 });
    await this.secure?.plane.stop({ graceMs: 0 });
    if (this.tls) rmSync(this.tls.dir, { recursive: true, force: true });
  }
}

const FILE_FLAGS = new Set(["--cacert", "--cert", "--key"]);
const GRPCURL_FILE_FLAGS = new Set(["-cacert", "-cert", "-key"]);

function describeStep(step: Step): string {
  const command = step.grpcurl ?? step.curl;
  const text = (command?.source ?? "").replace(/\s+/g, " ");
  return `${step.file}:${command?.line ?? 0} ${text.length > 110 ? `${text.slice(0, 107)}...` : text}`;
}

function checkExpectation(step: Step, output: string): void {
  const expected = step.expect;
  if (!expected) return;
  const where = `${step.file}:${expected.line}`;
  if (expected.lang === "text") {
    const lines = new Set(output.split("\n").map((l) => l.trim()));
    for (const line of expected.body
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)) {
      assert.ok(lines.has(line) || output.includes(line), `${where}: output lacks "${line}":\n${output}`);
    }
    return;
  }
  const documented: unknown = JSON.parse(expected.body);
  const actual: unknown = JSON.parse(output);
  assert.deepEqual(
    shapeDifferences(documented, actual),
    [],
    `${where}: the documented answer's shape differs:\n${output}`,
  );
}

async function runCurl(run: DocRun, step: Step, command: NonNullable<Step["curl"]>): Promise<void> {
  const plane = await run.plane(false);
  const url = words(command.source, run.expand).find((w) => w.includes("localhost:7401"));
  assert.ok(url, `${describeStep(step)}: curl commands in the docs fetch localhost:7401`);
  assert.ok(plane.metricsPort, "the test control plane serves metrics");
  const target = url.replace("localhost:7401", `127.0.0.1:${plane.metricsPort}`);
  const response = await fetch(/^https?:\/\//.test(target) ? target : `http://${target}`);
  assert.equal(response.status, 200);
  const body = await response.text();
  assert.match(body, /^switchboard_subscribers /m);
  checkExpectation(step, body);
}

function isSecure(translation: NonNullable<Step["translation"]>): boolean {
  return !(translation.kind === "describe"
    ? translation.plaintext
    : translation.argv.includes("--http2-prior-knowledge"));
}

/** The documented grpcurl command's arguments, aimed at the test's control plane. */
function grpcurlArgs(run: DocRun, step: Step, plane: Plane): string[] {
  assert.ok(step.grpcurl);
  return words(step.grpcurl.source, run.expand)
    .slice(1)
    .map((word, i, all) => {
      if (GRPCURL_FILE_FLAGS.has(all[i - 1] ?? "")) return run.file(word);
      return word === "localhost:7400" ? plane.address : word;
    });
}

/** The documented buf curl command's arguments, aimed at the test's control plane. */
function bufArgs(run: DocRun, step: Step, plane: Plane): string[] {
  assert.ok(step.buf, "paired with its buf curl command");
  const argv = words(step.buf.source, run.expand);
  return (argv[0] === "npx" ? argv.slice(1) : argv).slice(1).map((word, i, all) => {
    if (FILE_FLAGS.has(all[i - 1] ?? "")) return run.file(word);
    if (/^https?:\/\//.test(word)) {
      assert.ok(
        word.includes("//localhost:7400"),
        `${describeStep(step)}: the docs address the control plane as localhost:7400`,
      );
      return word.replace("localhost:7400", plane.address);
    }
    return word;
  });
}

/** `grpcurl describe` with the buf curl run: this test's own reflection client performs it. */
async function describeWithOwnClient(run: DocRun, plane: Plane, translation: DescribeTranslation) {
  let creds: ChannelCredentials = credentials.createInsecure();
  if (!translation.plaintext) {
    const t = translation.tls;
    const read = (name: string | undefined) => (name ? readFileSync(run.file(name)) : null);
    creds = credentials.createSsl(read(t.cacert), read(t.key), read(t.cert));
  }
  const description = await describeSymbol(plane.address, creds, translation.symbol);
  assert.ok(description.includes(translation.symbol.split(".").pop() ?? ""));
}

async function runStep(run: DocRun, step: Step): Promise<void> {
  if (step.curl) return runCurl(run, step, step.curl);
  const translation = step.translation;
  assert.ok(translation);
  const plane = await run.plane(isSecure(translation));
  if (translation.kind === "describe") assert.equal(translation.address, "localhost:7400");
  if (translation.kind === "describe" && run.client === "buf curl") {
    return describeWithOwnClient(run, plane, translation);
  }
  const args = run.client === "grpcurl" ? grpcurlArgs(run, step, plane) : bufArgs(run, step, plane);
  const outcome = await runTool(run.client === "grpcurl" ? GRPCURL : BUF, args);
  const output = `${outcome.stdout}${outcome.stderr}`;
  if (process.env.DOCS_DEBUG) console.error(run.client, args.join(" "), "\n", output);
  if (step.fails) {
    const code = (status as unknown as Record<string, number>)[step.fails];
    assert.ok(code !== undefined, `${step.fails} is not a gRPC status name`);
    assert.equal(
      outcome.code,
      EXIT_CODE_OF_STATUS[run.client](code),
      `${run.client}: ${describeStep(step)}: expected ${step.fails}, got exit ${outcome.code}:\n${output}`,
    );
    checkExpectation(step, output);
    return;
  }
  assert.equal(
    outcome.code,
    0,
    `${run.client}: ${describeStep(step)} failed (exit ${outcome.code}):\n${output}`,
  );
  if (translation.kind === "describe") {
    // grpcurl names what it found: "switchboard.v1.Policy is a message:".
    assert.match(outcome.stdout, new RegExp(`^${translation.symbol.replace(/\./g, "\\.")} is an? `, "m"));
    return;
  }
  if (translation.listService) {
    // grpcurl lists one service's methods as Service.Method, buf curl every method as Service/Method.
    const separator = run.client === "grpcurl" ? "." : "/";
    assert.ok(
      outcome.stdout.split("\n").some((line) => line.startsWith(`${translation.listService}${separator}`)),
      `no method of ${translation.listService} listed:\n${outcome.stdout}`,
    );
  }
  checkExpectation(step, outcome.stdout);
  if (/\/Register$/.test(args[args.length - 1] ?? "")) {
    const answer = JSON.parse(outcome.stdout) as { leaseId?: unknown };
    if (typeof answer.leaseId === "string") run.leaseId = answer.leaseId;
  }
}

const HAS_OPENSSL = spawnSync("openssl", ["version"]).status === 0;

for (const file of docFiles()) {
  const { steps, problems } = planDoc(file, readRepoFile(file));
  if (steps.length === 0 && problems.length === 0) continue;
  const needsTls = steps.some((s) => s.translation && isSecure(s.translation));
  const skip = needsTls && !HAS_OPENSSL ? "needs the openssl command to make test certificates" : false;
  describe(`${file}: its grpcurl commands pair with buf curl commands`, () => {
    it("pairs every grpcurl command with its buf curl translation", () => {
      assert.deepEqual(problems, []);
    });
  });
  for (const client of ["grpcurl", "buf curl"] as const) {
    describe(`${file}: shell commands with ${client} against a live control plane`, { skip }, () => {
      const run = new DocRun(client);
      before(() => {
        if (client === "grpcurl") assert.ok(existsSync(GRPCURL), GRPCURL_MISSING);
      });
      after(() => run.close());

      for (const step of steps) {
        it(describeStep(step), async () => {
          await runStep(run, step);
        });
      }
    });
  }
}

describe("the docs' shell conventions", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "sb-docs-plan-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("notice a buf curl command that does not match its grpcurl command", () => {
    const doc = [
      "```sh",
      'grpcurl -plaintext -d \'{"service": "a"}\' localhost:7400 switchboard.v1.Admin/GetService',
      "```",
      "```sh",
      'npx buf curl --protocol grpc --http2-prior-knowledge -d \'{"service": "b"}\' http://localhost:7400/switchboard.v1.Admin/GetService',
      "```",
    ].join("\n");
    writeFileSync(join(dir, "doc.md"), doc);
    const plan = planDoc("doc.md", readFileSync(join(dir, "doc.md"), "utf8"));
    assert.equal(plan.problems.length, 1);
    assert.match(plan.problems[0] ?? "", /does not match/);
  });

  it("notice a grpcurl command left without its buf curl equivalent", () => {
    const plan = planDoc("doc.md", "```sh\ngrpcurl -plaintext localhost:7400 list\n```\n");
    assert.match(plan.problems.join("\n"), /without its buf curl equivalent/);
  });
});
