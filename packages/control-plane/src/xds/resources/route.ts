import {
  type ResolvedPolicy,
  type ResolvedRetry,
  type ResolvedRouteRule,
  type ResolvedRouteTable,
  statusName,
} from "@switchboard/core";
import { TYPE_URLS, type XdsMessage } from "../type-urls.js";
import { duration, uint32 } from "./proto-values.js";
import { faultConfigFor, routeMatchFor, weightedClustersFor } from "./route-rules.js";

/** The status codes a gRPC client retries on through xDS (gRFC A44), by their retry_on names. */
const XDS_RETRY_ON: ReadonlyMap<string, string> = new Map([
  ["CANCELLED", "cancelled"],
  ["DEADLINE_EXCEEDED", "deadline-exceeded"],
  ["INTERNAL", "internal"],
  ["RESOURCE_EXHAUSTED", "resource-exhausted"],
  ["UNAVAILABLE", "unavailable"],
]);

/** What one route sends with: a deadline cap, a retry policy and, for a sticky split, the
 * header to hash. */
interface RouteSettings {
  readonly timeoutMs: number | undefined;
  readonly retry: ResolvedRetry | undefined;
  readonly hashHeader?: string;
}

/** retry_policy (A44): retryable codes gRPC knows, attempts and backoff. Codes outside A44's
 * list stay SDK-only; with none left there is no retry policy. */
function retryPolicy(retry: ResolvedRetry | undefined): Record<string, unknown> | undefined {
  if (!retry || retry.maxAttempts < 2) return undefined;
  const on = retry.retryableCodes.map((c) => XDS_RETRY_ON.get(statusName(c))).filter((c) => c !== undefined);
  if (on.length === 0) return undefined;
  return {
    retry_on: on.join(","),
    num_retries: uint32(retry.maxAttempts - 1),
    retry_back_off: {
      base_interval: duration(retry.initialBackoffMs),
      max_interval: duration(Math.max(retry.initialBackoffMs, retry.maxBackoffMs)),
    },
  };
}

/** The route action: `target` is a cluster name or a weighted_clusters. */
function action(
  target: string | Record<string, unknown>,
  policy: ResolvedPolicy,
  s: RouteSettings,
): Record<string, unknown> {
  const lb = policy.loadBalancing;
  const retry = retryPolicy(s.retry);
  const hashHeader = s.hashHeader || (lb.algorithm === "ring_hash" ? lb.hashHeader : "");
  return {
    ...(typeof target === "string" ? { cluster: target } : { weighted_clusters: target }),
    // A31: the call's deadline is the shorter of the caller's and this one.
    ...(s.timeoutMs !== undefined
      ? { max_stream_duration: { max_stream_duration: duration(s.timeoutMs) } }
      : {}),
    ...(retry ? { retry_policy: retry } : {}),
    ...(hashHeader !== "" ? { hash_policy: [{ header: { header_name: hashHeader } }] } : {}),
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The match for a Policy.methods key, with its rank (most specific first, as the SDK picks). */
function matchFor(key: string): { readonly rank: number; readonly match: Record<string, unknown> } {
  if (key.includes("/")) return { rank: 0, match: { path: `/${key}` } };
  if (key.includes(".")) return { rank: 1, match: { prefix: `/${key}/` } };
  return { rank: 2, match: { safe_regex: { regex: `^/[^/]+/${escapeRegex(key)}$` } } };
}

/** One rule of a route table: its match, its weighted split, its overrides and its fault. A
 * rule's timeout and retry replace the policy's, as in the SDK. */
function ruleRoute(
  service: string,
  policy: ResolvedPolicy,
  rule: ResolvedRouteRule,
): Record<string, unknown> {
  return {
    name: `route:${rule.name}`,
    match: routeMatchFor(rule.match),
    route: action(weightedClustersFor(service, rule), policy, {
      timeoutMs: rule.timeoutMs ?? policy.timeoutMs,
      retry: rule.retry ?? policy.retry,
      hashHeader: rule.hashHeader,
    }),
    ...faultConfigFor(rule.fault),
  };
}

/**
 * The routes of a service: the route table's rules in order (the first match wins), then one
 * route per Policy.methods key (most specific first), then the default route to the whole
 * service. This is the one place that decides routes.
 */
export function routesFor(
  service: string,
  policy: ResolvedPolicy,
  table?: ResolvedRouteTable,
): Record<string, unknown>[] {
  const tableRoutes = (table?.rules ?? []).map((rule) => ruleRoute(service, policy, rule));
  const methodRoutes = [...policy.methods]
    .map(([key, o]) => ({ key, ...matchFor(key), o }))
    .sort((a, b) => a.rank - b.rank || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ key, match, o }) => ({
      name: key,
      match,
      route: action(service, policy, {
        timeoutMs: o.timeoutMs ?? policy.timeoutMs,
        retry: o.retry ?? policy.retry,
      }),
    }));
  const fallback = {
    name: "default",
    match: { prefix: "" },
    route: action(service, policy, { timeoutMs: policy.timeoutMs, retry: policy.retry }),
  };
  return [...tableRoutes, ...methodRoutes, fallback];
}

/** RouteConfiguration `<service>`: one virtual host for the service name. */
export function routeConfigurationFor(
  service: string,
  policy: ResolvedPolicy,
  table?: ResolvedRouteTable,
): XdsMessage {
  return {
    "@type": TYPE_URLS.route,
    name: service,
    virtual_hosts: [{ name: service, domains: [service, "*"], routes: routesFor(service, policy, table) }],
  };
}
