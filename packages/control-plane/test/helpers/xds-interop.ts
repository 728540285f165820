/**
 * xDS clients of other gRPC implementations, as child processes: grpc-go (interop/go-xds) and
 * grpcio, gRPC C-core from Python (interop/python-xds). Both speak one line protocol: a JSON
 * command a line on stdin ({"calls", "metadata", "deadline_ms"}), one JSON result a call on
 * stdout ({"served_by", "code", "error"}), then {"done": true}.
 *
 * scripts/install-tools.sh installs what they need (pinned); a missing tool fails the test with
 * a message saying so, never skips it.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Child, sharedTracker } from "../../src/testing/index.js";
import { bootstrapDocument } from "../../src/xds/bootstrap.js";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const INSTALL_HINT = "run `bash scripts/install-tools.sh` (it installs the pinned interop clients)";

export type InteropKind = "go" | "python";

export interface CallResult {
  readonly served_by: string;
  /** gRPC status code (0: OK). */
  readonly code: number;
  readonly error: string;
}

interface Launcher {
  readonly command: string;
  readonly args: readonly string[];
}

const run = promisify(execFile);

/** Builds the grpc-go client into .tools/interop from the module cache, offline (the module
 * download is install-tools.sh's job); once per test process. */
async function buildGoClient(): Promise<Launcher> {
  const out = join(REPO, ".tools/interop/go-xds-client");
  try {
    await run("go", ["build", "-o", out, "."], {
      cwd: join(REPO, "interop/go-xds"),
      env: { ...process.env, GOPROXY: "off", GOFLAGS: "-mod=readonly" },
    });
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr || String(error);
    throw new Error(`could not build the grpc-go xDS client: ${INSTALL_HINT}\n${detail}`);
  }
  return { command: out, args: [] };
}

async function pythonClient(): Promise<Launcher> {
  const python = join(REPO, ".tools/venv/bin/python");
  if (!existsSync(python)) throw new Error(`no Python virtualenv at .tools/venv: ${INSTALL_HINT}`);
  try {
    await run(python, ["-c", "import grpc"]);
  } catch {
    throw new Error(`grpcio is not installed in .tools/venv: ${INSTALL_HINT}`);
  }
  return { command: python, args: [join(REPO, "interop/python-xds/client.py")] };
}

const launchers = new Map<InteropKind, Promise<Launcher>>();

/** The command that starts a client of `kind`, built or checked once per test process. */
export function interopLauncher(kind: InteropKind): Promise<Launcher> {
  let launcher = launchers.get(kind);
  if (!launcher) {
    launcher = kind === "go" ? buildGoClient() : pythonClient();
    launchers.set(kind, launcher);
  }
  return launcher;
}

export interface InteropClient {
  readonly pid: number;
  /** `n` calls one after the other, with `metadata` on each; resolves with their results. */
  calls(n: number, metadata?: Record<string, string>): Promise<CallResult[]>;
  /** SIGKILLs the process (by pid) and waits for it to exit; removes its bootstrap. */
  stop(): Promise<void>;
}

/**
 * Starts a client of `kind` for `xds:///<service>`, bootstrapped to the control plane at
 * `server` as node `nodeId`.
 */
export async function startInteropClient(
  kind: InteropKind,
  options: { readonly service: string; readonly nodeId: string; readonly server: string },
): Promise<InteropClient> {
  const { command, args } = await interopLauncher(kind);
  const dir = await mkdtemp(join(tmpdir(), "xds-interop-"));
  const bootstrap = join(dir, "bootstrap.json");
  const document = bootstrapDocument({
    nodeId: options.nodeId,
    servers: [options.server],
    channelCreds: "insecure",
  });
  await writeFile(bootstrap, JSON.stringify(document));
  const child = await sharedTracker.spawn(`${kind} xDS client`, command, [...args, options.service], {
    env: { ...process.env, GRPC_XDS_BOOTSTRAP: bootstrap, GRPC_XDS_BOOTSTRAP_CONFIG: "" },
    stdin: "pipe",
  });
  return new ChildClient(kind, child, dir);
}

class ChildClient implements InteropClient {
  private readonly lines: string[] = [];
  private wake: (() => void) | undefined;

  constructor(
    private readonly kind: InteropKind,
    private readonly child: Child,
    private readonly dir: string,
  ) {
    child.onLine((line) => {
      this.lines.push(line);
      this.wake?.();
    });
    void child.exited.then(() => this.wake?.());
  }

  get pid(): number {
    return this.child.pid;
  }

  async calls(n: number, metadata: Record<string, string> = {}): Promise<CallResult[]> {
    this.child.write(JSON.stringify({ calls: n, metadata, deadline_ms: 5000 }));
    const results: CallResult[] = [];
    for (;;) {
      const line = await this.nextLine();
      const parsed = JSON.parse(line) as CallResult | { done: true };
      if ("done" in parsed) return results;
      results.push(parsed);
    }
  }

  private async nextLine(): Promise<string> {
    for (;;) {
      const line = this.lines.shift();
      if (line !== undefined) return line;
      if (!this.child.running) throw new Error(`the ${this.kind} xDS client exited:\n${this.child.stderr}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }

  async stop(): Promise<void> {
    await this.child.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Who served the calls that succeeded, and how many failed. */
export function tally(results: readonly CallResult[]): { served: Map<string, number>; failed: CallResult[] } {
  const served = new Map<string, number>();
  const failed: CallResult[] = [];
  for (const r of results) {
    if (r.code !== 0) failed.push(r);
    else served.set(r.served_by, (served.get(r.served_by) ?? 0) + 1);
  }
  return { served, failed };
}

export interface EchoProcess {
  readonly pid: number;
  readonly port: number;
  readonly id: string;
  /** SIGKILL, as a crash: no deregistration, connections cut; waits for the exit. */
  kill(): Promise<void>;
}

/** An echo server in a child process (test/support/echo-server-process.ts). */
export async function startEchoProcess(): Promise<EchoProcess> {
  const script = fileURLToPath(new URL("../support/echo-server-process.ts", import.meta.url));
  const child = await sharedTracker.spawnNode(
    "echo server",
    ["--conditions=source", "--import", "tsx", script],
    { stderr: "inherit" },
  );
  const { port } = (await child.waitForJson(
    (line) => typeof line.port === "number",
    30_000,
    "port line",
  )) as {
    port: number;
  };
  return {
    pid: child.pid,
    port,
    id: `127.0.0.1:${port}`,
    async kill() {
      await child.kill();
    },
  };
}
