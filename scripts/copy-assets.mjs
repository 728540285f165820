#!/usr/bin/env node
// Copies non-TypeScript runtime files (Lua scripts; plain-JavaScript helpers that node runs
// as they are) from each package's src/ to dist/.
import { cpSync, existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ASSET = /\.(lua|mjs)$/;

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (ASSET.test(name)) out.push(path);
  }
  return out;
}

for (const pkg of readdirSync(join(root, "packages"))) {
  const src = join(root, "packages", pkg, "src");
  if (!existsSync(src)) continue;
  for (const file of walk(src)) {
    cpSync(file, join(root, "packages", pkg, "dist", relative(src, file)));
  }
}
