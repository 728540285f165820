/**
 * The policy reference, the proto comments and POLICY_LIMITS (packages/core/src/policy/defaults.ts,
 * the single source of policy defaults and ranges) say the same thing.
 *
 * docs/policy-reference.md has one section per message of proto/switchboard/v1/policy.proto,
 * headed by the message name, with a table whose columns are: Field (proto name, in backticks),
 * JSON, Type, Default, Range, What it does. A Default cell starts with the default; a Range cell
 * starts with "min..max", optionally bracketed ("(0..1]"). Every ```json example holding a
 * `policy` is a valid SetPolicy request: a live control plane accepts it (validate_only).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { type ControlPlane, createControlPlane } from "@switchboard/control-plane";
import { POLICY_LIMITS } from "@switchboard/sdk";
import { pino } from "pino";
import { fencedBlocks, plain, rowFor, section, tableRows } from "./support-docs/markdown.js";
import { jsonName, type ProtoField, type ProtoMessage, parseProto } from "./support-docs/proto.js";
import { BUF, readRepoFile } from "./support-docs/repo.js";

const run = promisify(execFile);

const DOC = "docs/policy-reference.md";
const PROTO = "proto/switchboard/v1/policy.proto";
const doc = readRepoFile(DOC);
const messages = parseProto(readRepoFile(PROTO));

interface Range {
  readonly default?: number;
  readonly min: number;
  readonly max: number;
}
interface CodeList {
  readonly default: readonly string[];
}
type Limit =
  | { readonly kind: "range"; readonly range: Range }
  | { readonly kind: "codes"; readonly codes: CodeList }
  | { readonly kind: "max-length"; readonly max: number }
  | { readonly kind: "map"; readonly maxEntries: number; readonly maxKeyLength: number };

/** The POLICY_LIMITS group of each message's fields. */
const GROUP: Readonly<Record<string, keyof typeof POLICY_LIMITS>> = {
  LoadBalancing: "loadBalancing",
  ZonePreference: "zonePreference",
  CircuitBreaker: "circuitBreaker",
  OutlierDetection: "outlierDetection",
  RetryPolicy: "retry",
  RetryBudget: "retryBudget",
  RateLimit: "rateLimit",
};

/** Limit paths (in POLICY_LIMITS) that some proto field has used; the last test checks all are. */
const used = new Set<string>();

function limitOf(message: string, field: ProtoField): Limit | undefined {
  const L = POLICY_LIMITS as unknown as Record<string, Record<string, unknown>>;
  let path: string | undefined;
  if (field.name === "timeout_ms") path = "timeoutMs";
  else if (message === "Policy" && field.name === "methods") path = "methods";
  else if (message === "LoadBalancing" && field.name === "hash_header")
    path = "loadBalancing.hashHeaderMaxLength";
  else if (GROUP[message]) path = `${GROUP[message]}.${jsonName(field.name)}`;
  if (!path) return undefined;
  const [group, key] = path.split(".") as [string, string | undefined];
  const value: unknown = key === undefined ? L[group] : L[group]?.[key];
  if (value === undefined) return undefined;
  used.add(path);
  if (typeof value === "number") return { kind: "max-length", max: value };
  const v = value as Record<string, unknown>;
  if (typeof v.maxEntries === "number") {
    return { kind: "map", maxEntries: v.maxEntries, maxKeyLength: v.maxKeyLength as number };
  }
  if (Array.isArray(v.default)) return { kind: "codes", codes: v as unknown as CodeList };
  return { kind: "range", range: v as unknown as Range };
}

function numberPattern(n: number): string {
  return String(n).replace(".", "\\.");
}

/** Fields whose proto comment need not restate the range: they share another field's. */
const COMMENT_EXEMPT = new Set(["MethodPolicy.timeout_ms"]);

function rowOf(message: ProtoMessage, field: ProtoField): string[] {
  const rows = tableRows(section(doc, message.name, DOC).body);
  const row = rowFor(rows, field.name);
  assert.ok(row, `${DOC}, section ${message.name}: no row for \`${field.name}\``);
  assert.equal(row.length, 6, `${DOC}, ${message.name}.${field.name}: expected 6 cells, got ${row.length}`);
  return row;
}

describe("the policy reference", () => {
  it("reads every message of policy.proto", () => {
    const names = messages.map((m) => m.name);
    for (const name of [
      "Policy",
      "MethodPolicy",
      "LoadBalancing",
      "CircuitBreaker",
      "RetryBudget",
      "RateLimit",
    ]) {
      assert.ok(names.includes(name), `${name} parsed from ${PROTO}`);
    }
    assert.ok(messages.every((m) => m.fields.length > 0));
  });

  it("documents every field of every message, with its JSON name and type", () => {
    for (const message of messages) {
      for (const field of message.fields) {
        const [, json, type] = rowOf(message, field);
        assert.equal(plain(json ?? ""), jsonName(field.name), `${message.name}.${field.name}: JSON name`);
        const bare = field.type.replace(/^map<.*,\s*/, "").replace(/>$/, "");
        assert.ok(
          plain(type ?? "").includes(bare),
          `${message.name}.${field.name}: type cell "${type}" lacks ${bare}`,
        );
      }
    }
  });

  it("states every default and range as POLICY_LIMITS has them", () => {
    for (const message of messages) {
      for (const field of message.fields) {
        const limit = limitOf(message.name, field);
        if (!limit) continue;
        const [, , , defaultCell = "", rangeCell = ""] = rowOf(message, field);
        const where = `${DOC} ${message.name}.${field.name}`;
        const d = plain(defaultCell);
        const r = plain(rangeCell);
        if (limit.kind === "range") {
          const { min, max, default: def } = limit.range;
          if (def !== undefined) {
            assert.match(
              d,
              new RegExp(`^${numberPattern(def)}(?![\\d.])`),
              `${where}: default should be ${def}`,
            );
          }
          assert.match(
            r,
            new RegExp(`^[(\\[]?${numberPattern(min)}\\.\\.${numberPattern(max)}(?![\\d.])`),
            `${where}: range should be ${min}..${max}`,
          );
        } else if (limit.kind === "codes") {
          for (const code of limit.codes.default)
            assert.ok(d.includes(code), `${where}: default lacks ${code}`);
        } else if (limit.kind === "max-length") {
          assert.ok(new RegExp(`\\b${limit.max}\\b`).test(r), `${where}: range should state ${limit.max}`);
        } else {
          assert.ok(
            r.includes(String(limit.maxEntries)) && r.includes(String(limit.maxKeyLength)),
            `${where}: range`,
          );
        }
      }
    }
  });

  it("lists every load-balancing algorithm", () => {
    const lb = messages.find((m) => m.name === "LoadBalancing");
    assert.ok(lb && lb.enumValues.length >= 7);
    for (const value of lb.enumValues) assert.ok(doc.includes(value), `${DOC} lacks ${value}`);
  });

  it("agrees with the defaults and ranges written in policy.proto's comments", () => {
    const mismatches: string[] = [];
    for (const message of messages) {
      for (const field of message.fields) {
        const limit = limitOf(message.name, field);
        const name = `${message.name}.${field.name}`;
        if (!limit || COMMENT_EXEMPT.has(name)) continue;
        const c = field.comment;
        if (limit.kind === "range") {
          const { min, max, default: def } = limit.range;
          const range =
            /[([]\s*(\d+(?:\.\d+)?)\s*\.\.\s*(\d+(?:\.\d+)?)/.exec(c) ??
            /> (\d+(?:\.\d+)?), <= (\d+(?:\.\d+)?)/.exec(c);
          if (!range) mismatches.push(`${name}: the comment states no range (${min}..${max})`);
          else if (Number(range[1]) !== min || Number(range[2]) !== max) {
            mismatches.push(`${name}: comment range ${range[1]}..${range[2]}, defaults.ts ${min}..${max}`);
          }
          if (def !== undefined) {
            const stated = /Default (\d+(?:\.\d+)?)\./.exec(c);
            if (!stated) mismatches.push(`${name}: the comment states no default (${def})`);
            else if (Number(stated[1]) !== def)
              mismatches.push(`${name}: comment default ${stated[1]}, defaults.ts ${def}`);
          }
        } else if (limit.kind === "codes") {
          const stated = /Default ([A-Z_]+(?:, [A-Z_]+)*)/.exec(c)?.[1]?.split(", ") ?? [];
          if (stated.join(",") !== limit.codes.default.join(",")) {
            mismatches.push(`${name}: comment default [${stated}], defaults.ts [${limit.codes.default}]`);
          }
        }
      }
    }
    assert.deepEqual(mismatches, [], `${PROTO} and defaults.ts disagree:\n${mismatches.join("\n")}`);
  });

  it("maps every entry of POLICY_LIMITS to a field (so a new limit cannot go undocumented)", () => {
    for (const message of messages) for (const field of message.fields) limitOf(message.name, field);
    const all: string[] = [];
    for (const [group, value] of Object.entries(POLICY_LIMITS)) {
      const v = value as Record<string, unknown>;
      if ("min" in v || "maxEntries" in v) all.push(group);
      else for (const key of Object.keys(v)) all.push(`${group}.${key}`);
    }
    assert.deepEqual(
      all.filter((path) => !used.has(path)),
      [],
    );
  });
});

describe("the policy examples", () => {
  let plane: ControlPlane;
  let address = "";

  before(async () => {
    plane = createControlPlane({
      listenAddress: "127.0.0.1:0",
      metricsListenAddress: "off",
      logger: pino({ level: "silent" }),
    });
    address = (await plane.start()).address;
  });
  after(() => plane.stop({ graceMs: 0 }));

  it("are accepted by SetPolicy", async () => {
    const examples = fencedBlocks(doc).filter((b) => b.lang === "json" && b.code.includes('"policy"'));
    assert.ok(examples.length >= 1, `${DOC} has a policy example`);
    for (const example of examples) {
      const request = { ...(JSON.parse(example.code) as Record<string, unknown>), validateOnly: true };
      const args = ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "-d", JSON.stringify(request)];
      const answer = await run(BUF, [...args, `http://${address}/switchboard.v1.Admin/SetPolicy`]).catch(
        (e: { stdout?: string; stderr?: string }) => {
          assert.fail(
            `${DOC}:${example.line}: SetPolicy refused the example: ${e.stdout ?? ""}${e.stderr ?? ""}`,
          );
        },
      );
      assert.match(answer.stdout, /"version"|\{\}/);
    }
  });
});
