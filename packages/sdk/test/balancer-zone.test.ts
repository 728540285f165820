import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { preferLocalZone, type ZoneAccess } from "../src/balancer/zone.js";

interface Endpoint {
  key: string;
  zone: string;
  healthy: boolean;
}
const access: ZoneAccess<Endpoint> = { zoneOf: (e) => e.zone, isHealthy: (e) => e.healthy };
const ep = (key: string, zone: string, healthy = true): Endpoint => ({ key, zone, healthy });
const keysOf = (endpoints: readonly Endpoint[]) => endpoints.map((e) => e.key);

describe("zone preference", () => {
  const remote = [ep("r1", "eu-west-1b"), ep("r2", "eu-west-1c")];

  it("uses the local zone alone while enough of it is healthy", () => {
    const local = [ep("l1", "eu-west-1a"), ep("l2", "eu-west-1a", false)];
    const selection = preferLocalZone([...local, ...remote], access, "eu-west-1a", 50);
    assert.deepEqual(keysOf(selection.endpoints), ["l1"]);
    assert.equal(selection.localOnly, true);
  });

  it("spills over to every zone (panic) when too few local endpoints are healthy", () => {
    const local = [ep("l1", "eu-west-1a"), ep("l2", "eu-west-1a", false), ep("l3", "eu-west-1a", false)];
    const selection = preferLocalZone([...local, ...remote], access, "eu-west-1a", 50);
    assert.deepEqual(keysOf(selection.endpoints), ["l1", "r1", "r2"]);
    assert.equal(selection.localOnly, false);
  });

  it("spills over when the local zone has no healthy endpoint, even at a 1% threshold", () => {
    const selection = preferLocalZone([ep("l1", "z", false), ...remote], access, "z", 1);
    assert.deepEqual(keysOf(selection.endpoints), ["r1", "r2"]);
  });

  it("spills over when the client's zone has no endpoints at all", () => {
    assert.deepEqual(keysOf(preferLocalZone(remote, access, "ap-south-1a", 50).endpoints), ["r1", "r2"]);
  });

  it("ignores zones when the client has none", () => {
    const selection = preferLocalZone([ep("l1", "z"), ...remote], access, undefined, 50);
    assert.deepEqual(keysOf(selection.endpoints), ["l1", "r1", "r2"]);
    assert.equal(selection.localOnly, false);
  });

  it("never returns an unhealthy endpoint", () => {
    const all = [ep("l1", "z", false), ep("r1", "y", false), ep("r2", "y")];
    assert.deepEqual(keysOf(preferLocalZone(all, access, "z", 100).endpoints), ["r2"]);
    assert.deepEqual(preferLocalZone([ep("l1", "z", false)], access, "z", 50).endpoints, []);
  });
});
