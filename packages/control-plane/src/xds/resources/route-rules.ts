/**
 * A service's route table as xDS Routes (gRFC A28 matchers and weighted clusters, A33 fault
 * injection per route). docs/xds.md has the mapping table; docs/routing.md the model.
 */
import type {
  DestinationTarget,
  ResolvedFault,
  ResolvedHeaderMatch,
  ResolvedRouteMatch,
  ResolvedRouteRule,
} from "@switchboard/core";
import { typeUrlOf } from "../type-urls.js";
import { duration, uint32 } from "./proto-values.js";

/** The fault filter: listed in the HttpConnectionManager before the router (doing nothing
 * there), and configured per route through typed_per_filter_config. */
export const FAULT_FILTER_NAME = "envoy.filters.http.fault";
export const HTTP_FAULT = typeUrlOf("envoy.extensions.filters.http.fault.v3.HTTPFault");

/** The Cluster a destination sends to: `<service>/<subset>` for a subset, the other service's
 * own Cluster for a service. */
export function destinationCluster(service: string, target: DestinationTarget): string {
  return target.kind === "subset" ? subsetClusterName(service, target.subset) : target.service;
}

/** The Cluster (and ClusterLoadAssignment) of one subset of a service. */
export function subsetClusterName(service: string, subset: string): string {
  return `${service}/${subset}`;
}

/** Shares as xDS FractionalPercent, per million (the precision route tables keep). */
function perMillion(value: number): { numerator: number; denominator: string } {
  return { numerator: value, denominator: "MILLION" };
}

function headerMatcher(h: ResolvedHeaderMatch): Record<string, unknown> {
  const t = h.test;
  switch (t.kind) {
    case "exact":
      return { name: h.name, exact_match: t.value, invert_match: h.invert };
    case "prefix":
      return { name: h.name, prefix_match: t.value, invert_match: h.invert };
    case "suffix":
      return { name: h.name, suffix_match: t.value, invert_match: h.invert };
    case "regex":
      return { name: h.name, safe_regex_match: { google_re2: {}, regex: t.source }, invert_match: h.invert };
    case "present":
      // "Absent" is "present", inverted: every gRPC client reads present_match true.
      return { name: h.name, present_match: true, invert_match: t.present === h.invert };
  }
}

/** RouteMatch: the gRPC path ("/package.Service/Method"), headers, runtime fraction. */
export function routeMatchFor(m: ResolvedRouteMatch): Record<string, unknown> {
  const method = m.method;
  const path =
    method.kind === "exact"
      ? { path: `/${method.method}` }
      : { prefix: method.kind === "service" ? `/${method.prefix}` : "/" };
  return {
    ...path,
    ...(m.headers.length > 0 ? { headers: m.headers.map(headerMatcher) } : {}),
    ...(m.runtimePerMillion !== undefined
      ? { runtime_fraction: { default_value: perMillion(m.runtimePerMillion) } }
      : {}),
  };
}

/** weighted_clusters: each destination that takes calls (a weight of 0 takes none, and some
 * clients refuse an empty share), weights as given (they add up to 100). */
export function weightedClustersFor(service: string, rule: ResolvedRouteRule): Record<string, unknown> {
  const clusters = rule.destinations
    .filter((d) => d.weight > 0)
    .map((d) => ({ name: destinationCluster(service, d.target), weight: uint32(d.weight) }));
  return { clusters };
}

/** typed_per_filter_config for the rule's fault (A33), or nothing without one. */
export function faultConfigFor(fault: ResolvedFault | undefined): Record<string, unknown> {
  if (!fault) return {};
  const config = {
    "@type": HTTP_FAULT,
    ...(fault.delay
      ? {
          delay: {
            fixed_delay: duration(fault.delay.delayMs),
            percentage: perMillion(fault.delay.perMillion),
          },
        }
      : {}),
    ...(fault.abort
      ? { abort: { grpc_status: fault.abort.code, percentage: perMillion(fault.abort.perMillion) } }
      : {}),
  };
  return { typed_per_filter_config: { [FAULT_FILTER_NAME]: config } };
}
