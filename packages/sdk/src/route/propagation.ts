import { AsyncLocalStorage } from "node:async_hooks";
import { experimental, Metadata } from "@grpc/grpc-js";

/**
 * Canary propagation: the headers a served call carries to the calls made while serving it.
 * A served call's metadata is held in an AsyncLocalStorage context (mesh servers enter it for
 * every handler; `withPropagatedHeaders` enters it by hand); a call made through a `mesh:`
 * channel inside that context gets every propagated header it does not set itself. The headers
 * propagated are those named in the `propagate_headers` of any route table this process knows.
 */
const carried = new AsyncLocalStorage<Metadata>();

/** Reference counts of header names over every route table known in the process. */
const counts = new Map<string, number>();
let names: readonly string[] = [];

/** The served call's metadata, when the current code runs on its behalf. */
export function carriedMetadata(): Metadata | undefined {
  return carried.getStore();
}

/** Runs `fn` outside any served call (so work started there carries nothing). */
export function outsideServedCalls<T>(fn: () => T): T {
  return carried.exit(fn);
}

/** Runs `fn` (a handler) with `metadata` as the served call's headers. */
export function runServing<T>(metadata: Metadata, fn: () => T): T {
  return carried.run(metadata, fn);
}

function toMetadata(headers: Metadata | Readonly<Record<string, string | readonly string[]>>): Metadata {
  if (headers instanceof Metadata) return headers;
  const m = new Metadata();
  for (const [key, value] of Object.entries(headers)) {
    for (const v of typeof value === "string" ? [value] : value) m.add(key, v);
  }
  return m;
}

/**
 * Runs `fn` as if serving a call that arrived with `headers`: calls made through `mesh:`
 * channels inside it (synchronously or after awaits) carry the headers named in any known route
 * table's `propagate_headers`. For servers not made with createMeshServer, in a handler:
 * `withPropagatedHeaders(call.metadata, () => handle(call))`.
 */
export function withPropagatedHeaders<T>(
  headers: Metadata | Readonly<Record<string, string | readonly string[]>>,
  fn: () => T,
): T {
  return carried.run(toMetadata(headers), fn);
}

/** Updates the process-wide set of propagated names when one table's list changes. */
export function trackPropagatedHeaders(before: readonly string[], after: readonly string[]): void {
  if (before === after) return;
  for (const name of after) counts.set(name, (counts.get(name) ?? 0) + 1);
  for (const name of before) {
    const n = (counts.get(name) ?? 0) - 1;
    if (n > 0) counts.set(name, n);
    else counts.delete(name);
  }
  names = [...counts.keys()];
}

/** Names of every header propagated in this process now. */
export function propagatedHeaderNames(): readonly string[] {
  return names;
}

/** True when `from` holds a propagated header that `to` lacks. */
export function hasHeadersToCarry(from: Metadata, to: Metadata): boolean {
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (to.get(name).length === 0 && from.get(name).length > 0) return true;
  }
  return false;
}

class CarryFilter extends experimental.BaseFilter {
  constructor(private readonly from: Metadata) {
    super();
  }

  override async sendMetadata(metadata: Promise<Metadata>): Promise<Metadata> {
    const m = await metadata;
    for (const name of names) {
      if (m.get(name).length > 0) continue;
      for (const value of this.from.get(name)) m.add(name, value);
    }
    return m;
  }
}

/** Adds the propagated headers of the served call to an outgoing call that lacks them. */
export class CarryFilterFactory implements experimental.FilterFactory<experimental.Filter> {
  constructor(private readonly from: Metadata) {}

  createFilter(): experimental.Filter {
    return new CarryFilter(this.from);
  }
}
