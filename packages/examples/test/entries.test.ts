import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { numberFlag, parseFlags, UsageError } from "../src/common/flags.js";
import { parseDemoCommandLine } from "../src/demo/options.js";
import { demoPhases } from "../src/demo/phases.js";
import { lookupDeadline } from "../src/order-service/order-service.js";
import { applyCommand, jitteredDelayMs, type UserBehaviour } from "../src/user-service/behaviour.js";
import { findUser, listUsers } from "../src/user-service/users.js";

describe("flags", () => {
  it("reads numbers within their range and names the flag when one is wrong", () => {
    const flags = parseFlags(["--rate", "150", "--failure-rate=1.5"], ["rate", "failure-rate"]);
    assert.equal(numberFlag(flags, "rate", 0, { min: 0 }), 150);
    assert.equal(numberFlag(flags, "missing", 7), 7);
    assert.throws(
      () => numberFlag(flags, "failure-rate", 0, { max: 1 }),
      /--failure-rate must be <= 1 \(got 1.5\)/,
    );
    assert.throws(
      () => numberFlag(parseFlags(["--rate", "x"], ["rate"]), "rate", 0),
      /--rate must be a number/,
    );
  });

  it("makes an unknown flag a usage error", () => {
    assert.throws(() => parseFlags(["--nope"], ["rate"]), UsageError);
  });
});

describe("the demo's command line", () => {
  it("splits --duration over the seven phases and turns the live redraws off", () => {
    const cmd = parseDemoCommandLine(["--duration", "35", "--json", "out.json"], true);
    assert.equal(cmd.phaseMs, 5000);
    assert.equal(cmd.live, false);
    assert.equal(cmd.jsonFile, "out.json");
  });

  it("is live on a terminal without --duration, and plain otherwise", () => {
    assert.equal(parseDemoCommandLine([], true).live, true);
    assert.equal(parseDemoCommandLine([], false).live, false);
    assert.throws(() => parseDemoCommandLine(["--duration", "3"], true), /--duration must be >= 8/);
  });

  it("plays round_robin, peak_ewma, the kill, the breaker and the canary at 10, 50 and 100 %, in that order", () => {
    assert.deepEqual(
      demoPhases(5000).map((p) => p.key),
      ["round-robin", "peak-ewma", "kill", "breaker", "canary-10", "canary-50", "canary-100"],
    );
  });
});

describe("user-service behaviour commands", () => {
  it("changes latency and failure rate, and refuses bad values without changing anything", () => {
    const b: UserBehaviour = { latencyMs: 0, failureRate: 0 };
    assert.deepEqual(applyCommand(b, "failure-rate 0.5"), {
      ok: true,
      message: "latency-ms 0, failure-rate 0.5",
    });
    assert.equal(applyCommand(b, "latency-ms 40").ok, true);
    assert.equal(applyCommand(b, "failure-rate 2").ok, false);
    assert.equal(applyCommand(b, "latency-ms -1").ok, false);
    assert.match(applyCommand(b, "explode").message, /unknown command "explode"/);
    assert.deepEqual(b, { latencyMs: 40, failureRate: 0.5 });
  });

  it("jitters latency by at most 10% and leaves 0 alone", () => {
    assert.equal(
      jitteredDelayMs(0, () => 0.7),
      0,
    );
    assert.equal(
      jitteredDelayMs(40, () => 0),
      36,
    );
    assert.equal(
      jitteredDelayMs(40, () => 1),
      44,
    );
  });
});

describe("example data and deadlines", () => {
  it("has users 1..1000 and none else", () => {
    assert.equal(findUser("1")?.id, "1");
    assert.ok(findUser("1000"));
    assert.equal(findUser("1001"), undefined);
    assert.equal(findUser("01"), undefined);
    assert.equal(listUsers(3).length, 3);
  });

  it("never extends the caller's deadline", () => {
    assert.equal(lookupDeadline(Number.POSITIVE_INFINITY, 1000, 5000), 6000);
    assert.equal(lookupDeadline(5500, 1000, 5000), 5500);
    assert.equal(lookupDeadline(new Date(9000), 1000, 5000), 6000);
  });
});
