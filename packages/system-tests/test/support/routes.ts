// Route tables in wire form and the arithmetic the routing system tests judge shares with.
import { Metadata, type ServiceError } from "@grpc/grpc-js";
import type { DeepPartial, RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import type { EchoServiceClient } from "../../src/gen/echo/v1/echo.js";

export type RouteTableInput = DeepPartial<RouteTable>;

/** Subsets "v1" and "v2": the endpoints registered with metadata version=v1 / version=v2. */
export const VERSION_SUBSETS = [
  { name: "v1", selector: { version: "v1" } },
  { name: "v2", selector: { version: "v2" } },
];

/** A weighted destination on a subset. */
export function toSubset(weight: number, subset: string) {
  return { weight, target: { $case: "subset" as const, subset } };
}

/** A header matcher holding when `name` equals `value`. */
export function headerEquals(name: string, value: string) {
  return { name, invert: false, kind: { $case: "exact" as const, exact: value } };
}

/** One rule splitting every call v1/v2 by `v2Percent`, sticky on `hashHeader` when given. */
export function splitTable(v2Percent: number, hashHeader = ""): RouteTableInput {
  return {
    subsets: VERSION_SUBSETS,
    rules: [
      {
        name: "split",
        hashHeader,
        destinations: [toSubset(100 - v2Percent, "v1"), toSubset(v2Percent, "v2")],
      },
    ],
  };
}

/** Calls carrying `x-canary: 1` go to v2, every other call to v1; the header is propagated. */
export function canaryTable(): RouteTableInput {
  return {
    subsets: VERSION_SUBSETS,
    rules: [
      {
        name: "qa",
        match: { headers: [headerEquals("x-canary", "1")] },
        destinations: [toSubset(100, "v2")],
      },
      { name: "everyone-else", destinations: [toSubset(100, "v1")] },
    ],
    propagateHeaders: ["x-canary"],
  };
}

export interface EchoOutcome {
  readonly code: number;
  readonly details: string;
  readonly servedBy: string;
  readonly ms: number;
}

/** Request headers of a call; an undefined value is left out. */
export type Headers = Readonly<Record<string, string | undefined>>;

/** One echo call; never rejects. */
export function echo(
  client: EchoServiceClient,
  headers: Headers = {},
  deadlineMs = 5000,
): Promise<EchoOutcome> {
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) metadata.set(k, v);
  const started = Date.now();
  return new Promise((resolve) =>
    client.echo(
      { message: "x", payload: Buffer.alloc(0), delayMs: 0, failWithCode: 0 },
      metadata,
      { deadline: Date.now() + deadlineMs },
      (e: ServiceError | null, r) =>
        resolve({
          code: e?.code ?? 0,
          details: e?.details ?? "",
          servedBy: r?.servedBy ?? "",
          ms: Date.now() - started,
        }),
    ),
  );
}

/** `count` calls, `concurrency` at a time; `headers(i)` gives call i's headers. Outcomes in call order. */
export async function echoMany(
  client: EchoServiceClient,
  count: number,
  concurrency: number,
  headers: (i: number) => Headers = () => ({}),
): Promise<EchoOutcome[]> {
  const outcomes: EchoOutcome[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      outcomes[i] = await echo(client, headers(i));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

/** Chi-square statistic of observed counts against expected shares (summing to 1). */
export function chiSquare(observed: readonly number[], shares: readonly number[]): number {
  const n = observed.reduce((a, b) => a + b, 0);
  return observed.reduce((sum, o, i) => {
    const e = n * (shares[i] as number);
    return sum + (o - e) ** 2 / e;
  }, 0);
}

/** Chi-square critical value for p = 0.001 with one degree of freedom. */
export const CHI2_1DF_P001 = 10.828;

/** The range a Binomial(n, p) count falls in with probability 0.999 (normal approximation). */
export function binomialBounds(n: number, p: number): { readonly low: number; readonly high: number } {
  const z = 3.29; // two-sided, p = 0.001
  const spread = z * Math.sqrt(n * p * (1 - p));
  return { low: n * p - spread, high: n * p + spread };
}
