import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FailureSources } from "../src/breaker/failure-sources.js";
import { FakeClock } from "../src/clock.js";

describe("FailureSources", () => {
  it("counts distinct endpoints that failed within the window", () => {
    const clock = new FakeClock();
    const sources = new FailureSources(clock);
    sources.note(["a:1"]);
    sources.note(["a:1"]);
    assert.equal(sources.spreadEnough(1000, 2), false, "one endpoint, however often, is not enough");
    assert.equal(sources.spreadEnough(1000, 1), true, "a service with one endpoint needs one");
    sources.note(["b:2"]);
    assert.equal(sources.spreadEnough(1000, 2), true);
    clock.advance(1001);
    assert.equal(sources.spreadEnough(1000, 1), false, "old failures leave the window");
  });

  it("counts every endpoint a retried call failed on", () => {
    const sources = new FailureSources(new FakeClock());
    sources.note(["a:1", "b:2"]);
    assert.equal(sources.spreadEnough(1000, 2), true);
  });

  it("treats a call that reached no endpoint as evidence about the whole service", () => {
    const sources = new FailureSources(new FakeClock());
    sources.note([]);
    assert.equal(sources.spreadEnough(1000, 2), true);
  });

  it("forgets endpoints that left the service", () => {
    const sources = new FailureSources(new FakeClock());
    sources.note(["a:1"]);
    sources.note(["b:2"]);
    sources.retain(new Set(["a:1"]));
    assert.equal(sources.spreadEnough(1000, 2), false);
  });
});
