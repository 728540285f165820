import type { Metadata } from "@grpc/grpc-js";
import type {
  MethodMatch,
  MethodPolicyView,
  ResolvedRouteRule,
  ResolvedRouteTable,
  ResolvedSubset,
} from "@switchboard/core";
import { STICKY_BUCKETS, stickyBucket } from "@switchboard/core";
import { headerMatches, headerValue } from "./header-match.js";
import type { RouteRecord } from "./route-record.js";

/** Where one rule sends a share of its calls: a subset of the service, or another service. */
export interface RouteDestination {
  readonly rule: CompiledRule;
  /** The destination's label (the subset name, or "service:<name>"). */
  readonly label: string;
  readonly subset: ResolvedSubset | undefined;
  readonly service: string | undefined;
  /** Its stats and metric series, looked up once per table. */
  readonly record: RouteRecord;
}

/** A rule, ready for the per-call walk. */
export interface CompiledRule {
  /** The service whose table holds the rule. */
  readonly service: string;
  /** The compiled table it belongs to. */
  readonly router: Router;
  readonly name: string;
  readonly resolved: ResolvedRouteRule;
  readonly destinations: readonly RouteDestination[];
  /** End (exclusive) of each destination's range of the 1,000,000 buckets, in table order. */
  readonly ends: Float64Array;
  /** The method policy with this rule's timeout and retry in place of the policy's, by policy. */
  readonly policies: WeakMap<MethodPolicyView, MethodPolicyView>;
}

/** Makes the stats record of one destination of one rule. */
export type RecordFactory = (rule: string, destination: string) => RouteRecord;

/** Cached rule lists per call path: bounded, as a misbehaving caller may invent paths. */
const MAX_CACHED_PATHS = 4096;

function methodHolds(m: MethodMatch, path: string): boolean {
  const name = path.startsWith("/") ? path.slice(1) : path;
  if (m.kind === "any") return true;
  if (m.kind === "exact") return name === m.method;
  return name.startsWith(m.prefix);
}

function compileRule(
  router: Router,
  service: string,
  r: ResolvedRouteTable["rules"][number],
  table: ResolvedRouteTable,
  records: RecordFactory,
) {
  const ends = new Float64Array(r.destinations.length);
  const destinations: RouteDestination[] = [];
  const rule: CompiledRule = {
    router,
    service,
    name: r.name,
    resolved: r,
    destinations,
    ends,
    policies: new WeakMap(),
  };
  let end = 0;
  r.destinations.forEach((d, i) => {
    end += d.weight * (STICKY_BUCKETS / 100);
    ends[i] = end;
    destinations.push({
      rule,
      label: d.label,
      subset: d.target.kind === "subset" ? table.subsets.get(d.target.subset) : undefined,
      service: d.target.kind === "service" ? d.target.service : undefined,
      record: records(r.name, d.label),
    });
  });
  return rule;
}

/**
 * A route table compiled for the per-call decision. `decide` walks the rules that can match the
 * call's method (listed once per path), tests their headers and runtime share, and picks the
 * first match's destination: by the hash header's bucket (sticky) or at random by weight. It
 * allocates nothing, except a joined string for a header sent several times.
 */
export class Router {
  readonly rules: readonly CompiledRule[];
  private readonly byPath = new Map<string, readonly CompiledRule[]>();

  constructor(
    readonly service: string,
    readonly table: ResolvedRouteTable,
    records: RecordFactory,
    private readonly random: () => number,
  ) {
    this.rules = table.rules.map((r) => compileRule(this, service, r, table, records));
  }

  /** The destination for a call, or undefined when no rule matches (the whole service). */
  decide(path: string, metadata: Metadata, carried?: Metadata): RouteDestination | undefined {
    const rules = this.rulesFor(path);
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i] as CompiledRule;
      if (this.matches(rule, metadata, carried)) return this.destination(rule, metadata, carried);
    }
    return undefined;
  }

  private matches(rule: CompiledRule, metadata: Metadata, carried: Metadata | undefined): boolean {
    const { headers, runtimePerMillion } = rule.resolved.match;
    for (let i = 0; i < headers.length; i++) {
      if (!headerMatches(headers[i] as (typeof headers)[number], metadata, carried)) return false;
    }
    return runtimePerMillion === undefined || this.random() * STICKY_BUCKETS < runtimePerMillion;
  }

  private destination(
    rule: CompiledRule,
    metadata: Metadata,
    carried: Metadata | undefined,
  ): RouteDestination | undefined {
    const hashHeader = rule.resolved.hashHeader;
    const key = hashHeader ? headerValue(metadata, carried, hashHeader) : undefined;
    const bucket = key === undefined ? Math.floor(this.random() * STICKY_BUCKETS) : stickyBucket(key);
    const ends = rule.ends;
    for (let i = 0; i < ends.length; i++) {
      if (bucket < (ends[i] as number)) return rule.destinations[i];
    }
    return rule.destinations[rule.destinations.length - 1];
  }

  private rulesFor(path: string): readonly CompiledRule[] {
    let rules = this.byPath.get(path);
    if (rules === undefined) {
      rules = this.rules.filter((r) => methodHolds(r.resolved.match.method, path));
      if (this.byPath.size < MAX_CACHED_PATHS) this.byPath.set(path, rules);
    }
    return rules;
  }
}

/** The method policy for a call the rule matched: the rule's timeout and retry win over the policy's. */
export function routedPolicy(rule: CompiledRule, base: MethodPolicyView): MethodPolicyView {
  const { timeoutMs, retry } = rule.resolved;
  if (timeoutMs === undefined && retry === undefined) return base;
  let policy = rule.policies.get(base);
  if (!policy) {
    policy = { ...base, timeoutMs: timeoutMs ?? base.timeoutMs, retry: retry ?? base.retry };
    rule.policies.set(base, policy);
  }
  return policy;
}
