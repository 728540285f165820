import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "@switchboard/core";
import { FailureSources } from "../src/breaker/failure-sources.js";

const A: ReadonlySet<string> = new Set(["a:1"]);
const B: ReadonlySet<string> = new Set(["b:2"]);
const AB: ReadonlySet<string> = new Set(["a:1", "b:2"]);

describe("FailureSources", () => {
  it("counts distinct endpoints that failed within the window", () => {
    const clock = new FakeClock();
    const sources = new FailureSources(clock);
    sources.note(["a:1"]);
    sources.note(["a:1"]);
    assert.equal(sources.spreadEnough(1000, AB), false, "one endpoint, however often, is not enough");
    assert.equal(sources.spreadEnough(1000, A), true, "with one endpoint available, it is enough");
    sources.note(["b:2"]);
    assert.equal(sources.spreadEnough(1000, AB), true);
    clock.advance(1001);
    assert.equal(sources.spreadEnough(1000, A), false, "old failures leave the window");
  });

  it("counts every endpoint a retried call failed on", () => {
    const sources = new FailureSources(new FakeClock());
    sources.note(["a:1", "b:2"]);
    assert.equal(sources.spreadEnough(1000, AB), true);
  });

  it("treats a call that reached no endpoint as evidence about the whole service", () => {
    const sources = new FailureSources(new FakeClock());
    sources.note([]);
    assert.equal(sources.spreadEnough(1000, AB), true);
  });

  it("forgets endpoints that left the service", () => {
    const sources = new FailureSources(new FakeClock());
    sources.note(["a:1"]);
    sources.note(["b:2"]);
    sources.retain(new Set(["a:1"]));
    assert.equal(sources.spreadEnough(1000, AB), false);
  });

  it("does not count an endpoint that can no longer take calls (dead, ejected)", () => {
    const sources = new FailureSources(new FakeClock());
    sources.note(["a:1"]);
    sources.note(["c:3"]);
    assert.equal(sources.spreadEnough(1000, AB), false, "c:3 is gone from the picker: one source left");
    assert.equal(sources.spreadEnough(1000, B), false, "the one endpoint left has not failed");
  });

  it("opens when the only endpoint left fails, whatever happened to the others", () => {
    const sources = new FailureSources(new FakeClock());
    sources.note(["a:1"]);
    sources.note(["b:2"]);
    assert.equal(sources.spreadEnough(1000, B), true);
  });
});
