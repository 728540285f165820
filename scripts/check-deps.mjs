#!/usr/bin/env node
// Checks the workspace's layering: core <- {sdk, control-plane} <- {system-tests, examples, bench}.
// 1. Each package.json names only the workspace packages its layer may depend on.
// 2. No source file imports a workspace package its package.json does not allow, or reaches into
//    another package by a relative path (`../../control-plane/src/...`). Test files of the
//    top-layer packages may read other packages' test helpers; published packages' sources never.
// Exits 1 with one line per broken rule.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SCOPE = "@switchboard/";

/** Package folder -> the workspace packages it may depend on. */
const ALLOWED = {
  core: [],
  sdk: ["core"],
  "control-plane": ["core"],
  "system-tests": ["core", "sdk", "control-plane"],
  examples: ["core", "sdk", "control-plane"],
  bench: ["core", "sdk", "control-plane"],
};
const DEPENDENCY_FIELDS = ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"];
const IMPORT_RE =
  /(?:^|[\s;])(?:import|export)\s[^"']*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm;

const problems = [];
const packagesDir = join(root, "packages");

function walk(dir, out = []) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (name === "node_modules" || name === "dist" || name === "gen" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (/\.(ts|mts|js|mjs)$/.test(name)) out.push(path);
  }
  return out;
}

for (const folder of readdirSync(packagesDir)) {
  const manifest = join(packagesDir, folder, "package.json");
  let pkg;
  try {
    pkg = JSON.parse(readFileSync(manifest, "utf8"));
  } catch {
    continue;
  }
  const allowed = ALLOWED[folder];
  if (!allowed) {
    problems.push(`packages/${folder}: not in the layering of scripts/check-deps.mjs; add it to ALLOWED`);
    continue;
  }
  const declared = new Set();
  for (const field of DEPENDENCY_FIELDS) {
    for (const name of Object.keys(pkg[field] ?? {})) {
      if (!name.startsWith(SCOPE)) continue;
      const target = name.slice(SCOPE.length);
      declared.add(target);
      if (!allowed.includes(target)) {
        problems.push(
          `packages/${folder}/package.json: ${field} has ${name}; ${folder} may depend on ${allowed.join(", ") || "no workspace package"}`,
        );
      }
    }
  }
  for (const sub of ["src", "test"]) {
    for (const file of walk(join(packagesDir, folder, sub))) {
      const text = readFileSync(file, "utf8");
      const where = relative(root, file);
      for (const m of text.matchAll(IMPORT_RE)) {
        const spec = m[1] ?? m[2] ?? "";
        if (spec.startsWith(SCOPE)) {
          const target = spec.slice(SCOPE.length).split("/")[0];
          if (target !== folder && !(allowed.includes(target) && declared.has(target))) {
            problems.push(
              `${where}: imports ${spec}; packages/${folder} may import ${allowed.map((a) => SCOPE + a).join(", ") || "no workspace package"} (and must declare it)`,
            );
          }
        } else if (spec.startsWith(".")) {
          const target = resolve(dirname(file), spec);
          const inside = relative(join(packagesDir, folder), target);
          if (!inside.startsWith(`..${sep}`)) continue;
          const fromPackages = relative(packagesDir, target);
          if (fromPackages.startsWith(`..${sep}`)) {
            // Repository tooling (scripts/): tests may use it, published sources may not.
            if (sub !== "test") problems.push(`${where}: imports ${spec}, outside every package`);
            continue;
          }
          const other = fromPackages.split(sep)[0];
          const testHelper = sub === "test" && ALLOWED[folder].length > 1 && allowed.includes(other);
          if (!testHelper) {
            problems.push(
              `${where}: imports ${spec}, a file of packages/${other}; import it through its package instead`,
            );
          }
        }
      }
    }
  }
}

if (problems.length > 0) {
  console.error(`check-deps: ${problems.length} layering problem(s):\n${problems.join("\n")}`);
  process.exit(1);
}
console.log("check-deps: core <- {sdk, control-plane} <- {system-tests, examples, bench}: ok");
