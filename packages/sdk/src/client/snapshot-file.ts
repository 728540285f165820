import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ServiceSnapshot } from "@switchboard/core/gen/switchboard/v1/discovery.js";

/** On-disk form: the last state applied per service, to start with at cold start. */
interface SnapshotFileContent {
  readonly format: 1;
  readonly epoch: string;
  readonly services: readonly unknown[];
}

export interface LoadedSnapshots {
  readonly epoch: string;
  readonly services: readonly ServiceSnapshot[];
}

/** Reads a snapshot file; undefined when it is missing or unreadable (a cold start without it). */
export function readSnapshotFile(path: string): LoadedSnapshots | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const content = JSON.parse(text) as Partial<SnapshotFileContent>;
  if (content.format !== 1 || typeof content.epoch !== "string" || !Array.isArray(content.services)) {
    throw new Error(`${path} is not a Switchboard snapshot file (format 1)`);
  }
  return { epoch: content.epoch, services: content.services.map((s) => ServiceSnapshot.fromJSON(s)) };
}

/** Writes atomically (temporary file, then rename), so a crash never leaves half a file. */
export function writeSnapshotFile(path: string, epoch: string, services: readonly ServiceSnapshot[]): void {
  const content: SnapshotFileContent = {
    format: 1,
    epoch,
    services: services.map((s) => ServiceSnapshot.toJSON(s)),
  };
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(content));
  renameSync(tmp, path);
}
