/** What each Switchboard policy and endpoint becomes in the xDS resources a client receives. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { validatePolicy } from "@switchboard/core";
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import { parseCommandLine } from "../src/cli.js";
import type { EndpointRecord } from "../src/store/types.js";
import { bootstrapDocument, parseBootstrapArgs } from "../src/xds/bootstrap.js";
import { clusterFor } from "../src/xds/resources/cluster.js";
import { loadAssignmentFor } from "../src/xds/resources/endpoints.js";
import { listenerFor } from "../src/xds/resources/listener.js";
import { routeConfigurationFor } from "../src/xds/resources/route.js";

function resolved(partial: object) {
  const r = validatePolicy(Policy.fromPartial(partial));
  assert.ok(r.ok);
  return r.value;
}

function endpoint(port: number, over: Partial<EndpointRecord> = {}): EndpointRecord {
  return {
    id: `10.0.0.1:${port}`,
    service: "svc",
    host: "10.0.0.1",
    port,
    zone: "",
    weight: 1,
    metadata: {},
    reportedHealth: "SERVING",
    adminDrained: false,
    leaseId: `l${port}`,
    ttlMs: 10_000,
    registeredAtMs: 0,
    renewedAtMs: 0,
    expiresAtMs: 10_000,
    ...over,
  };
}

// biome-ignore lint/suspicious/noExplicitAny: reading nested plain objects
type Any = any;

describe("xDS resources", () => {
  test("a Listener names its RouteConfiguration over ADS and ends with the router filter", () => {
    const l: Any = listenerFor("svc");
    const hcm = l.api_listener.api_listener;
    assert.equal(hcm.rds.route_config_name, "svc");
    assert.deepEqual(hcm.rds.config_source.ads, {});
    assert.equal(hcm.http_filters.at(-1).name, "envoy.filters.http.router");
  });

  test("a route caps the deadline at the policy timeout and retries the codes gRPC knows", () => {
    const policy = resolved({
      timeoutMs: 1500,
      retry: {
        maxAttempts: 3,
        retryableCodes: ["UNAVAILABLE", "UNKNOWN"],
        initialBackoffMs: 20,
        maxBackoffMs: 200,
      },
      methods: { "pkg.Svc/Get": { timeoutMs: 300 }, Put: { timeoutMs: 700 }, "pkg.Svc": { timeoutMs: 900 } },
    });
    const routes: Any[] = (routeConfigurationFor("svc", policy) as Any).virtual_hosts[0].routes;
    assert.deepEqual(
      routes.map((r) => [r.match, r.route.max_stream_duration.max_stream_duration]),
      [
        [{ path: "/pkg.Svc/Get" }, { seconds: "0", nanos: 300_000_000 }],
        [{ prefix: "/pkg.Svc/" }, { seconds: "0", nanos: 900_000_000 }],
        [{ safe_regex: { regex: "^/[^/]+/Put$" } }, { seconds: "0", nanos: 700_000_000 }],
        [{ prefix: "" }, { seconds: "1", nanos: 500_000_000 }],
      ],
    );
    const retry = routes.at(-1).route.retry_policy;
    assert.equal(retry.retry_on, "unavailable");
    assert.deepEqual(retry.num_retries, { value: 2 });
    assert.deepEqual(retry.retry_back_off.base_interval, { seconds: "0", nanos: 20_000_000 });
  });

  test("balancing maps round_robin, ring_hash (with ring sizes and hash header) and least_request (A52 list)", () => {
    assert.equal((clusterFor("svc", resolved({})) as Any).lb_policy, "ROUND_ROBIN");
    const ring: Any = clusterFor(
      "svc",
      resolved({ loadBalancing: { algorithm: 6, ringSize: 2048, hashHeader: "x-user" } }),
    );
    assert.equal(ring.lb_policy, "RING_HASH");
    assert.deepEqual(ring.ring_hash_lb_config.minimum_ring_size, { value: "2048" });
    const hashRoute: Any = routeConfigurationFor(
      "svc",
      resolved({ loadBalancing: { algorithm: 6, hashHeader: "x-user" } }),
    );
    assert.deepEqual(hashRoute.virtual_hosts[0].routes[0].route.hash_policy, [
      { header: { header_name: "x-user" } },
    ]);
    for (const algorithm of [4, 5]) {
      const c: Any = clusterFor("svc", resolved({ loadBalancing: { algorithm } }));
      assert.equal(c.lb_policy, undefined, "no lb_policy a client could reject");
      const wrr = c.load_balancing_policy.policies[0].typed_extension_config.typed_config;
      const names = wrr.endpoint_picking_policy.policies.map((p: Any) => p.typed_extension_config.name);
      assert.deepEqual(names, [
        "envoy.load_balancing_policies.least_request",
        "envoy.load_balancing_policies.round_robin",
      ]);
    }
  });

  test("outlier detection uses the failure-percentage algorithm with the breaker's numbers", () => {
    const c: Any = clusterFor(
      "svc",
      resolved({
        outlierDetection: {
          breaker: { failureRatePercent: 40, minimumCalls: 10, windowMs: 5000, openDurationMs: 20_000 },
          maxEjectionPercent: 30,
        },
      }),
    );
    const od = c.outlier_detection;
    assert.deepEqual(od.failure_percentage_threshold, { value: 40 });
    assert.deepEqual(od.failure_percentage_request_volume, { value: 10 });
    assert.deepEqual(od.interval, { seconds: "5", nanos: 0 });
    assert.deepEqual(od.base_ejection_time, { seconds: "20", nanos: 0 });
    assert.deepEqual(od.max_ejection_percent, { value: 30 });
    assert.deepEqual(od.enforcing_success_rate, { value: 0 });
  });

  test("endpoints: one locality per zone (never unset), weights, and health as gRPC reads it", () => {
    const cla: Any = loadAssignmentFor("svc", [
      endpoint(1, { zone: "zone-b", weight: 3 }),
      endpoint(2, { zone: "" }),
      endpoint(3, { zone: "zone-b", reportedHealth: "NOT_SERVING" }),
      endpoint(4, { zone: "zone-b", adminDrained: true }),
      endpoint(5, { zone: "", reportedHealth: "DRAINING" }),
    ]);
    assert.deepEqual(
      cla.endpoints.map((l: Any) => [l.locality.zone, l.load_balancing_weight.value]),
      [
        ["default", 1],
        ["zone-b", 3],
      ],
    );
    assert.ok(cla.endpoints.every((l: Any) => l.locality.region !== ""));
    const health = cla.endpoints.flatMap((l: Any) =>
      l.lb_endpoints.map((e: Any) => [e.endpoint.address.socket_address.port_value, e.health_status]),
    );
    assert.deepEqual(
      new Map(health),
      new Map([
        [1, "HEALTHY"],
        [2, "HEALTHY"],
        [3, "UNHEALTHY"],
        [4, "DRAINING"],
        [5, "DRAINING"],
      ]),
    );
  });

  test("the bootstrap lists every server with xds_v3, and refuses a bad flag naming it", () => {
    const doc: Any = bootstrapDocument(
      parseBootstrapArgs([
        "--node-id",
        "n1",
        "--server",
        "cp1:7400,cp2:7400",
        "--zone=zone-a",
        "--channel-creds",
        "tls",
        "--ca-file",
        "/ca.pem",
      ]),
    );
    assert.deepEqual(
      doc.xds_servers.map((s: Any) => s.server_uri),
      ["cp1:7400", "cp2:7400"],
    );
    assert.deepEqual(doc.xds_servers[0].server_features, ["xds_v3"]);
    assert.deepEqual(doc.xds_servers[0].channel_creds, [
      { type: "tls", config: { ca_certificate_file: "/ca.pem" } },
    ]);
    assert.equal(doc.node.locality.zone, "zone-a");
    assert.throws(
      () => parseBootstrapArgs(["--node-id", "n", "--server", "x:1", "--channel-creds", "plain"]),
      /--channel-creds/,
    );
    assert.throws(() => bootstrapDocument(parseBootstrapArgs(["--server", "x:1"])), /--node-id/);
  });

  test("the bootstrap subcommand of the control-plane command prints the document", () => {
    const cmd = parseCommandLine(["bootstrap", "--node-id", "n1", "--server", "127.0.0.1:7400"], {});
    assert.equal(cmd.kind, "print");
    const doc = JSON.parse(cmd.kind === "print" ? cmd.text : "{}");
    assert.equal(doc.node.id, "n1");
    assert.equal(doc.xds_servers[0].server_uri, "127.0.0.1:7400");
  });
});
