/** The message shapes between the orchestrator and its worker processes (Node IPC, JSON). */

export interface Command {
  readonly id: number;
  readonly cmd: string;
  readonly args: unknown;
}

export type Reply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

export interface Ready {
  readonly ready: true;
  readonly info: unknown;
}

export interface Failed {
  readonly failed: string;
}

export function isCommand(m: unknown): m is Command {
  return typeof m === "object" && m !== null && "cmd" in m && "id" in m;
}

export function isReply(m: unknown): m is Reply {
  return typeof m === "object" && m !== null && "id" in m && "ok" in m;
}

export function isReady(m: unknown): m is Ready {
  return typeof m === "object" && m !== null && "ready" in m;
}

export function isFailed(m: unknown): m is Failed {
  return typeof m === "object" && m !== null && "failed" in m;
}
