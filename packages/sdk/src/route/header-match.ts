import type { Metadata } from "@grpc/grpc-js";
import type { HeaderTest, ResolvedHeaderMatch } from "@switchboard/core";

/**
 * The value of header `name` for matching, read from the call's metadata, else from the served
 * call's (`carried`, the headers it will carry): absent (undefined), its only value, or its
 * values joined with "," when it was sent several times (the one case that builds a string).
 */
export function headerValue(
  metadata: Metadata,
  carried: Metadata | undefined,
  name: string,
): string | undefined {
  let values = metadata.get(name);
  if (values.length === 0 && carried !== undefined) values = carried.get(name);
  if (values.length === 0) return undefined;
  if (values.length === 1) return text(values[0]);
  return values.map(text).join(",");
}

function text(v: string | Buffer | undefined): string {
  return typeof v === "string" ? v : (v?.toString("latin1") ?? "");
}

function holds(test: HeaderTest, value: string | undefined): boolean {
  if (test.kind === "present") return (value !== undefined) === test.present;
  if (value === undefined) return false;
  switch (test.kind) {
    case "exact":
      return value === test.value;
    case "prefix":
      return value.startsWith(test.value);
    case "suffix":
      return value.endsWith(test.value);
    case "regex":
      return test.regex.test(value);
  }
}

/** One header matcher; `invert` holds exactly when the test does not (an absent header included). */
export function headerMatches(
  m: ResolvedHeaderMatch,
  metadata: Metadata,
  carried: Metadata | undefined,
): boolean {
  return holds(m.test, headerValue(metadata, carried, m.name)) !== m.invert;
}
