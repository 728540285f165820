/** Paths of the repository the docs tests read, and the tools they run. */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
export const BUF = join(ROOT, "node_modules", ".bin", "buf");
/** The real grpcurl, pinned, installed by scripts/install-tools.sh. */
export const GRPCURL = join(ROOT, ".tools", "bin", "grpcurl");
export const GRPCURL_MISSING = `grpcurl is not installed at ${GRPCURL}: run \`bash scripts/install-tools.sh\``;
export const TSC = join(ROOT, "node_modules", ".bin", "tsc");
export const CONTROL_PLANE_BIN = join(
  ROOT,
  "packages",
  "control-plane",
  "dist",
  "bin",
  "switchboard-control-plane.js",
);

/** README.md and every docs/*.md, as paths relative to the repository root. */
export function docFiles(): string[] {
  const docs = readdirSync(join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`);
  return ["README.md", ...docs];
}

export function readRepoFile(path: string): string {
  return readFileSync(join(ROOT, path), "utf8");
}

export function repoRelative(path: string): string {
  return relative(ROOT, path);
}
