import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ChildTracker } from "@switchboard/control-plane/testing";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const NAMES = ["data-path", "fanout", "write-path", "failover", "lb-quality", "micro"];

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the bench CLI to its end (a child that ends by itself should this test process die). */
async function runCli(args: readonly string[], timeoutMs: number): Promise<Run> {
  const child = await new ChildTracker().spawnNode("bench", [CLI, ...args]);
  const timer = setTimeout(() => child.signal("SIGTERM"), timeoutMs);
  const { code, signal } = await child.exited;
  await child.outputClosed;
  clearTimeout(timer);
  if (signal === "SIGTERM") throw new Error(`bench did not finish in ${timeoutMs} ms:\n${child.stderr}`);
  return { code, stdout: child.lines.map((line) => `${line}\n`).join(""), stderr: child.stderr };
}

interface Target {
  readonly name: unknown;
  readonly target: unknown;
  readonly value: unknown;
  readonly met: unknown;
}

describe("pnpm bench at tiny sizes", () => {
  let dir: string;
  let run: Run;

  before(async () => {
    assert.ok(existsSync(CLI), `${CLI} is missing: run pnpm run build first`);
    dir = mkdtempSync(join(tmpdir(), "switchboard-bench-"));
    run = await runCli(["--tiny", "--results-dir", dir], 150_000);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("runs every benchmark and exits 0", () => {
    assert.equal(run.code, 0, run.stderr);
  });

  it("prints a Markdown table and its targets for every benchmark", () => {
    for (const name of NAMES) {
      const at = run.stdout.indexOf(`(${name})\n`);
      assert.ok(at >= 0, `no section for ${name}`);
      const section = run.stdout.slice(at).split("\n## ")[0] ?? "";
      const rows = section.split("\n").filter((l) => l.startsWith("|"));
      assert.ok(rows.length >= 3, `${name}: a header, a rule and at least one row`);
      assert.match(rows[1] ?? "", /^\|(---\|)+$/, `${name}: a Markdown rule under the header`);
      const columns = (rows[0] ?? "").split("|").length;
      for (const row of rows) assert.equal(row.split("|").length, columns, `${name}: ragged row ${row}`);
      assert.match(section, /target .*: (met|\*\*missed\*\*)/, `${name}: target lines`);
    }
  });

  it("writes one JSON result per benchmark with the table, targets, settings and machine", () => {
    for (const name of NAMES) {
      const record = JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")) as Record<string, unknown>;
      assert.equal(record.name, name);
      assert.equal(record.level, "tiny");
      assert.equal(typeof record.title, "string");
      assert.equal(typeof record.table, "string");
      assert.ok(run.stdout.includes(record.table as string), `${name}: the stored table is the printed one`);
      assert.ok(Array.isArray(record.targets) && record.targets.length > 0, `${name}: targets`);
      for (const t of record.targets as Target[]) {
        assert.equal(typeof t.name, "string");
        assert.equal(typeof t.target, "string");
        assert.equal(typeof t.value, "string");
        assert.equal(typeof t.met, "boolean");
      }
      assert.equal(typeof record.params, "object");
      assert.ok(record.data !== undefined && record.data !== null, `${name}: data`);
      const machine = record.machine as Record<string, unknown>;
      assert.equal(typeof machine.cpus, "number");
      assert.equal(typeof machine.node, "string");
      assert.equal(typeof record.durationMs, "number");
    }
  });

  it("writes BENCHMARKS.md from the JSON results, with every table as printed", async () => {
    const file = join(dir, "BENCHMARKS.md");
    const r = await runCli(["--write-report", "--results-dir", dir, "--report-file", file], 30_000);
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(file, "utf8");
    assert.match(text, /^# Benchmarks/);
    assert.match(text, /## Machine/);
    for (const name of NAMES) {
      const record = JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")) as { table: string };
      assert.ok(text.includes(record.table), `${name}: table in the report`);
    }
  });
});
