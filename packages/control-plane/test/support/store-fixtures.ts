/** Builders and helpers shared by the store tests. */
import type { ChangeNotice, RegisterInput, Store } from "../../src/store/index.js";

/** A fixed starting time: lease deadlines use the `nowMs` the tests pass, never the wall clock. */
export const T0 = 1_700_000_000_000;

export function registration(overrides: Partial<RegisterInput> = {}): RegisterInput {
  return {
    service: "user-service",
    host: "10.0.0.1",
    port: 50051,
    zone: "eu-west-1a",
    weight: 1,
    metadata: { version: "1.4.2" },
    health: "SERVING",
    ttlMs: 10_000,
    maxEndpointsPerService: 100,
    ...overrides,
  };
}

/** Registers and returns the lease id, failing the test if the store refused. */
export async function registerOrFail(store: Store, input: RegisterInput, nowMs = T0): Promise<string> {
  const result = await store.register(input, nowMs);
  if (result.status !== "registered") throw new Error(`registration refused: ${JSON.stringify(result)}`);
  return result.leaseId;
}

export interface FeedRecorder {
  readonly notices: readonly ChangeNotice[];
  /** Resolves with the first `count` notices once they have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<readonly ChangeNotice[]>;
  stop(): void;
}

/** Records a store's change feed; waiting is event-driven, the timeout only bounds a failure. */
export function recordFeed(store: Store): FeedRecorder {
  const notices: ChangeNotice[] = [];
  let waiters: Array<{ count: number; resolve: () => void }> = [];
  const stop = store.subscribe((notice) => {
    notices.push(notice);
    waiters = waiters.filter((w) => {
      if (notices.length < w.count) return true;
      w.resolve();
      return false;
    });
  });
  return {
    notices,
    stop,
    async waitFor(count, timeoutMs = 5000) {
      if (notices.length < count) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => {
            reject(new Error(`expected ${count} notices within ${timeoutMs} ms, got ${notices.length}`));
          }, timeoutMs);
          waiters.push({
            count,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          });
        });
      }
      return notices.slice(0, count);
    },
  };
}

/** Polls `check` until it returns true; for effects that cross a process boundary. */
export async function pollUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = "condition",
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
