/**
 * The prose of BENCHMARKS.md per benchmark: how it is measured and how to read it. No number
 * is typed here: a note that quotes a setting or a measurement reads it from the run's record.
 */
import type { BenchRecord } from "../lib/results.js";
import { CLIENT_NOTES } from "./notes-clients.js";
import { CONTROL_PLANE_NOTES } from "./notes-control-plane.js";

export type NoteText = (record: BenchRecord) => string;

export interface BenchNotes {
  /** How the benchmark is run; `params` are the run's own settings, printed beside it. */
  readonly method: NoteText;
  readonly meaning: NoteText;
  /** Printed when one of the benchmark's targets was missed: the cause found and what bounds it. */
  readonly whenMissed: NoteText;
}

export const NOTES: Readonly<Record<string, BenchNotes>> = { ...CLIENT_NOTES, ...CONTROL_PLANE_NOTES };
