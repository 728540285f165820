/**
 * The exported names of each published package, per entry point of its exports map, checked
 * against a committed snapshot (packages/<pkg>/test/exports.snapshot.json) so that a change of
 * public surface is a decision, not an accident.
 *
 *   node --conditions=source --import tsx scripts/export-surface.ts --write   (or `pnpm exports:update`)
 *
 * rewrites every snapshot from the current sources. Values are the runtime names
 * (`Object.keys(await import(entry))`); types are the names the entry file's export lists
 * declare that have no runtime value (`export type { ... }`, interfaces, type aliases).
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const PUBLISHED = ["core", "sdk", "control-plane"] as const;

export interface EntrySurface {
  readonly values: readonly string[];
  readonly types: readonly string[];
}
export type Surface = Record<string, EntrySurface>;

const LIST_RE = /export\s+(type\s+)?\{([^}]*)\}/g;
const DECLARATION_RE =
  /export\s+(?:declare\s+)?(?:abstract\s+)?(const|let|var|function\*?|async\s+function|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/g;

const STAR_RE = /export\s+(?:type\s+)?\*\s+from\s+["'](\.[^"']+)["']/g;

/** Every name an entry file's export statements list (after `as`), following `export * from "./…"`. */
function declaredNames(file: string): string[] {
  const source = readFileSync(file, "utf8");
  const names = new Set<string>();
  for (const m of source.matchAll(STAR_RE)) {
    const target = join(dirname(file), (m[1] ?? "").replace(/\.js$/, ".ts"));
    for (const name of declaredNames(target)) names.add(name);
  }
  for (const m of source.matchAll(LIST_RE)) {
    for (const raw of (m[2] ?? "").split(",")) {
      const item = raw
        .replace(/\/\/.*$/gm, "")
        .trim()
        .replace(/^type\s+/, "");
      if (item === "") continue;
      const alias = item
        .split(/\s+as\s+/)
        .pop()
        ?.trim();
      if (alias) names.add(alias);
    }
  }
  for (const m of source.matchAll(DECLARATION_RE)) if (m[2]) names.add(m[2]);
  return [...names];
}

function snapshotPath(pkg: string): string {
  return join(ROOT, "packages", pkg, "test", "exports.snapshot.json");
}

/** The current surface of one package, entry point by entry point ("@scope/pkg", "@scope/pkg/sub"). */
export async function currentSurface(pkg: string): Promise<Surface> {
  const dir = join(ROOT, "packages", pkg);
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
    name: string;
    exports: Record<string, { source?: string }>;
  };
  const surface: Surface = {};
  for (const [subpath, conditions] of Object.entries(manifest.exports)) {
    // Pattern entries ("./gen/*.js") expose generated code, which the snapshot does not list.
    if (subpath.includes("*") || !conditions.source) continue;
    const file = join(dir, conditions.source);
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const values = Object.keys(module).sort();
    const types = declaredNames(file)
      .filter((n) => !values.includes(n))
      .sort();
    surface[subpath === "." ? manifest.name : `${manifest.name}${subpath.slice(1)}`] = { values, types };
  }
  return surface;
}

export function committedSurface(pkg: string): Surface {
  return JSON.parse(readFileSync(snapshotPath(pkg), "utf8")) as Surface;
}

/** What differs, as sentences; [] when the package exports exactly its snapshot. */
export function surfaceChanges(pkg: string, current: Surface, committed: Surface): string[] {
  const out: string[] = [];
  for (const entry of new Set([...Object.keys(current), ...Object.keys(committed)])) {
    const now = current[entry];
    const then = committed[entry];
    if (!now || !then) {
      out.push(`${entry}: entry point ${now ? "added" : "removed"}`);
      continue;
    }
    for (const kind of ["values", "types"] as const) {
      const added = now[kind].filter((n) => !then[kind].includes(n));
      const removed = then[kind].filter((n) => !now[kind].includes(n));
      if (added.length > 0) out.push(`${entry}: ${kind} added: ${added.join(", ")}`);
      if (removed.length > 0) out.push(`${entry}: ${kind} removed: ${removed.join(", ")}`);
    }
  }
  if (out.length > 0) {
    out.push(
      `If this change of public surface is deliberate, run \`pnpm exports:update\` and commit ` +
        `packages/${pkg}/test/exports.snapshot.json with it.`,
    );
  }
  return out;
}

function format(surface: Surface): string {
  const entries = Object.entries(surface).map(([entry, { values, types }]) => {
    const list = (names: readonly string[]) =>
      names.length === 0 ? "[]" : `[\n${names.map((n) => `      ${JSON.stringify(n)}`).join(",\n")}\n    ]`;
    return `  ${JSON.stringify(entry)}: {\n    "values": ${list(values)},\n    "types": ${list(types)}\n  }`;
  });
  return `{\n${entries.join(",\n")}\n}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!process.argv.includes("--write")) {
    console.error("usage: node --conditions=source --import tsx scripts/export-surface.ts --write");
    process.exit(2);
  }
  for (const pkg of PUBLISHED) {
    writeFileSync(snapshotPath(pkg), format(await currentSurface(pkg)));
    // In the repository's JSON style, so `pnpm lint` accepts the file as written.
    execFileSync(join(ROOT, "node_modules", ".bin", "biome"), ["format", "--write", snapshotPath(pkg)], {
      stdio: "ignore",
    });
    console.log(`wrote packages/${pkg}/test/exports.snapshot.json`);
  }
}
