/** The dashboard's front end: the files the build bundles into dist/dashboard/public, read once
 * and served from memory with their content types. */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the build puts the bundle (the same path from src/dashboard and dist/dashboard). */
export const BUNDLE_DIR = fileURLToPath(new URL("../../dist/dashboard/public/", import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
}

/** The bundle's files by name ("index.html", "app.js"); empty when the bundle was not built. */
export function loadBundle(dir: string = BUNDLE_DIR): ReadonlyMap<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)) {
    const contentType = CONTENT_TYPES[extname(name)];
    const path = join(dir, name);
    if (!contentType || !statSync(path).isFile()) continue;
    files.set(name, { body: readFileSync(path), contentType });
  }
  return files;
}
