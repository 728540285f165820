import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Running from the TypeScript sources (under tsx) rather than from dist. */
const FROM_SOURCE = import.meta.url.endsWith(".ts");

function nodeArgs(file: string): string[] {
  return FROM_SOURCE ? ["--conditions=source", "--import", "tsx", file] : [file];
}

/** node arguments that run one of this package's entries, e.g. "user-service/main". */
export function exampleEntry(relative: string): string[] {
  return nodeArgs(fileURLToPath(new URL(`../${relative}.${FROM_SOURCE ? "ts" : "js"}`, import.meta.url)));
}

/** node arguments that run the control plane's command-line entry (its package's bin). */
export function controlPlaneEntry(): string[] {
  const index = fileURLToPath(import.meta.resolve("@switchboard/control-plane"));
  const ext = index.endsWith(".ts") ? "ts" : "js";
  return nodeArgs(join(dirname(index), "bin", `switchboard-control-plane.${ext}`));
}
