/**
 * The reference parts of the docs follow the code they describe:
 * - every option of MeshClientOptions, MeshServerOptions, the call() options and
 *   ControlPlaneOptions (read from the interface declarations in the source) has a row in its
 *   table, stating the default its doc comment states (and, where the code can tell, the default
 *   it applies);
 * - every flag and environment variable `switchboard-control-plane --help` prints has a row in
 *   docs/operating.md, with its default, and the option it sets (checked through the real
 *   command-line parser); every documented control-plane command line parses;
 * - every metric the control plane and the SDK register is listed, with its type, and no doc
 *   names a metric or an environment variable the code does not have;
 * - every relative link and anchor resolves, and every `pnpm <script>` exists.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, normalize } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  type ControlPlane,
  createControlPlane,
  helpText,
  parseCommandLine,
  resolveControlPlaneOptions,
} from "@switchboard/control-plane";
import { createMeshClient, resolveMeshClientOptions } from "@switchboard/sdk";
import { pino } from "pino";
import { interfaceMembers, statedDefaults } from "./support-docs/interfaces.js";
import { fencedBlocks, plain, rowFor, section, sections, tableRows } from "./support-docs/markdown.js";
import { CONTROL_PLANE_BIN, docFiles, ROOT, readRepoFile } from "./support-docs/repo.js";
import { shellCommands, symbolic, words } from "./support-docs/shell.js";

const silent = pino({ level: "silent" });
const SDK_GUIDE = "docs/sdk-guide.md";
const OPERATING = "docs/operating.md";

interface OptionTable {
  readonly source: string;
  readonly iface: string;
  readonly doc: string;
  /** A heading containing this text holds the table. */
  readonly heading: string;
}

const TABLES: readonly OptionTable[] = [
  {
    source: "packages/sdk/src/client/options.ts",
    iface: "MeshClientOptions",
    doc: SDK_GUIDE,
    heading: "MeshClientOptions",
  },
  {
    source: "packages/sdk/src/server/options.ts",
    iface: "MeshServerOptions",
    doc: SDK_GUIDE,
    heading: "MeshServerOptions",
  },
  {
    source: "packages/sdk/src/client/dynamic-call.ts",
    iface: "CallOptionsLike",
    doc: SDK_GUIDE,
    heading: "call()",
  },
  {
    source: "packages/control-plane/src/config.ts",
    iface: "ControlPlaneOptions",
    doc: OPERATING,
    heading: "ControlPlaneOptions",
  },
  {
    source: "packages/control-plane/src/store/store-options.ts",
    iface: "RedisStoreOptions",
    doc: OPERATING,
    heading: "RedisStoreOptions",
  },
];

function optionRows(t: OptionTable): string[][] {
  return tableRows(section(readRepoFile(t.doc), t.heading, t.doc, false).body);
}

/** A row as plain text, `<…>` placeholders kept. */
function rowText(row: readonly string[]): string {
  return plain(row.join(" | "));
}

describe("option tables", () => {
  for (const t of TABLES) {
    it(`document every ${t.iface} option with the default its doc comment states`, () => {
      const members = interfaceMembers(readRepoFile(t.source), t.iface);
      assert.ok(members.length >= 3, `${t.iface}: members parsed from ${t.source}`);
      const rows = optionRows(t);
      for (const m of members) {
        const row = rowFor(rows, m.key);
        assert.ok(row, `${t.doc}: no row for ${t.iface}.${m.key}`);
        for (const stated of statedDefaults(m.doc)) {
          assert.ok(
            rowText(row).includes(stated),
            `${t.doc}: ${t.iface}.${m.key} should state the default ${stated}`,
          );
        }
      }
      const keys = new Set(members.map((m) => m.key));
      for (const row of rows) {
        const key = plain(row[0] ?? "");
        assert.ok(keys.has(key), `${t.doc}: row "${key}" is not an option of ${t.iface}`);
      }
    });
  }

  it("state the defaults resolveControlPlaneOptions applies", () => {
    const rows = optionRows(TABLES[3] as OptionTable);
    const resolved = resolveControlPlaneOptions({}) as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(resolved)) {
      if (key === "replicaId" || !["string", "number", "boolean"].includes(typeof value)) continue;
      const row = rowFor(rows, key);
      assert.ok(row, `${OPERATING}: no row for ${key}`);
      assert.ok(rowText(row).includes(String(value)), `${OPERATING}: ${key} defaults to ${String(value)}`);
    }
  });

  it("state the defaults resolveMeshClientOptions applies", () => {
    const saved = Object.entries(process.env).filter(([key]) => key.startsWith("SWITCHBOARD_"));
    for (const [key] of saved) delete process.env[key];
    try {
      const resolved = resolveMeshClientOptions({ logger: silent }) as unknown as Record<string, unknown>;
      const rows = optionRows(TABLES[0] as OptionTable);
      for (const key of ["controlPlane", "name", "reconnectInitialBackoffMs", "reconnectMaxBackoffMs"]) {
        const value = resolved[key];
        const text = Array.isArray(value) ? value.join(",") : String(value);
        const row = rowFor(rows, key);
        assert.ok(row && rowText(row).includes(text), `${SDK_GUIDE}: ${key} defaults to ${text}`);
      }
    } finally {
      for (const [key, value] of saved) process.env[key] = value;
    }
  });
});

interface HelpFlag {
  readonly flag: string;
  readonly env: string;
  readonly defaultValue: string | undefined;
}

function helpFlags(text: string): HelpFlag[] {
  const out: HelpFlag[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s+(--[a-z-]+) <value>\s*([A-Z_]+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const d = /(?:^|\()default ([^);]+)/
      .exec(m[3] ?? "")?.[1]
      ?.trim()
      .replace(/^"|"$/g, "");
    out.push({ flag: m[1] ?? "", env: m[2] ?? "", defaultValue: d });
  }
  return out;
}

function tokenVariables(text: string): string[] {
  const line = text.split("\n").find((l) => l.startsWith("Bearer tokens:")) ?? "";
  return [...line.matchAll(/SWITCHBOARD_[A-Z_]+/g)].map((m) => m[0]);
}

describe("control-plane flags and environment variables", () => {
  const help = helpText();
  const flags = helpFlags(help);
  const tokens = tokenVariables(help);
  const rows = tableRows(section(readRepoFile(OPERATING), "Flags and environment variables", OPERATING).body);
  const optionKeys = new Set(
    interfaceMembers(readRepoFile("packages/control-plane/src/config.ts"), "ControlPlaneOptions").map(
      (m) => m.key,
    ),
  );
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "sb-docs-flags-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reads the same help from the command as from helpText()", () => {
    const printed = execFileSync(process.execPath, [CONTROL_PLANE_BIN, "--help"], { encoding: "utf8" });
    assert.equal(printed, `${help}\n`);
    assert.ok(flags.length >= 15, `flags parsed from --help: ${flags.length}`);
    assert.equal(tokens.length, 3);
  });

  it("documents every flag with its variable, default and option, and no other flag", () => {
    for (const f of flags) {
      const row = rowFor(rows, f.flag);
      assert.ok(row, `${OPERATING}: no row for ${f.flag}`);
      assert.equal(plain(row[1] ?? ""), f.env, `${f.flag}: environment variable`);
      assert.ok(
        optionKeys.has(plain(row[2] ?? "")),
        `${f.flag}: "${row[2]}" is not a ControlPlaneOptions key`,
      );
      if (f.defaultValue !== undefined) {
        const cell = plain(row[3] ?? "").replace(/[<>]/g, "");
        assert.ok(
          cell.includes(f.defaultValue),
          `${f.flag}: default should be ${f.defaultValue}, the table says "${row[3]}"`,
        );
      }
    }
    for (const env of tokens)
      assert.ok(
        rows.some((r) => plain(r[1] ?? "") === env),
        `${OPERATING}: no row for ${env}`,
      );
    const known = new Set(flags.map((f) => f.flag));
    for (const row of rows) {
      const flag = plain(row[0] ?? "");
      if (flag.startsWith("--"))
        assert.ok(known.has(flag), `${OPERATING} documents ${flag}, which --help does not print`);
    }
  });

  it("names in its Option column the option each variable really sets", () => {
    const samples: Record<string, string> = {
      REDIS_URL: "redis://127.0.0.1:6379",
      SWITCHBOARD_TLS_CERT: "cert.pem",
      SWITCHBOARD_TLS_KEY: "key.pem",
      SWITCHBOARD_TLS_CLIENT_CA: "ca.pem",
    };
    const expected = new Map<string, string>();
    const env: Record<string, string> = {};
    for (const f of flags) {
      let value = f.defaultValue ?? samples[f.env];
      if (f.env.endsWith("_TOKEN_FILE")) {
        const file = join(dir, f.env);
        writeFileSync(file, `${f.env.toLowerCase()}-content\n`);
        env[f.env] = file;
        expected.set(f.env, `${f.env.toLowerCase()}-content`);
        continue;
      }
      if (f.flag === "--replica-id") value = "docs-replica";
      assert.ok(value !== undefined, `no sample value for ${f.env}: add one to this test`);
      env[f.env] = value;
      expected.set(f.env, value);
    }
    const fromFlags = parseCommandLine([], env);
    const tokenEnv = Object.fromEntries(tokens.map((t) => [t, `${t.toLowerCase()}-value`]));
    const fromTokens = parseCommandLine([], tokenEnv);
    assert.ok(fromFlags.kind === "run" && fromTokens.kind === "run");
    const set = {
      flags: fromFlags.options as Record<string, unknown>,
      tokens: fromTokens.options as Record<string, unknown>,
    };
    for (const row of rows) {
      const variable = plain(row[1] ?? "");
      const option = plain(row[2] ?? "");
      const token = tokens.includes(variable);
      const got = (token ? set.tokens : set.flags)[option];
      const want = token ? tokenEnv[variable] : expected.get(variable);
      assert.equal(String(got), want, `${OPERATING}: ${variable} should set ${option}`);
    }
  });

  it("accepts every control-plane command line the docs show", () => {
    let count = 0;
    for (const file of docFiles()) {
      for (const block of fencedBlocks(readRepoFile(file))) {
        if (block.lang !== "sh") continue;
        for (const command of shellCommands(block.code, block.line)) {
          const w = words(command.source, symbolic);
          const env: Record<string, string> = {};
          while (/^[A-Z_]+=/.test(w[0] ?? "")) {
            const [name = "", ...value] = (w.shift() ?? "").split("=");
            env[name] = value.join("=");
          }
          let args: string[] | undefined;
          if (w[0] === "pnpm" && w[1] === "start") args = w.slice(2);
          else if (w[0] === "switchboard-control-plane") args = w.slice(1);
          else if (w[0] === "node" && (w[1] ?? "").endsWith("switchboard-control-plane.js"))
            args = w.slice(2);
          if (!args) continue;
          count++;
          assert.doesNotThrow(
            () => parseCommandLine(args, env),
            `${file}:${command.line}: ${command.source}`,
          );
        }
      }
    }
    assert.ok(count >= 3, `control-plane command lines found: ${count}`);
  });
});

describe("metrics", () => {
  let plane: ControlPlane;
  let names: Map<string, string>;

  before(async () => {
    plane = createControlPlane({ listenAddress: "127.0.0.1:0", metricsListenAddress: "off", logger: silent });
    const mesh = createMeshClient({ controlPlane: "127.0.0.1:9", registry: plane.registry, logger: silent });
    names = new Map((await plane.registry.getMetricsAsJSON()).map((m) => [m.name, String(m.type)]));
    await mesh.close();
  });
  after(() => plane.stop({ graceMs: 0 }));

  function check(doc: string, prefix: RegExp): void {
    const rows = tableRows(section(readRepoFile(doc), "Metrics", doc).body);
    const wanted = [...names].filter(([name]) => prefix.test(name));
    assert.ok(wanted.length >= 8, `series found: ${wanted.length}`);
    for (const [name, type] of wanted) {
      const row = rowFor(rows, name);
      assert.ok(row, `${doc}: no row for ${name}`);
      assert.equal(plain(row[1] ?? ""), type, `${doc}: ${name} is a ${type}`);
    }
  }

  it("lists every control-plane series in the operating guide", () =>
    check(OPERATING, /^switchboard_(?!client_|process_|nodejs_)/));
  it("lists every SDK client series in the SDK guide", () => check(SDK_GUIDE, /^switchboard_client_/));

  it("names no series the code does not register", () => {
    for (const file of docFiles()) {
      for (const m of readRepoFile(file).matchAll(/\bswitchboard_[a-z0-9_]+/g)) {
        const name = m[0].replace(/_(bucket|sum|count)$/, "");
        // The load-balancing policy's name, and prefixes ("switchboard_client_*").
        if (name === "switchboard_mesh" || name.endsWith("_")) continue;
        assert.ok(names.has(name), `${file} names ${m[0]}, which no code registers`);
      }
    }
  });
});

describe("environment variables", () => {
  const sources = ["packages/sdk/src", "packages/control-plane/src"];
  const read = (dir: string): string =>
    execFileSync("grep", ["-rhoE", "SWITCHBOARD_[A-Z_]+|REDIS_URL", join(ROOT, dir)], { encoding: "utf8" });
  const inCode = new Set(sources.flatMap((d) => read(d).split("\n").filter(Boolean)));

  it("documents every variable the SDK reads in the SDK guide", () => {
    const sdk =
      readFileSync(join(ROOT, "packages/sdk/src/client/options.ts"), "utf8") +
      readFileSync(join(ROOT, "packages/sdk/src/server/options.ts"), "utf8");
    const guide = readRepoFile(SDK_GUIDE);
    for (const m of sdk.matchAll(/env\.(SWITCHBOARD_[A-Z_]+)/g))
      assert.ok(guide.includes(m[1] ?? ""), `${SDK_GUIDE} lacks ${m[1]}`);
  });

  it("names no variable the code does not read", () => {
    for (const file of docFiles()) {
      for (const m of readRepoFile(file).matchAll(/\bSWITCHBOARD_[A-Z_]+/g)) {
        assert.ok(inCode.has(m[0]), `${file} names ${m[0]}, which the code does not use`);
      }
    }
  });
});

/** GitHub's anchor for a heading. */
function slug(heading: string): string {
  return plain(heading)
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .trim()
    .replace(/\s/g, "-");
}

function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const s of sections(text)) {
    const base = slug(s.heading);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

function withoutCode(text: string): string {
  return text.replace(/^(```|~~~)[\s\S]*?^\1/gm, "").replace(/`[^`\n]*`/g, "");
}

describe("links and scripts", () => {
  it("resolve every relative link and anchor", () => {
    const problems: string[] = [];
    for (const file of docFiles()) {
      for (const m of withoutCode(readRepoFile(file)).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1] ?? "";
        if (/^[a-z]+:/.test(target)) continue;
        const [path = "", anchor] = target.split("#");
        const resolved = path === "" ? file : normalize(join(dirname(file), path));
        if (!existsSync(join(ROOT, resolved))) {
          problems.push(`${file}: ${target} (no file ${resolved})`);
          continue;
        }
        if (anchor && resolved.endsWith(".md") && !anchors(readRepoFile(resolved)).has(anchor)) {
          problems.push(`${file}: ${target} (no heading #${anchor} in ${resolved})`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it("use only pnpm scripts the workspace defines", () => {
    const scripts = Object.keys(
      (JSON.parse(readRepoFile("package.json")) as { scripts: Record<string, string> }).scripts,
    );
    const builtins = new Set(["install", "i", "add", "exec", "dlx", "ls"]);
    for (const file of docFiles()) {
      for (const m of readRepoFile(file).matchAll(/\bpnpm ([a-z][a-z:-]*)/g)) {
        const script = m[1] ?? "";
        assert.ok(
          builtins.has(script) || scripts.includes(script),
          `${file}: "pnpm ${script}" is not a script`,
        );
      }
    }
  });
});
