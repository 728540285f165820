/**
 * The option table is the one definition of every control-plane option: the doc comments of
 * ControlPlaneOptions, `--help`, the defaults applied and the flags table of docs/operating.md
 * all say what it says.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { FLAGS, helpText } from "../src/cli.js";
import { resolveControlPlaneOptions } from "../src/config.js";
import { OPTION_TABLE, shownDefault, statedDefault } from "../src/option-table.js";

const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), "..");
const read = (path: string) => readFileSync(join(PACKAGE, path), "utf8");

/** Doc comment of each member of `export interface <name>`, whitespace folded. */
function docComments(source: string, name: string): Map<string, string> {
  const body = source.slice(source.indexOf(`export interface ${name} {`));
  const out = new Map<string, string>();
  for (const m of body.slice(0, body.indexOf("\n}")).matchAll(/\/\*\*([\s\S]*?)\*\/\s*readonly (\w+)\?/g)) {
    const text = (m[1] ?? "")
      .replace(/^\s*\*/gm, " ")
      .replace(/\s+/g, " ")
      .trim();
    out.set(m[2] ?? "", text);
  }
  return out;
}

/** Rows of the first markdown table after `heading`, as plain cells (backticks dropped). */
function tableAfter(markdown: string, heading: string): string[][] {
  const lines = markdown.slice(markdown.indexOf(heading)).split("\n");
  const start = lines.findIndex((l) => l.startsWith("|"));
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(
      line
        .slice(1, -1)
        .split(" | ")
        .map((c) => c.replace(/`/g, "").trim()),
    );
  }
  return rows;
}

describe("the option table", () => {
  it("is what the doc comment of every ControlPlaneOptions member says, default included", () => {
    const docs = docComments(read("src/config.ts"), "ControlPlaneOptions");
    for (const spec of OPTION_TABLE) {
      assert.equal(docs.get(spec.name), `${spec.doc} Default ${statedDefault(spec)}.`, spec.name);
    }
  });

  it("gives the defaults resolveControlPlaneOptions applies", () => {
    const resolved = resolveControlPlaneOptions({}) as unknown as Record<string, unknown>;
    for (const spec of OPTION_TABLE) {
      if (typeof spec.default === "string" || typeof spec.default === "number")
        assert.equal(resolved[spec.name], spec.default, spec.name);
    }
    assert.equal(
      resolved.defaultLeaseTtlMs,
      Number(shownDefault(OPTION_TABLE.find((s) => s.name === "defaultLeaseTtlMs")!)),
    );
  });

  it("is what --help prints: flag, variable, doc and default of each", () => {
    const lines = helpText().split("\n");
    for (const spec of FLAGS) {
      const line = lines.find((l) => l.trimStart().startsWith(`${spec.flag} <value>`));
      assert.ok(line, `--help lacks ${spec.flag}`);
      assert.match(line, new RegExp(`\\s${spec.env}\\s`));
      assert.ok(line.includes(spec.doc), `${spec.flag}: ${line}`);
      const shown = spec.default === undefined ? shownDefault(spec) : `default ${shownDefault(spec)}`;
      assert.ok(line.includes(`(${shown}`), `${spec.flag}: ${line}`);
    }
  });

  it("is what the flags table of docs/operating.md says, row for row", () => {
    const rows = tableAfter(read("../../docs/operating.md"), "### Flags and environment variables");
    const expected = FLAGS.flatMap((spec) => [
      [spec.flag, spec.env, spec.name, shownDefault(spec), spec.doc],
      ...(spec.secretEnv ? [["—", spec.secretEnv, spec.name, shownDefault(spec), spec.doc]] : []),
    ]);
    assert.equal(rows.length, expected.length, "one row per flag and per token variable");
    for (const want of expected) {
      const row = rows.find((r) => r[0] === want[0] && r[1] === want[1]);
      assert.ok(row, `docs/operating.md has no row for ${want[0]} ${want[1]}`);
      assert.deepEqual(row.slice(0, 4), want.slice(0, 4), `${want[1]}: flag, variable, option, default`);
      assert.ok(row[4]?.startsWith(want[4] ?? ""), `${want[1]}: "${row[4]}" should start with "${want[4]}"`);
    }
  });
});
