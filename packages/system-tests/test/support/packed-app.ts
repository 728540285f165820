/**
 * The published packages as a user gets them: `pnpm pack` of core, the SDK and the control plane,
 * installed with plain npm into an application outside the workspace, which the packed-install
 * test type-checks and runs.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

export const ROOT = resolve(fileURLToPath(new URL("../../../..", import.meta.url)));
export const PACKED = ["core", "sdk", "control-plane"] as const;
export type PackedName = (typeof PACKED)[number];

/** The workspace's own TypeScript compiler (the application installs none). */
export const TSC = join(ROOT, "node_modules", ".bin", "tsc");

/** Runs a command; its output, or an error carrying both streams. */
export async function sh(
  cmd: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 120_000,
): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { cwd, env, maxBuffer: 32 * 1024 * 1024, timeout: timeoutMs });
    return stdout;
  } catch (e) {
    const { stdout = "", stderr = "" } = e as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}:\n${stdout}\n${stderr}`);
  }
}

/** `pnpm pack` of each published package into `dest`; tarball path by package folder. */
export async function packAll(dest: string): Promise<Record<PackedName, string>> {
  const out = {} as Record<PackedName, string>;
  for (const name of PACKED) {
    const before = new Set(readdirSync(dest));
    await sh("pnpm", ["pack", "--pack-destination", dest], join(ROOT, "packages", name));
    const made = readdirSync(dest).filter((f) => f.endsWith(".tgz") && !before.has(f));
    if (made.length !== 1) throw new Error(`pnpm pack of ${name} made ${made.join(", ") || "nothing"}`);
    out[name] = join(dest, made[0]!);
  }
  return out;
}

/** Paths inside a tarball, without the leading `package/`. */
export async function tarballFiles(tarball: string): Promise<string[]> {
  const listing = await sh("tar", ["tzf", tarball], ROOT);
  return listing
    .split("\n")
    .filter(Boolean)
    .map((p) => p.replace(/^package\//, ""));
}

/**
 * A small application using all three packages: a mesh server serving `greeter` (a hand-written
 * service definition with JSON serializers, so no code generation), and a generated-style grpc-js
 * client calling it through `mesh:///greeter`. It prints one JSON line with the answer.
 */
const APP_SOURCE = `import {
  credentials,
  makeGenericClientConstructor,
  type ServiceDefinition,
  type ServiceError,
} from "@grpc/grpc-js";
import type { ControlPlaneOptions } from "@switchboard/control-plane";
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import { createMeshClient, createMeshServer, type MeshStats } from "@switchboard/sdk";

interface Greeting {
  readonly text: string;
}
const json = {
  serialize: (value: Greeting): Buffer => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer): Greeting => JSON.parse(bytes.toString("utf8")) as Greeting,
};
const greeter = {
  greet: {
    path: "/demo.Greeter/Greet",
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
} satisfies ServiceDefinition;

const controlPlane = process.env.CONTROL_PLANE ?? "";
// Types from every package resolve: an option of the control plane, a message of the contract.
const planeOptions: Pick<ControlPlaneOptions, "listenAddress"> = { listenAddress: controlPlane };
const policy: Policy = Policy.fromPartial({ timeoutMs: 5000 });

const server = createMeshServer({
  service: "greeter",
  controlPlane,
  listen: "127.0.0.1:0",
  handleSignals: false,
});
server.addService(greeter, {
  greet: (call: { request: Greeting }, callback: (e: null, r: Greeting) => void) =>
    callback(null, { text: "hello " + call.request.text }),
});
const bound = await server.start();
const mesh = createMeshClient({ controlPlane });
await mesh.waitForService("greeter");
const Greeter = makeGenericClientConstructor(greeter, "Greeter");
const client = new Greeter("mesh:///greeter", credentials.createInsecure());
const answer = await new Promise<Greeting>((resolve, reject) =>
  client.makeUnaryRequest(
    greeter.greet.path,
    json.serialize,
    json.deserialize,
    { text: "packed world" },
    (error: ServiceError | null, value?: Greeting) => (error || !value ? reject(error) : resolve(value)),
  ),
);
const stats: MeshStats = mesh.stats();
console.log(
  JSON.stringify({
    answer: answer.text,
    served: bound.port,
    endpoints: stats.services.greeter?.endpoints.map((e) => e.id),
    timeoutMs: policy.timeoutMs,
    listen: planeOptions.listenAddress,
  }),
);
client.close();
await server.drain();
await mesh.close();
`;

/** Writes the application (package.json, tsconfig.json, src/app.ts) into `dir`. */
export function writeApp(dir: string, tarballs: Record<PackedName, string>, grpcJsRange: string): void {
  mkdirSync(join(dir, "src"), { recursive: true });
  const manifest = {
    name: "packed-app",
    private: true,
    type: "module",
    dependencies: {
      "@grpc/grpc-js": grpcJsRange,
      "@switchboard/core": `file:${tarballs.core}`,
      "@switchboard/sdk": `file:${tarballs.sdk}`,
      "@switchboard/control-plane": `file:${tarballs["control-plane"]}`,
    },
    devDependencies: { "@types/node": "^20.19.0" },
  };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const tsconfig = {
    compilerOptions: {
      target: "es2022",
      lib: ["es2023"],
      module: "nodenext",
      moduleResolution: "nodenext",
      types: ["node"],
      strict: true,
      skipLibCheck: false,
      outDir: "dist",
      rootDir: "src",
    },
    include: ["src"],
  };
  writeFileSync(join(dir, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
  writeFileSync(join(dir, "src", "app.ts"), APP_SOURCE);
}

/** `npm install` from the local cache; from the registry for whatever the cache lacks. */
export async function npmInstall(dir: string): Promise<void> {
  const flags = ["install", "--no-audit", "--no-fund", "--ignore-scripts"];
  try {
    await sh("npm", [...flags, "--offline"], dir);
  } catch {
    await sh("npm", [...flags, "--prefer-offline"], dir);
  }
}

/** The packed control plane's bin, as npm linked it into the application's node_modules/.bin. */
export function packedControlPlaneBin(appDir: string): string {
  return join(appDir, "node_modules", ".bin", "switchboard-control-plane");
}
