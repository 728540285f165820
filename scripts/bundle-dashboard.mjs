#!/usr/bin/env node
// Bundles the control plane's web dashboard (packages/control-plane/dashboard-ui) with esbuild
// into packages/control-plane/dist/dashboard/public: app.js (Preact and the pages, one file),
// app.css and index.html. No CDN: the control plane serves these files itself.
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = join(root, "packages", "control-plane");
const ui = join(pkg, "dashboard-ui");
const out = join(pkg, "dist", "dashboard", "public");
// esbuild, Preact and htm are development dependencies of the control-plane package.
const { build } = createRequire(join(pkg, "package.json"))("esbuild");

mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(ui, "src", "main.js")],
  outfile: join(out, "app.js"),
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  legalComments: "none",
  logLevel: "warning",
});
for (const file of ["index.html", "app.css"]) copyFileSync(join(ui, file), join(out, file));
