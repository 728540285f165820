import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ChildTracker, type RunResult } from "@switchboard/control-plane/testing";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const RESULTS = fileURLToPath(new URL("../results", import.meta.url));
const REPORT = fileURLToPath(new URL("../../../BENCHMARKS.md", import.meta.url));
const NAMES = ["data-path", "fanout", "xds-fanout", "write-path", "failover", "lb-quality", "micro"];

/** Runs the bench CLI to its end (a child that ends by itself should this test process die). */
async function runCli(args: readonly string[], timeoutMs: number): Promise<RunResult> {
  const run = await new ChildTracker().runNode("bench", [CLI, ...args], { timeoutMs });
  if (run.timedOut) throw new Error(`bench did not finish in ${timeoutMs} ms:\n${run.stderr}`);
  return run;
}

/** The table rows (header and rule excluded) of one benchmark's printed section, split in cells. */
function rowsOf(stdout: string, name: string): string[][] {
  const at = stdout.indexOf(`(${name})\n`);
  const section = stdout.slice(at).split("\n## ")[0] ?? "";
  return section
    .split("\n")
    .filter((l) => l.startsWith("|"))
    .slice(2)
    .map((l) => l.split("|").map((c) => c.trim()));
}

function targetsOf(dir: string, name: string): Target[] {
  return (JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")) as { targets: Target[] }).targets;
}

interface Target {
  readonly name: unknown;
  readonly target: unknown;
  readonly value: unknown;
  readonly met: unknown;
}

describe("pnpm bench at tiny sizes", () => {
  let dir: string;
  let run: RunResult;

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

  it("compares the mesh cases (c0) and (c) with grpc-js round_robin over the same instances, and (c1) with (c)", () => {
    const rows = rowsOf(run.stdout, "data-path");
    assert.deepEqual(
      rows.map((r) => r[1]?.slice(0, 4)),
      ["(b) ", "(c0)", "(c) ", "(c1)", "(d) "],
    );
    assert.match(rows[0]?.[1] ?? "", /round_robin/);
    const names = targetsOf(dir, "data-path").map((t) => t.name);
    for (const c of ["(c0)", "(c)"])
      for (const what of ["throughput vs (b)", "CPU per call vs (b)"])
        assert.ok(names.includes(`${c} ${what}`), `target ${c} ${what}`);
    assert.ok(names.includes("(c1) CPU per call vs (c)"), "target (c1) CPU per call vs (c)");
    assert.match(run.stdout, /\(c1\) CPU per call with the three-rule route table × \(c\)/);
  });

  it("runs the fan-out on one replica and on three, with Redis CPU per change", () => {
    const rows = rowsOf(run.stdout, "fanout");
    assert.deepEqual(
      rows.map((r) => r[3]),
      ["1", "3"],
    );
    for (const r of rows) assert.match(r[12] ?? "", /^\d+\.\d\d$/, "Redis CPU per change, ms");
  });

  it("runs ADS streams beside Discovery Watch streams, every change acked by each", () => {
    const rows = rowsOf(run.stdout, "xds-fanout");
    assert.deepEqual(
      rows.map((r) => r[1]),
      ["Discovery Watch", "xDS ADS"],
    );
    for (const r of rows) assert.ok(Number(r[4]) > 0, "changes counted");
  });

  it("fails one instance two ways under three clients, the failing one counting its own calls", () => {
    const rows = rowsOf(run.stdout, "failover");
    assert.equal(rows.length, 6);
    const unavailable = rows.filter((r) => r[1]?.startsWith("answers UNAVAILABLE"));
    assert.equal(unavailable.length, 3);
    assert.ok(
      rows.some((r) => r[2]?.includes("retryPolicy")),
      "grpc-js round_robin with retryPolicy",
    );
    const plain = unavailable.find((r) => r[2]?.startsWith("grpc-js round_robin, ")) as string[];
    assert.ok(Number(plain[5]?.replace(/,/g, "")) > 0, "round_robin's calls reached the failing instance");
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
    const prose = text.split("\n").filter((l) => l.startsWith("**"));
    for (const line of prose)
      assert.doesNotMatch(line, /n\/a/, `a setting the notes quote is missing: ${line}`);
  });
});

describe("BENCHMARKS.md in the repository", () => {
  it("is exactly what --write-report derives from the committed results", async () => {
    const dir = mkdtempSync(join(tmpdir(), "switchboard-report-"));
    try {
      const file = join(dir, "BENCHMARKS.md");
      const r = await runCli(["--write-report", "--results-dir", RESULTS, "--report-file", file], 30_000);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readFileSync(REPORT, "utf8"), readFileSync(file, "utf8"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
