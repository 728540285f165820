/** What each Switchboard policy and endpoint becomes in the xDS resources a client receives. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { validatePolicy, validateRouteTable } from "@switchboard/core";
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import {
  type HeaderMatch,
  RouteTable,
  type WeightedDestination,
} from "@switchboard/core/gen/switchboard/v1/route.js";
import { parseCommandLine } from "../src/cli.js";
import type { EndpointRecord } from "../src/store/types.js";
import { bootstrapDocument, parseBootstrapArgs } from "../src/xds/bootstrap.js";
import { clusterFor } from "../src/xds/resources/cluster.js";
import { loadAssignmentFor } from "../src/xds/resources/endpoints.js";
import { listenerFor } from "../src/xds/resources/listener.js";
import { ResourceRenderer, resourceNamed } from "../src/xds/resources/render.js";
import { routeConfigurationFor } from "../src/xds/resources/route.js";
import { canaryRoutes } from "./support/route-fixtures.js";

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
    // A33: the fault filter is listed before the router, so a route's fault config applies.
    assert.deepEqual(
      hcm.http_filters.map((f: Any) => [f.name, f.typed_config["@type"]]),
      [
        ["envoy.filters.http.fault", "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault"],
        ["envoy.filters.http.router", "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"],
      ],
    );
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

  test("the bootstrap names every replica in one target with --failover address-list", () => {
    const args = ["--node-id", "n", "--server", "10.0.0.1:7400,10.0.0.2:7400", "--failover", "address-list"];
    const doc: Any = bootstrapDocument(parseBootstrapArgs(args));
    assert.deepEqual(
      doc.xds_servers.map((s: Any) => s.server_uri),
      ["ipv4:10.0.0.1:7400,10.0.0.2:7400"],
    );
    const v6 = parseBootstrapArgs([
      "--node-id",
      "n",
      "--server",
      "[::1]:1,[::1]:2",
      "--failover",
      "address-list",
    ]);
    assert.equal((bootstrapDocument(v6) as Any).xds_servers[0].server_uri, "ipv6:[::1]:1,[::1]:2");
    const names = parseBootstrapArgs([
      "--node-id",
      "n",
      "--server",
      "cp.example:7400",
      "--failover",
      "address-list",
    ]);
    assert.throws(
      () => bootstrapDocument(names),
      /--failover: address-list needs every --server as an IP address/,
    );
    assert.throws(
      () => parseBootstrapArgs(["--failover", "dns"]),
      /--failover: must be list or address-list/,
    );
  });

  test("the bootstrap subcommand of the control-plane command prints the document", () => {
    const cmd = parseCommandLine(["bootstrap", "--node-id", "n1", "--server", "127.0.0.1:7400"], {});
    assert.equal(cmd.kind, "print");
    const doc = JSON.parse(cmd.kind === "print" ? cmd.text : "{}");
    assert.equal(doc.node.id, "n1");
    assert.equal(doc.xds_servers[0].server_uri, "127.0.0.1:7400");
  });
});

function header(name: string, kind: HeaderMatch["kind"], invert = false): HeaderMatch {
  return { name, kind, invert };
}

function table(routes: RouteTable) {
  const r = validateRouteTable(routes);
  assert.ok(r.ok, r.ok ? "" : `${r.error.field}: ${r.error.message}`);
  return r.value;
}

describe("xDS route tables", () => {
  test("the rules come first, in order, each with its match, split, overrides and fault; then the default route", () => {
    const policy = resolved({ timeoutMs: 1500 });
    const routes: Any[] = (routeConfigurationFor("svc", policy, table(canaryRoutes())) as Any)
      .virtual_hosts[0].routes;
    assert.deepEqual(
      routes.map((r) => r.name),
      ["route:qa", "route:split", "route:audit", "default"],
    );
    const [qa, split, audit, fallback] = routes;
    assert.deepEqual(qa.match, {
      prefix: "/",
      headers: [{ name: "x-canary", exact_match: "1", invert_match: false }],
    });
    assert.deepEqual(qa.route.weighted_clusters, { clusters: [{ name: "svc/v2", weight: { value: 100 } }] });
    assert.deepEqual(qa.route.max_stream_duration.max_stream_duration, { seconds: "1", nanos: 500_000_000 });
    assert.equal(qa.typed_per_filter_config, undefined);
    assert.deepEqual(split.match, {
      prefix: "/demo.user.v1.UserService/",
      runtime_fraction: { default_value: { numerator: 125_000, denominator: "MILLION" } },
    });
    assert.deepEqual(split.route.weighted_clusters.clusters, [
      { name: "svc/v1", weight: { value: 90 } },
      { name: "svc/v2", weight: { value: 10 } },
    ]);
    assert.deepEqual(split.route.max_stream_duration.max_stream_duration, {
      seconds: "0",
      nanos: 500_000_000,
    });
    assert.equal(split.route.retry_policy.retry_on, "unavailable");
    assert.deepEqual(split.route.retry_policy.num_retries, { value: 1 });
    assert.deepEqual(split.route.hash_policy, [{ header: { header_name: "x-user" } }]);
    assert.deepEqual(split.typed_per_filter_config["envoy.filters.http.fault"], {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault",
      delay: {
        fixed_delay: { seconds: "0", nanos: 50_000_000 },
        percentage: { numerator: 5000, denominator: "MILLION" },
      },
      abort: { grpc_status: 14, percentage: { numerator: 100_000, denominator: "MILLION" } },
    });
    assert.deepEqual(audit.match, { path: "/demo.user.v1.UserService/Audit" });
    assert.deepEqual(audit.route.weighted_clusters.clusters, [
      { name: "audit-service", weight: { value: 100 } },
    ]);
    assert.equal(fallback.route.cluster, "svc");
  });

  test("header matchers: prefix, suffix, RE2 regex, present, absent and inverted", () => {
    const routes = RouteTable.fromPartial({
      subsets: [{ name: "v2", selector: { version: "v2" } }],
      rules: [
        {
          name: "h",
          match: {
            headers: [
              header("a", { $case: "prefix", prefix: "be" }),
              header("b", { $case: "suffix", suffix: "@example.com" }, true),
              header("c", { $case: "safeRegex", safeRegex: "v[0-9]+" }),
              header("d", { $case: "present", present: true }),
              header("e", { $case: "present", present: false }),
              header("f", { $case: "present", present: false }, true),
            ],
          },
          destinations: [
            { weight: 0, target: { $case: "service", service: "other" } } as WeightedDestination,
            { weight: 100, target: { $case: "subset", subset: "v2" } } as WeightedDestination,
          ],
        },
      ],
    });
    const [rule]: Any[] = (routeConfigurationFor("svc", resolved({}), table(routes)) as Any).virtual_hosts[0]
      .routes;
    assert.deepEqual(rule.match.headers, [
      { name: "a", prefix_match: "be", invert_match: false },
      { name: "b", suffix_match: "@example.com", invert_match: true },
      { name: "c", safe_regex_match: { google_re2: {}, regex: "v[0-9]+" }, invert_match: false },
      { name: "d", present_match: true, invert_match: false },
      { name: "e", present_match: true, invert_match: true },
      { name: "f", present_match: true, invert_match: false },
    ]);
    // A destination of weight 0 takes no calls and is left out.
    assert.deepEqual(rule.route.weighted_clusters.clusters, [{ name: "svc/v2", weight: { value: 100 } }]);
  });

  test("each subset a rule sends calls to gets a Cluster like the service's, with only its endpoints", () => {
    const renderer = new ResourceRenderer();
    const endpoints = [
      endpoint(1, { metadata: { version: "v1" } }),
      endpoint(2, { metadata: { version: "v2", zone: "x" } }),
      endpoint(3, { metadata: { version: "v1" } }),
      endpoint(4, { metadata: {} }),
    ];
    const policy = Policy.fromPartial({
      loadBalancing: { algorithm: 6, ringSize: 1024, hashHeader: "x-user" },
    });
    const rendered = renderer.render({
      name: "svc",
      version: 7,
      policy,
      routes: { ...canaryRoutes(), routeVersion: 7 },
      sortedEndpoints: () => endpoints,
    });
    assert.deepEqual([...rendered.subsets.keys()], ["v2", "v1"]);
    const cluster: Any = resourceNamed(rendered, "cluster", "svc/v2")?.message;
    assert.equal(cluster.name, "svc/v2");
    assert.deepEqual(cluster.eds_cluster_config.service_name, "svc/v2");
    assert.deepEqual(cluster.eds_cluster_config.eds_config.ads, {});
    assert.equal(cluster.lb_policy, "RING_HASH", "balanced like the whole service");
    const ports = (name: string) =>
      (resourceNamed(rendered, "endpoints", name) as Any).message.endpoints.flatMap((l: Any) =>
        l.lb_endpoints.map((e: Any) => e.endpoint.address.socket_address.port_value),
      );
    assert.deepEqual(ports("svc/v1"), [1, 3]);
    assert.deepEqual(ports("svc/v2"), [2]);
    assert.deepEqual(ports("svc"), [1, 2, 3, 4]);
    assert.equal((resourceNamed(rendered, "endpoints", "svc/v2") as Any).message.cluster_name, "svc/v2");
    assert.equal(resourceNamed(rendered, "cluster", "svc/v3"), undefined, "no such subset");
    assert.equal(resourceNamed(rendered, "route", "svc/v2"), undefined, "subsets have no route of their own");
    assert.equal(resourceNamed(rendered, "cluster", "svcx/v2"), undefined);
  });

  test("a service without a route table renders no subset and only the default route", () => {
    const rendered = new ResourceRenderer().render({
      name: "svc",
      version: 1,
      policy: undefined,
      routes: undefined,
      sortedEndpoints: () => [endpoint(1)],
    });
    assert.equal(rendered.subsets.size, 0);
    assert.deepEqual(
      (rendered.byKind.route.message as Any).virtual_hosts[0].routes.map((r: Any) => r.name),
      ["default"],
    );
  });
});
