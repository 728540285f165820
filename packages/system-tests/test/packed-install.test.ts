import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  ChildTracker,
  launchControlPlane,
  launchRedis,
  type RedisServerHandle,
} from "@switchboard/control-plane/testing";
import {
  npmInstall,
  PACKED,
  type PackedName,
  packAll,
  packedControlPlaneBin,
  ROOT,
  sh,
  TSC,
  tarballFiles,
  writeApp,
} from "./support/packed-app.js";

/**
 * The packages as users install them: packed by pnpm (which turns `workspace:*` into versions),
 * installed with plain npm into an application outside the workspace. Needs `pnpm run build`
 * first (`pnpm test` runs it).
 */

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly exports: Record<string, Record<string, string>>;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

const readManifest = (path: string): Manifest => JSON.parse(readFileSync(path, "utf8")) as Manifest;
const workspaceManifest = (name: PackedName) => readManifest(join(ROOT, "packages", name, "package.json"));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Every copy of a package in an installed tree (a second copy shows up as a nested folder). */
function copiesOf(nodeModules: string, name: string): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      const scoped = entry.startsWith("@")
        ? readdirSync(join(dir, entry)).map((e) => `${entry}/${e}`)
        : [entry];
      for (const pkg of scoped) {
        if (pkg === name) found.push(join(dir, pkg));
        visit(join(dir, pkg, "node_modules"));
      }
    }
  };
  visit(nodeModules);
  return found;
}

describe("packed packages installed with npm into an application", () => {
  const tmp = mkdtempSync(join(tmpdir(), "switchboard-packed-"));
  const app = join(tmp, "app");
  const children = new ChildTracker();
  let tarballs: Record<PackedName, string>;
  let redis: RedisServerHandle | undefined;

  before(async () => {
    tarballs = await packAll(tmp);
    const peer = workspaceManifest("sdk").peerDependencies?.["@grpc/grpc-js"];
    assert.ok(peer, "the SDK names @grpc/grpc-js as a peer dependency");
    writeApp(app, tarballs, peer);
    await npmInstall(app);
  });

  after(async () => {
    await children.stopAll(5_000);
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("publishes versions for workspace dependencies, and the exports map without the source condition", () => {
    for (const name of PACKED) {
      const installed = readManifest(join(app, "node_modules", "@switchboard", name, "package.json"));
      const text = JSON.stringify(installed);
      assert.doesNotMatch(text, /workspace:/, `${name}: ${text}`);
      assert.doesNotMatch(text, /"source"/, `${name} exports a source condition`);
      assert.deepEqual(Object.keys(installed.exports), Object.keys(workspaceManifest(name).exports), name);
      const core = installed.dependencies?.["@switchboard/core"];
      if (name !== "core") assert.equal(core, workspaceManifest("core").version, name);
    }
  });

  it("ships the control plane's Lua scripts and reflection descriptors in its dist", async () => {
    const files = new Set(await tarballFiles(tarballs["control-plane"]));
    const src = join(ROOT, "packages", "control-plane", "src");
    const lua = filesUnder(src).filter((f) => f.endsWith(".lua"));
    assert.ok(lua.length > 0);
    for (const file of lua)
      assert.ok(files.has(`dist/${relative(src, file)}`), `dist/${relative(src, file)}`);
    assert.ok(files.has("dist/gen/descriptor-set.js"));
    assert.ok(files.has("dist/bin/switchboard-control-plane.js"));
    assert.ok(![...files].some((f) => f.endsWith(".tsbuildinfo")));
  });

  it("installs one @grpc/grpc-js, shared by the application and every package", async () => {
    assert.deepEqual(
      copiesOf(join(app, "node_modules"), "@grpc/grpc-js").map((p) => relative(app, p)),
      [join("node_modules", "@grpc", "grpc-js")],
    );
    const tree = await sh("npm", ["ls", "@grpc/grpc-js", "--all"], app);
    const uses = tree.split("\n").filter((line) => /@grpc\/grpc-js@/.test(line));
    assert.equal(new Set(uses.map((line) => line.match(/@grpc\/grpc-js@\S+/)?.[0])).size, 1, tree);
    // Listed once where it is installed; every other use (core, sdk, control plane, xds) deduped.
    assert.equal(uses.filter((line) => !line.endsWith(" deduped")).length, 1, tree);
    assert.ok(uses.length >= 1 + PACKED.length, tree);
  });

  it("type-checks an application against the installed packages' types, and runs it: a call through mesh:/// to the packed control plane on Redis", async () => {
    await sh(TSC, ["-p", app], app);
    redis = await launchRedis();
    const plane = await launchControlPlane({
      tracker: children,
      name: "packed control plane",
      executable: packedControlPlaneBin(app),
      env: { REDIS_URL: redis.url, SWITCHBOARD_REDIS_PREFIX: redis.keyPrefix },
    });
    const env = { PATH: process.env.PATH, CONTROL_PLANE: plane.address, SWITCHBOARD_LOG_LEVEL: "warn" };
    const run = await children.runNode("packed app", [join(app, "dist", "app.js")], {
      env,
      timeoutMs: 30_000,
    });
    assert.equal(run.code, 0, `the application exited (${run.signal ?? run.code}): ${run.stderr}`);
    const result = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}") as {
      answer?: string;
      served?: number;
      endpoints?: string[];
    };
    assert.equal(result.answer, "hello packed world");
    assert.deepEqual(result.endpoints, [`127.0.0.1:${result.served}`]);
    assert.equal((await plane.stop()).code, 0);
    assert.ok(
      plane.child.lines.some((l) => l.includes('"store":"redis"')),
      plane.child.lines.join("\n"),
    );
  });
});
