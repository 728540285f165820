/**
 * Hostile input, unary RPCs: thousands of seeded cases over every Admin and Registration call
 * (well-formed messages with hostile fields, raw byte mutations, oversized messages, bad
 * tokens), each of which must end within its deadline with a proper status; then the process
 * must be alive with no handler error logged, and Redis consistent.
 *
 * FUZZ_SEED=<n> replays a run, FUZZ_CASES=<n> sets how many cases, FUZZ_ONLY=<i>,<j> replays
 * single cases (the seed is printed as a diagnostic).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import {
  DeletePolicyResponse,
  DeleteRoutesResponse,
  DrainEndpointResponse,
  GetRoutesResponse,
  GetServiceResponse,
  ListServicesResponse,
  ListSubscribersResponse,
  RemoveEndpointResponse,
  SetPolicyResponse,
  SetRoutesResponse,
} from "@switchboard/core/gen/switchboard/v1/admin.js";
import {
  AwaitPropagationResponse,
  DeregisterResponse,
  RegisterResponse,
} from "@switchboard/core/gen/switchboard/v1/registration.js";
import {
  assertConsistent,
  assertProperOutcomes,
  type FuzzOutcome,
  runCases,
} from "./fuzz-support/outcomes.js";
import { caseNumbers, envInt, fuzzSeed, Rng } from "./fuzz-support/prng.js";
import {
  type FuzzState,
  mutate,
  oversized,
  type Traits,
  UNARY_RPCS,
  unaryRequest,
} from "./fuzz-support/requests.js";
import {
  type Acceptance,
  authAccepted,
  authMetadata,
  bearer,
  type FuzzTarget,
  LIMITS,
  PROPER,
  startFuzzTarget,
} from "./fuzz-support/target.js";

const DECODERS: Readonly<Record<string, (b: Uint8Array) => unknown>> = {
  "Registration/Register": (b) => RegisterResponse.decode(b),
  "Registration/Deregister": (b) => DeregisterResponse.decode(b),
  "Registration/AwaitPropagation": (b) => AwaitPropagationResponse.decode(b),
  "Admin/ListServices": (b) => ListServicesResponse.decode(b),
  "Admin/GetService": (b) => GetServiceResponse.decode(b),
  "Admin/SetPolicy": (b) => SetPolicyResponse.decode(b),
  "Admin/DeletePolicy": (b) => DeletePolicyResponse.decode(b),
  "Admin/SetRoutes": (b) => SetRoutesResponse.decode(b),
  "Admin/GetRoutes": (b) => GetRoutesResponse.decode(b),
  "Admin/DeleteRoutes": (b) => DeleteRoutesResponse.decode(b),
  "Admin/DrainEndpoint": (b) => DrainEndpointResponse.decode(b),
  "Admin/RemoveEndpoint": (b) => RemoveEndpointResponse.decode(b),
  "Admin/ListSubscribers": (b) => ListSubscribersResponse.decode(b),
};

/** What a fully valid request of each RPC may get (beyond OK). A Register may name an address an
 * earlier case holds with a live lease: ALREADY_EXISTS (address-takeover protection). */
const VALID_MAY_GET: Readonly<Record<string, readonly number[]>> = {
  "Registration/Register": [status.RESOURCE_EXHAUSTED, status.ALREADY_EXISTS],
  "Admin/GetService": [status.NOT_FOUND],
  "Admin/GetRoutes": [status.NOT_FOUND],
  "Admin/DrainEndpoint": [status.NOT_FOUND],
  "Admin/RemoveEndpoint": [status.NOT_FOUND],
};

type Shape = "structured" | "raw" | "oversized" | "unknown-method";

interface Outcome extends FuzzOutcome {
  readonly shape: Shape;
}

function judge(
  rpc: string,
  shape: Shape,
  traits: Traits,
  accepted: Acceptance,
  end: { code: number; details: string; timedOut: boolean; responses: Buffer[] },
): string | undefined {
  const name = status[end.code] ?? String(end.code);
  if (end.timedOut) return "no status before the deadline (stuck call)";
  if (accepted === "too-big")
    return end.code === status.RESOURCE_EXHAUSTED ? undefined : `${name} for headers past the HTTP/2 limit`;
  if (shape === "unknown-method") {
    const fine = end.code === status.UNIMPLEMENTED || end.code === status.RESOURCE_EXHAUSTED;
    return fine ? undefined : `${name} for an unknown method`;
  }
  if (shape === "oversized")
    return end.code === status.RESOURCE_EXHAUSTED ? undefined : `${name} for an oversized request`;
  // Undecodable bytes included: the control plane answers INVALID_ARGUMENT, never INTERNAL.
  if (!PROPER.has(end.code)) return `improper status ${name}: ${end.details}`;
  if (end.details.length > 2048) return `a ${end.details.length}-character error message`;
  if (accepted === "no" && end.code === status.OK) return "succeeded without a valid token";
  if (shape === "structured" && accepted === "no" && end.code !== status.UNAUTHENTICATED)
    return `${name} instead of UNAUTHENTICATED for a bad token`;
  if (shape === "structured" && accepted === "yes" && traits.bigUint64 && !traits.malformed) {
    if (end.code !== status.INVALID_ARGUMENT)
      return `${name} for a uint64 beyond 2^53 - 1 (INVALID_ARGUMENT expected)`;
  }
  if (shape === "structured" && accepted === "yes" && traits.valid) {
    const fine = [status.OK, ...(VALID_MAY_GET[rpc] ?? [])];
    if (!fine.includes(end.code)) return `a valid request got ${name}: ${end.details}`;
  }
  if (end.code === status.OK) {
    try {
      DECODERS[rpc]?.(end.responses[0] ?? new Uint8Array());
    } catch (error) {
      return `undecodable response: ${(error as Error).message}`;
    }
  }
  return undefined;
}

async function runCase(target: FuzzTarget, seed: number, n: number, st: FuzzState): Promise<Outcome> {
  const rng = new Rng(seed, n);
  const rpc = rng.pick(UNARY_RPCS);
  const scope = rpc.startsWith("Admin/") ? "admin" : "registration";
  const traits: Traits = { valid: true, bigUint64: false, malformed: false };
  const r = rng.next();
  const shape: Shape = r < 0.7 ? "structured" : r < 0.94 ? "raw" : r < 0.98 ? "oversized" : "unknown-method";
  let body = unaryRequest(rpc, rng, st, traits);
  if (shape === "raw") body = mutate(rng, body);
  if (shape === "oversized") body = oversized(rpc, LIMITS.maxMessageBytes);
  const { metadata, variant } = authMetadata(rng, scope);
  const path =
    shape === "unknown-method" ? `/switchboard.v1.${rpc.split("/")[0]}/Nope` : `/switchboard.v1.${rpc}`;
  const end = await target.raw.unary(path, body, metadata, 10_000);
  if (end.code === status.OK && rpc === "Registration/Register") {
    try {
      st.leaseIds.push(RegisterResponse.decode(end.responses[0] ?? new Uint8Array()).leaseId);
    } catch {
      // judged below
    }
  }
  // Hostile fields can add up past the message limit too: then grpc-js refuses it first.
  const judgedAs = shape !== "unknown-method" && body.length > LIMITS.maxMessageBytes ? "oversized" : shape;
  const problem = judge(rpc, judgedAs, traits, authAccepted(variant), end);
  return {
    n,
    rpc,
    shape,
    code: end.code,
    problem: problem === undefined ? undefined : `${problem} [auth ${variant}]`,
  };
}

describe("hostile input to every unary Admin and Registration RPC", () => {
  let target: FuzzTarget;
  const seed = fuzzSeed();
  const cases = caseNumbers(envInt("FUZZ_CASES", 2000));

  before(async () => {
    target = await startFuzzTarget();
  });
  after(async () => {
    const code = await target?.stop();
    assert.equal(code, 0, "the control plane exits 0 on SIGTERM after the fuzz");
  });

  it("answers every case with a proper status within its deadline", async (t) => {
    t.diagnostic(`FUZZ_SEED=${seed} FUZZ_CASES=${cases.length}`);
    const st: FuzzState = { leaseIds: [] };
    const outcomes = await runCases(cases, 16, (n) => runCase(target, seed, n, st));
    assertProperOutcomes(
      t,
      seed,
      outcomes,
      (o) => `${o.rpc} (${o.shape})`,
      "the cases reach both success and validation",
    );
    assert.ok(outcomes.length === cases.length, "every case ran");
  });

  it("is still serving, and logged no handler error", async () => {
    assert.equal(target.bin.child.running, true, "the control plane process is alive");
    const ok = await target.raw.unary(
      "/switchboard.v1.Admin/ListServices",
      new Uint8Array(),
      bearer("admin"),
      5000,
    );
    assert.equal(ok.code, status.OK, `ListServices: ${ok.details}`);
    assert.deepEqual(target.errorLogs().slice(0, 5), []);
  });

  it("leaves Redis consistent", async () => {
    const report = await assertConsistent(target);
    assert.ok(report.services > 0, "the fuzz wrote something");
  });
});
