import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { WatchRequest, WatchResponse } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import {
  KeepAliveRequest,
  KeepAliveResponse,
  RegisterRequest,
} from "@switchboard/core/gen/switchboard/v1/registration.js";
import { validatePolicy } from "../src/index.js";

/** The golden v1 messages (see fixtures/wire/v1/README.md): written once, never regenerated. */
const DIR = new URL("./fixtures/wire/v1/", import.meta.url);

interface Codec<T> {
  decode(bytes: Uint8Array): T;
  toJSON(message: T): unknown;
}

const CODECS: Record<string, Codec<unknown>> = {
  "watch-response-snapshot": WatchResponse,
  "watch-response-delta": WatchResponse,
  "policy-full": Policy,
  "register-request": RegisterRequest,
  "keep-alive-request": KeepAliveRequest,
  "keep-alive-response": KeepAliveResponse,
  "watch-request-hello": WatchRequest,
};

function committedJson(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`${name}.json`, DIR), "utf8"));
}

function decodeFixture<T>(name: string, codec: Codec<T>): T {
  return codec.decode(readFileSync(new URL(`${name}.binpb`, DIR)));
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Where `actual` differs from `expected`, comparing only what `expected` holds: every key of a
 * committed object must decode to its committed value; keys `actual` has beyond them (fields
 * added after the fixture was written) are not compared. Arrays must match element by element.
 */
function mismatches(expected: unknown, actual: unknown, path = "$"): string[] {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${JSON.stringify(actual)}`];
    if (actual.length !== expected.length) {
      return [`${path}: expected ${expected.length} elements, got ${actual.length}`];
    }
    return expected.flatMap((e, i) => mismatches(e, actual[i], `${path}[${i}]`));
  }
  if (isObject(expected)) {
    if (!isObject(actual)) return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    return Object.entries(expected).flatMap(([k, v]) => mismatches(v, actual[k], `${path}.${k}`));
  }
  return Object.is(expected, actual)
    ? []
    : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

describe("v1 golden wire fixtures", () => {
  for (const [name, codec] of Object.entries(CODECS)) {
    it(`decodes ${name}.binpb to every value its committed JSON holds`, () => {
      const decoded = codec.toJSON(decodeFixture(name, codec));
      assert.deepEqual(mismatches(committedJson(name), decoded), []);
    });
  }

  it("compares the committed keys only: a field the fixture lacks is ignored, a changed value is not", () => {
    const committed = { a: 1, nested: { list: [{ b: "x" }] } };
    assert.deepEqual(mismatches(committed, { a: 1, added: true, nested: { list: [{ b: "x", c: 2 }] } }), []);
    assert.deepEqual(mismatches(committed, { a: 1, nested: { list: [{ b: "y" }] } }), [
      '$.nested.list[0].b: expected "x", got "y"',
    ]);
    assert.deepEqual(mismatches(committed, { nested: { list: [] } }), [
      "$.a: expected 1, got undefined",
      "$.nested.list: expected 1 elements, got 0",
    ]);
  });

  it("holds a policy that sets every field and validates, per-method overrides included", () => {
    const policy = decodeFixture("policy-full", Policy);
    const resolved = validatePolicy(policy);
    assert.ok(resolved.ok, resolved.ok ? "" : `${resolved.error.field}: ${resolved.error.message}`);
    assert.equal(resolved.value.loadBalancing.algorithm, "ring_hash");
    assert.equal(resolved.value.loadBalancing.zonePreference?.minHealthyPercent, 70);
    assert.equal(resolved.value.outlierDetection?.breaker.consecutiveFailures, 8);
    assert.equal(resolved.value.retry?.budget.ratio, 0.25);
    assert.equal(resolved.value.rateLimit?.requestsPerSecond, 250.5);
    assert.deepEqual([...resolved.value.methods.keys()].sort(), [
      "users.v1.UserService",
      "users.v1.UserService/GetUser",
    ]);
    assert.equal(resolved.value.methods.get("users.v1.UserService/GetUser")?.retry?.maxAttempts, 2);
  });

  it("holds a snapshot whose endpoints carry zone, weight, metadata, health and an admin drain", () => {
    const response = decodeFixture("watch-response-snapshot", WatchResponse);
    if (response.kind?.$case !== "snapshot") assert.fail(`not a snapshot: ${response.kind?.$case}`);
    const snapshot = response.kind.snapshot;
    assert.equal(snapshot.endpoints.length, 4);
    assert.ok(snapshot.endpoints.some((e) => e.adminDrained));
    assert.ok(snapshot.endpoints.every((e) => e.zone !== "" && e.weight > 0));
    assert.ok(validatePolicy(snapshot.policy).ok);
  });

  it("holds a Hello whose known_versions reach the largest safe uint64", () => {
    const request = decodeFixture("watch-request-hello", WatchRequest);
    if (request.kind?.$case !== "hello") assert.fail(`not a Hello: ${request.kind?.$case}`);
    assert.equal(request.kind.hello.knownVersions["payment-service"], Number.MAX_SAFE_INTEGER);
  });
});
