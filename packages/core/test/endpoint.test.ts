import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import { HealthStatus } from "../src/gen/switchboard/v1/types.js";
import {
  defaultInstanceId,
  effectiveHealth,
  endpointToProto,
  formatEndpointId,
  HEALTH_VALUES,
  healthFromProto,
  healthToProto,
  isMeshError,
  MeshError,
  parseHostPort,
} from "../src/index.js";

describe("the endpoint model", () => {
  it("formats an id as host:port, bracketing an IPv6 host once", () => {
    assert.equal(formatEndpointId("10.0.0.1", 50051), "10.0.0.1:50051");
    assert.equal(formatEndpointId("user-1.svc", 80), "user-1.svc:80");
    assert.equal(formatEndpointId("::1", 50051), "[::1]:50051");
    assert.equal(formatEndpointId("[::1]", 50051), "[::1]:50051");
  });

  it("parses host:port and [v6]:port, and refuses anything else", () => {
    assert.deepEqual(parseHostPort("127.0.0.1:7400"), { host: "127.0.0.1", port: 7400 });
    assert.deepEqual(parseHostPort("[::1]:0"), { host: "[::1]", port: 0 });
    assert.deepEqual(parseHostPort("control_plane.local:65535"), {
      host: "control_plane.local",
      port: 65535,
    });
    for (const bad of ["", "host", "host:", ":80", "host:65536", "host:123456", "::1:80", "a b:80"]) {
      assert.equal(parseHostPort(bad), undefined, JSON.stringify(bad));
    }
  });

  it("maps every health to the wire and back, UNSPECIFIED to undefined and unknown numbers to invalid", () => {
    for (const health of HEALTH_VALUES) assert.equal(healthFromProto(healthToProto(health)), health);
    assert.equal(healthFromProto(HealthStatus.HEALTH_STATUS_UNSPECIFIED), undefined);
    assert.equal(healthFromProto(99 as HealthStatus), "invalid");
  });

  it("routes on DRAINING while an operator drains an endpoint, whatever it reports", () => {
    assert.equal(effectiveHealth({ adminDrained: true, reportedHealth: "SERVING" }), "DRAINING");
    assert.equal(effectiveHealth({ adminDrained: false, reportedHealth: "NOT_SERVING" }), "NOT_SERVING");
  });

  it("writes an endpoint to the wire with a copy of its metadata", () => {
    const metadata = { version: "2" };
    const wire = endpointToProto({
      id: "[::1]:9000",
      host: "::1",
      port: 9000,
      zone: "eu-1",
      weight: 3,
      metadata,
      health: "DRAINING",
      adminDrained: true,
    });
    assert.equal(wire.health, HealthStatus.HEALTH_STATUS_DRAINING);
    assert.deepEqual(wire.metadata, metadata);
    assert.notEqual(wire.metadata, metadata);
  });

  it("names a process <hostname>-<pid>-<6 hex digits>, differently each time", () => {
    const id = defaultInstanceId();
    assert.match(id, new RegExp(`-${process.pid}-[0-9a-f]{6}$`));
    assert.notEqual(defaultInstanceId(), id);
  });
});

describe("the error family", () => {
  it("carries a gRPC status code, the details and the cause, and is told apart by its guard", () => {
    const cause = new Error("connection refused");
    const error = new MeshError(status.UNAVAILABLE, "store unavailable", { cause });
    assert.equal(error.code, status.UNAVAILABLE);
    assert.equal(error.details, "store unavailable");
    assert.equal(error.message, "UNAVAILABLE: store unavailable");
    assert.equal(error.cause, cause);
    assert.ok(isMeshError(error));
    assert.ok(!isMeshError(cause));
  });
});
