import type { ResolvedRouteTable } from "@switchboard/core";
import { Registry } from "prom-client";
import { ClientMetrics } from "../metrics/client-metrics.js";
import { RouteRecords } from "./route-record.js";
import { Router } from "./router.js";

/**
 * A route table of `service` compiled as a mesh client compiles it, with its stats and metrics on
 * `registry` (default: a registry of its own), for tools and benchmarks that drive the per-call
 * decision directly.
 */
export function createRouter(
  service: string,
  table: ResolvedRouteTable,
  options: { readonly random?: () => number; readonly registry?: Registry } = {},
): Router {
  const records = new RouteRecords(service, new ClientMetrics(options.registry ?? new Registry()));
  return new Router(
    service,
    table,
    (rule, label) => records.forDestination(rule, label),
    options.random ?? Math.random,
  );
}
