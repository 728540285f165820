import { isServiceName } from "../endpoint/service-name.js";
import type {
  FaultInjection,
  HeaderMatch,
  RouteMatch,
  RouteRule,
  RouteTable,
  Subset,
  WeightedDestination,
} from "../gen/switchboard/v1/route.js";
import { Fallback } from "../gen/switchboard/v1/route.js";
import { statusFromName } from "../policy/status-codes.js";
import type { PolicyViolation } from "../policy/types.js";
import { HEADER_RE, num, retry, timeout, Violation } from "../policy/validate.js";
import { quote } from "../quote.js";
import { err, ok, type Result } from "../result.js";
import { ROUTE_LIMITS as L } from "./limits.js";
import { compileSafeRegex } from "./safe-regex.js";
import type {
  DestinationTarget,
  HeaderTest,
  MethodMatch,
  ResolvedDestination,
  ResolvedFault,
  ResolvedHeaderMatch,
  ResolvedRouteMatch,
  ResolvedRouteRule,
  ResolvedRouteTable,
  ResolvedSubset,
  RouteFallback,
} from "./types.js";

const NAME_RE = /^[a-z][a-z0-9-]*$/;

function name(value: string | undefined, f: string): string {
  const v = value ?? "";
  if (v === "") throw new Violation(f, "is required");
  if (v.length > L.nameMaxLength || !NAME_RE.test(v)) {
    throw new Violation(f, `${quote(v)} must be 1..63 of [a-z0-9-], starting with a letter`);
  }
  return v;
}

function headerName(value: string | undefined, f: string): string {
  const v = value ?? "";
  if (v === "") throw new Violation(f, "is required");
  if (v.length > L.headerNameMaxLength || !HEADER_RE.test(v)) {
    throw new Violation(f, `${quote(v)} is not a lowercase metadata key (1..128 of [a-z0-9-_.])`);
  }
  if (v.endsWith("-bin")) throw new Violation(f, `binary headers (${quote(v)}) cannot be matched`);
  if (v.startsWith("grpc-")) throw new Violation(f, `${quote(v)}: "grpc-" headers are reserved`);
  return v;
}

function text(value: string | undefined, f: string, allowEmpty = false): string {
  const v = value ?? "";
  if (!allowEmpty && v === "") throw new Violation(f, "must not be empty");
  if (v.length > L.valueMaxLength)
    throw new Violation(f, `has ${v.length} characters; at most ${L.valueMaxLength}`);
  return v;
}

/** A percent (0 < p <= 100, at most 4 decimals) as parts per million. */
function perMillion(value: number | undefined, f: string): number {
  if (value === undefined || value === null) throw new Violation(f, "is required");
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > 100) {
    throw new Violation(f, `must be more than 0 and at most 100 (got ${String(value)})`);
  }
  const ppm = Math.round(value * 10_000);
  if (Math.abs(ppm - value * 10_000) > 1e-6) {
    throw new Violation(f, `takes at most ${L.percentDecimals} decimals (got ${value})`);
  }
  return ppm;
}

function subset(s: Subset, f: string): ResolvedSubset {
  const entries = Object.entries(s.selector ?? {});
  if (entries.length === 0)
    throw new Violation(`${f}.selector`, 'needs at least one pair (such as version: "v2")');
  if (entries.length > L.maxSelectorPairs) {
    throw new Violation(`${f}.selector`, `has ${entries.length} pairs; at most ${L.maxSelectorPairs}`);
  }
  const selector = new Map<string, string>();
  for (const [k, v] of entries) {
    const kf = `${f}.selector[${quote(k)}]`;
    selector.set(text(k, kf), text(v, kf, true));
  }
  return { name: name(s.name, `${f}.name`), selector };
}

const METHOD_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*(\/[A-Za-z_][A-Za-z0-9_]*)?$/;

function methodMatch(raw: string | undefined, f: string): MethodMatch {
  const v = raw?.startsWith("/") ? raw.slice(1) : (raw ?? "");
  if (v === "") return { kind: "any" };
  if (v.length > 512 || !METHOD_RE.test(v) || !v.includes(".")) {
    throw new Violation(f, `${quote(v)} must be "package.Service/Method" or "package.Service"`);
  }
  return v.includes("/") ? { kind: "exact", method: v } : { kind: "service", prefix: `${v}/` };
}

function headerTest(h: HeaderMatch, f: string): HeaderTest {
  const k = h.kind;
  switch (k?.$case) {
    case "exact":
      return { kind: "exact", value: text(k.exact, `${f}.exact`, true) };
    case "prefix":
      return { kind: "prefix", value: text(k.prefix, `${f}.prefix`) };
    case "suffix":
      return { kind: "suffix", value: text(k.suffix, `${f}.suffix`) };
    case "safeRegex":
      return { kind: "regex", source: k.safeRegex, regex: compileSafeRegex(k.safeRegex, `${f}.safe_regex`) };
    case "present":
      return { kind: "present", present: k.present };
    default:
      throw new Violation(f, "needs one of exact, prefix, suffix, safe_regex or present");
  }
}

function headerMatch(h: HeaderMatch, f: string): ResolvedHeaderMatch {
  return { name: headerName(h.name, `${f}.name`), test: headerTest(h, f), invert: h.invert === true };
}

function routeMatch(m: RouteMatch | undefined, f: string): ResolvedRouteMatch {
  const headers = m?.headers ?? [];
  if (headers.length > L.maxHeaderMatches) {
    throw new Violation(`${f}.headers`, `has ${headers.length} matchers; at most ${L.maxHeaderMatches}`);
  }
  const rp = m?.runtimePercent;
  return {
    method: methodMatch(m?.method, `${f}.method`),
    headers: headers.map((h, i) => headerMatch(h, `${f}.headers[${i}]`)),
    runtimePerMillion: rp === undefined || rp === null ? undefined : perMillion(rp, `${f}.runtime_percent`),
  };
}

function target(
  d: WeightedDestination,
  subsets: ReadonlyMap<string, ResolvedSubset>,
  f: string,
): DestinationTarget {
  const t = d.target;
  if (t?.$case === "subset") {
    if (!subsets.has(t.subset)) {
      const known = [...subsets.keys()].map((s) => quote(s)).join(", ") || "none";
      throw new Violation(
        `${f}.subset`,
        `${quote(t.subset)} is not a subset of this table (subsets: ${known})`,
      );
    }
    return { kind: "subset", subset: t.subset };
  }
  if (t?.$case === "service") {
    if (!isServiceName(t.service)) {
      throw new Violation(
        `${f}.service`,
        `${quote(t.service)} is not a mesh service name (1..128 of [A-Za-z0-9._-])`,
      );
    }
    return { kind: "service", service: t.service };
  }
  throw new Violation(f, "needs a subset or a service");
}

function destinations(
  list: readonly WeightedDestination[] | undefined,
  subsets: ReadonlyMap<string, ResolvedSubset>,
  f: string,
): ResolvedDestination[] {
  const ds = list ?? [];
  if (ds.length === 0) throw new Violation(f, "needs at least one destination");
  if (ds.length > L.maxDestinations)
    throw new Violation(f, `has ${ds.length} destinations; at most ${L.maxDestinations}`);
  const out: ResolvedDestination[] = [];
  const seen = new Set<string>();
  let total = 0;
  ds.forEach((d, i) => {
    const df = `${f}[${i}]`;
    const weight = num(d.weight, { min: 0, max: L.weightTotal }, `${df}.weight`);
    const t = target(d, subsets, df);
    const label = t.kind === "subset" ? t.subset : `service:${t.service}`;
    if (seen.has(label)) throw new Violation(df, `names ${quote(label)} twice in one rule`);
    seen.add(label);
    total += weight;
    out.push({ weight, target: t, label });
  });
  if (total !== L.weightTotal) {
    throw new Violation(f, `weights add up to ${total}; they must add up to ${L.weightTotal}`);
  }
  return out;
}

function fault(fi: FaultInjection, f: string): ResolvedFault {
  const { delay, abort } = fi;
  if (!delay && !abort) throw new Violation(f, "needs a delay, an abort or both");
  let resolvedAbort: ResolvedFault["abort"];
  if (abort) {
    const code = statusFromName(abort.code ?? "");
    if (code === undefined || code === 0) {
      throw new Violation(
        `${f}.abort.code`,
        `${quote(abort.code ?? "")} is not a gRPC status name other than "OK"`,
      );
    }
    resolvedAbort = { code, perMillion: perMillion(abort.percent, `${f}.abort.percent`) };
  }
  return {
    delay: delay
      ? {
          delayMs: num(delay.delayMs, L.faultDelayMs, `${f}.delay.delay_ms`),
          perMillion: perMillion(delay.percent, `${f}.delay.percent`),
        }
      : undefined,
    abort: resolvedAbort,
  };
}

function fallback(value: Fallback | undefined, f: string): RouteFallback {
  switch (value ?? Fallback.FALLBACK_UNSPECIFIED) {
    case Fallback.FALLBACK_UNSPECIFIED:
    case Fallback.FALLBACK_FAIL:
      return "fail";
    case Fallback.FALLBACK_DEFAULT_ROUTE:
      return "default_route";
    default:
      throw new Violation(f, `unknown fallback ${String(value)}`);
  }
}

function rule(r: RouteRule, subsets: ReadonlyMap<string, ResolvedSubset>, f: string): ResolvedRouteRule {
  if (r.retry?.budget) {
    throw new Violation(
      `${f}.retry.budget`,
      "the retry budget is per service; set it in policy.retry.budget",
    );
  }
  const hashHeader = r.hashHeader ? headerName(r.hashHeader, `${f}.hash_header`) : "";
  return {
    name: name(r.name, `${f}.name`),
    match: routeMatch(r.match, `${f}.match`),
    destinations: destinations(r.destinations, subsets, `${f}.destinations`),
    hashHeader,
    timeoutMs: timeout(r.timeoutMs, `${f}.timeout_ms`),
    retry: r.retry ? retry(r.retry, `${f}.retry`) : undefined,
    fault: r.fault ? fault(r.fault, `${f}.fault`) : undefined,
    fallback: fallback(r.fallback, `${f}.fallback`),
  };
}

function resolve(t: RouteTable, f: string): ResolvedRouteTable {
  const rawSubsets = t.subsets ?? [];
  if (rawSubsets.length > L.maxSubsets) {
    throw new Violation(`${f}.subsets`, `has ${rawSubsets.length} subsets; at most ${L.maxSubsets}`);
  }
  const subsets = new Map<string, ResolvedSubset>();
  rawSubsets.forEach((s, i) => {
    const resolved = subset(s, `${f}.subsets[${i}]`);
    if (subsets.has(resolved.name)) {
      throw new Violation(`${f}.subsets[${i}].name`, `${quote(resolved.name)} is used twice`);
    }
    subsets.set(resolved.name, resolved);
  });
  const rawRules = t.rules ?? [];
  if (rawRules.length === 0)
    throw new Violation(`${f}.rules`, "needs at least one rule (to route nothing, delete the table)");
  if (rawRules.length > L.maxRules)
    throw new Violation(`${f}.rules`, `has ${rawRules.length} rules; at most ${L.maxRules}`);
  const names = new Set<string>();
  const rules = rawRules.map((r, i) => {
    const resolved = rule(r, subsets, `${f}.rules[${i}]`);
    if (names.has(resolved.name))
      throw new Violation(`${f}.rules[${i}].name`, `${quote(resolved.name)} is used twice`);
    names.add(resolved.name);
    return resolved;
  });
  const rawPropagate = t.propagateHeaders ?? [];
  if (rawPropagate.length > L.maxPropagateHeaders) {
    throw new Violation(
      `${f}.propagate_headers`,
      `has ${rawPropagate.length} names; at most ${L.maxPropagateHeaders}`,
    );
  }
  const propagateHeaders = rawPropagate.map((h, i) => headerName(h, `${f}.propagate_headers[${i}]`));
  if (new Set(propagateHeaders).size !== propagateHeaders.length) {
    throw new Violation(`${f}.propagate_headers`, "names a header twice");
  }
  return { routeVersion: Number(t.routeVersion ?? 0), subsets, rules, propagateHeaders };
}

/**
 * Checks a route table and normalises it. Fails with the first bad field, named by its proto
 * path under `root` (e.g. `routes.rules[1].destinations`: "weights add up to 90; …").
 */
export function validateRouteTable(
  table: RouteTable | undefined,
  root = "routes",
): Result<ResolvedRouteTable, PolicyViolation> {
  if (table === undefined) return err({ field: root, message: "is required" });
  try {
    return ok(resolve(table, root));
  } catch (e) {
    if (e instanceof Violation) return err({ field: e.field, message: e.message });
    throw e;
  }
}
