/**
 * Every TypeScript snippet in README.md and docs/*.md compiles.
 *
 * Each ```ts (or ```typescript) block is written as its own ES module to
 * packages/examples/test/.snippets/ (git-ignored, removed afterwards) and type-checked with the
 * repository's `tsc` (TypeScript 7 has no compiler API) under the strict settings of
 * tsconfig.base.json. A snippet is compiled as if it sat in a service of its own:
 * - `@switchboard/sdk`, `@switchboard/control-plane`, `@grpc/grpc-js` and `pino` resolve as
 *   they do for packages/examples (their built types: run `pnpm build` first), `prom-client` as
 *   it does for the SDK;
 * - `./gen/…` is the code ts-proto generated from proto/demo and proto/echo
 *   (packages/examples/src/gen), standing for the reader's own generated code;
 * - top-level `await` is allowed.
 * A snippet that continues an earlier one gets the declarations it needs from an HTML comment
 * placed right above its fence, invisible on the rendered page:
 *
 *     <!-- ts-context
 *     import { createMeshClient } from "@switchboard/sdk";
 *     const mesh = createMeshClient();
 *     -->
 *
 * The context is prepended to the snippet; errors are reported at the snippet's line in its doc.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fencedBlocks } from "./support-docs/markdown.js";
import { docFiles, ROOT, readRepoFile, TSC } from "./support-docs/repo.js";

const DIR = join(ROOT, "packages", "examples", "test", ".snippets");
const SELF_CHECK = "self-check.ts";

interface Snippet {
  /** File name inside DIR. */
  readonly name: string;
  readonly doc: string;
  /** Doc line of the snippet's first line. */
  readonly line: number;
  /** Lines of hidden context before the snippet in the file. */
  readonly offset: number;
  readonly source: string;
}

function collectSnippets(): Snippet[] {
  const out: Snippet[] = [];
  for (const doc of docFiles()) {
    for (const block of fencedBlocks(readRepoFile(doc))) {
      if (block.lang !== "ts" && block.lang !== "typescript") continue;
      const prefix = block.context ? `${block.context}\n` : "";
      const name = `${basename(doc, ".md").toLowerCase()}-${block.line}.ts`;
      out.push({
        name,
        doc,
        line: block.line,
        offset: prefix === "" ? 0 : prefix.split("\n").length - 1,
        source: `${prefix}${block.code}\n`,
      });
    }
  }
  return out;
}

interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

/** Parses `file(line,col): error TSxxxx: message` lines of tsc's output. */
function diagnostics(output: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const line of output.split("\n")) {
    const m = /^(.*?)\((\d+),(\d+)\): (error .*)$/.exec(line.trim());
    if (m) out.push({ file: m[1] ?? "", line: Number(m[2]), text: m[4] ?? "" });
    else if (line.trim() !== "" && out.length > 0) {
      const last = out.pop() as Diagnostic;
      out.push({ ...last, text: `${last.text}\n${line}` });
    }
  }
  return out;
}

function writeProject(snippets: readonly Snippet[]): void {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  symlinkSync(join("..", "..", "src", "gen"), join(DIR, "gen"), "dir");
  const tsconfig = {
    extends: "../../../../tsconfig.base.json",
    compilerOptions: {
      noEmit: true,
      composite: false,
      incremental: false,
      declaration: false,
      declarationMap: false,
      sourceMap: false,
      // Resolve the workspace packages to their published types (dist), as a user would.
      customConditions: [],
      paths: { "prom-client": [join(ROOT, "packages", "sdk", "node_modules", "prom-client", "index.d.ts")] },
    },
    include: ["*.ts"],
  };
  writeFileSync(join(DIR, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
  for (const s of snippets) writeFileSync(join(DIR, s.name), s.source);
  // A file that must not compile: proves the run type-checks these files at all.
  writeFileSync(join(DIR, SELF_CHECK), 'const notANumber: number = "text";\nexport { notANumber };\n');
}

describe("TypeScript snippets in the docs", () => {
  const snippets = collectSnippets();
  let found: Diagnostic[] = [];
  let tscOutput = "";

  before(() => {
    writeProject(snippets);
    const r = spawnSync(TSC, ["-p", join(DIR, "tsconfig.json")], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 120_000,
    });
    tscOutput = `${r.stdout ?? ""}${r.stderr ?? ""}`;
    found = diagnostics(tscOutput);
  });

  after(() => rmSync(DIR, { recursive: true, force: true }));

  it("finds snippets in README.md and the SDK guide", () => {
    assert.ok(
      snippets.some((s) => s.doc === "README.md"),
      "README.md has TypeScript snippets",
    );
    assert.ok(
      snippets.some((s) => s.doc === "docs/sdk-guide.md"),
      "docs/sdk-guide.md has TypeScript snippets",
    );
  });

  it("type-checks them for real (a wrong file is reported)", () => {
    assert.ok(
      found.some((d) => d.file.endsWith(SELF_CHECK) && d.text.includes("TS2322")),
      `tsc did not report the deliberate error; its output:\n${tscOutput}`,
    );
  });

  it("compiles every snippet under strict settings", () => {
    const bySnippet = new Map(snippets.map((s) => [s.name, s]));
    const problems = found
      .filter((d) => !d.file.endsWith(SELF_CHECK))
      .map((d) => {
        const s = bySnippet.get(basename(d.file));
        if (!s) return `${d.file}:${d.line}: ${d.text}`;
        const where =
          d.line > s.offset
            ? `${s.doc}:${s.line + d.line - 1 - s.offset}`
            : `${s.doc}:${s.line} (ts-context)`;
        return `${where}: ${d.text}`;
      });
    assert.deepEqual(problems, [], `snippets that do not compile:\n${problems.join("\n")}`);
  });
});
