/**
 * Hostile input, streams: seeded sequences of well-formed, hostile and undecodable messages on
 * Discovery.Watch and Registration.KeepAlive, with the client half-closing, cancelling, or not
 * reading. Every stream must end within its deadline with a proper status (and every response
 * must decode), the process must stay up with no handler error logged, and Redis consistent.
 *
 * FUZZ_SEED=<n> replays a run, FUZZ_STREAM_CASES=<n> sets how many streams, FUZZ_ONLY=<i>,<j>
 * replays single cases.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import { WatchResponse } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { KeepAliveResponse, RegisterResponse } from "@switchboard/core/gen/switchboard/v1/registration.js";
import {
  assertConsistent,
  assertProperOutcomes,
  type FuzzOutcome as Outcome,
  runCases,
} from "./fuzz-support/outcomes.js";
import { caseNumbers, envInt, fuzzSeed, Rng } from "./fuzz-support/prng.js";
import {
  type FuzzState,
  helloRequest,
  keepAliveRequest,
  mutate,
  registerRequest,
  type Traits,
  watchRequest,
} from "./fuzz-support/requests.js";
import {
  authAccepted,
  authMetadata,
  bearer,
  type FuzzTarget,
  LIMITS,
  PROPER,
  startFuzzTarget,
} from "./fuzz-support/target.js";
import { encode } from "./fuzz-support/wire.js";

type Ending = "half-close" | "cancel" | "slow-reader";

/** How long a stream may take to end after the client half-closed. */
const END_WITHIN_MS = 5000;
/** The client's deadline on each stream: past it, the stream was stuck. */
const STREAM_DEADLINE_MS = 8000;

function decodeAll(rpc: string, responses: readonly Buffer[], nonces: string[]): string | undefined {
  for (const b of responses) {
    try {
      if (rpc === "Watch") {
        const r = WatchResponse.decode(b);
        nonces.push(r.nonce);
        if (r.kind?.$case === "error") {
          const code = r.kind.error.code;
          if (code !== status.INVALID_ARGUMENT && code !== status.RESOURCE_EXHAUSTED)
            return `SubscriptionError with code ${code}`;
        }
      } else KeepAliveResponse.decode(b);
    } catch (error) {
      return `undecodable response: ${(error as Error).message}`;
    }
  }
  return undefined;
}

async function seedLeases(target: FuzzTarget, st: FuzzState): Promise<void> {
  for (let i = 0; i < 12; i++) {
    const rng = new Rng(7, i);
    const t: Traits = { valid: true, bigUint64: false, malformed: false };
    const body = encode(registerRequest(rng, st, t).filter(([no]) => no !== 6 && no < 20));
    const end = await target.raw.unary(
      "/switchboard.v1.Registration/Register",
      body,
      bearer("registration"),
      5000,
    );
    if (end.code === status.OK)
      st.leaseIds.push(RegisterResponse.decode(end.responses[0] ?? Buffer.alloc(0)).leaseId);
  }
}

async function runCase(target: FuzzTarget, seed: number, n: number, st: FuzzState): Promise<Outcome> {
  const rng = new Rng(seed, n);
  const rpc = rng.chance(0.6) ? "Watch" : "KeepAlive";
  const path = rpc === "Watch" ? "/switchboard.v1.Discovery/Watch" : "/switchboard.v1.Registration/KeepAlive";
  const { metadata, variant } = authMetadata(rng, rpc === "Watch" ? "discovery" : "registration");
  const accepted = authAccepted(variant);
  const traits: Traits = { valid: true, bigUint64: false, malformed: false };
  const ending: Ending = rng.pick([
    "half-close",
    "half-close",
    "half-close",
    "cancel",
    "slow-reader",
  ] as const);
  let tooBig = false;
  const stream = target.raw.stream(path, metadata, STREAM_DEADLINE_MS);
  if (ending === "slow-reader") stream.call.pause();
  const nonces: string[] = [];
  const count = rng.pick([0, 1, 2, 5, 20, 60]);
  for (let i = 0; i <= count; i++) {
    let body: Uint8Array;
    if (rpc === "Watch")
      body = i === 0 && rng.chance(0.9) ? helloRequest(rng, traits) : watchRequest(rng, traits, nonces);
    else body = encode(keepAliveRequest(rng, st, traits));
    if (rng.chance(0.04)) {
      body = mutate(rng, body);
    }
    if (body.length > LIMITS.maxMessageBytes) tooBig = true;
    stream.write(body);
    if (rng.chance(0.3)) await new Promise((r) => setImmediate(r));
  }
  if (ending === "cancel") {
    await new Promise((r) => setTimeout(r, rng.int(0, 20)));
    stream.cancel();
    const end = await stream.ended;
    return { n, rpc, code: end.code, problem: decodeAll(rpc, end.responses, nonces) };
  }
  if (ending === "slow-reader") {
    await new Promise((r) => setTimeout(r, 100));
    stream.call.resume();
  }
  const closedAt = Date.now();
  stream.halfClose();
  const end = await stream.ended;
  const name = status[end.code] ?? String(end.code);
  let problem: string | undefined;
  if (end.timedOut) problem = "stuck: no status before the deadline";
  else if (Date.now() - closedAt > END_WITHIN_MS + 1000)
    problem = `ended ${Date.now() - closedAt} ms after the half-close`;
  // Undecodable messages included: the control plane answers INVALID_ARGUMENT, never INTERNAL.
  else if (!PROPER.has(end.code)) problem = `improper status ${name}: ${end.details}`;
  else if (accepted !== "yes" && end.code === status.OK && !tooBig)
    problem = "a stream without a valid token ended OK";
  else if (
    tooBig &&
    end.code !== status.RESOURCE_EXHAUSTED &&
    end.code !== status.UNAUTHENTICATED &&
    end.code !== status.INVALID_ARGUMENT
  )
    problem = `${name} after an oversized message`;
  problem ??= decodeAll(rpc, end.responses, nonces);
  if (rpc === "KeepAlive" && end.code === status.OK && end.responses.length !== count + 1)
    problem ??= `${end.responses.length} answers to ${count + 1} renewals`;
  return {
    n,
    rpc,
    code: end.code,
    problem: problem === undefined ? undefined : `${problem} [auth ${variant}, ${ending}]`,
  };
}

describe("hostile input on the Watch and KeepAlive streams", () => {
  let target: FuzzTarget;
  const seed = fuzzSeed();
  const cases = caseNumbers(envInt("FUZZ_STREAM_CASES", 500));

  before(async () => {
    target = await startFuzzTarget();
  });
  after(async () => {
    const code = await target?.stop();
    assert.equal(code, 0, "the control plane exits 0 on SIGTERM after the fuzz");
  });

  it("ends every stream with a proper status within its deadline", async (t) => {
    t.diagnostic(`FUZZ_SEED=${seed} FUZZ_STREAM_CASES=${cases.length}`);
    const st: FuzzState = { leaseIds: [] };
    await seedLeases(target, st);
    assert.ok(st.leaseIds.length > 0, "leases to renew");
    const outcomes = await runCases(cases, 8, (n) => runCase(target, seed, n, st));
    assertProperOutcomes(t, seed, outcomes, (o) => o.rpc, "the cases reach both clean ends and validation");
  });

  it("is still serving Watch streams, and logged no handler error", async () => {
    assert.equal(target.bin.child.running, true, "the control plane process is alive");
    const stream = target.raw.stream("/switchboard.v1.Discovery/Watch", bearer("discovery"), 5000);
    stream.write(encode([[1, { t: "len", v: encode([[1, { t: "len", v: Buffer.from("after-fuzz") }]]) }]]));
    stream.write(encode([[2, { t: "len", v: encode([[1, { t: "len", v: Buffer.from("fz-a") }]]) }]]));
    const first = await new Promise<Buffer>((resolve) => stream.call.once("data", resolve));
    assert.equal(WatchResponse.decode(first).kind?.$case, "snapshot");
    stream.halfClose();
    assert.equal((await stream.ended).code, status.OK);
    assert.deepEqual(target.errorLogs().slice(0, 5), []);
  });

  it("leaves Redis consistent", async () => {
    await assertConsistent(target);
  });
});
