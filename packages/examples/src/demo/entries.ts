import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Running from the TypeScript sources (under tsx) rather than from dist. */
const FROM_SOURCE = import.meta.url.endsWith(".ts");

/** Node flags that run a TypeScript entry from its sources. */
const SOURCE_FLAGS = ["--conditions=source", "--import", "tsx"] as const;

function nodeArgs(file: string): string[] {
  return FROM_SOURCE ? [...SOURCE_FLAGS, file] : [file];
}

/** node arguments that run one of this package's entries, e.g. "user-service/main". */
export function exampleEntry(relative: string): string[] {
  return nodeArgs(fileURLToPath(new URL(`../${relative}.${FROM_SOURCE ? "ts" : "js"}`, import.meta.url)));
}

/** The control plane's command-line entry (its package's bin), and the node flags it needs. */
export function controlPlaneEntry(): { bin: string; nodeFlags: string[] } {
  const index = fileURLToPath(import.meta.resolve("@switchboard/control-plane"));
  const ext = index.endsWith(".ts") ? "ts" : "js";
  const bin = join(dirname(index), "bin", `switchboard-control-plane.${ext}`);
  return { bin, nodeFlags: ext === "ts" ? [...SOURCE_FLAGS] : [] };
}
