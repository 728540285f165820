/**
 * Header regexes are written in the RE2 subset (so the same table means the same thing to an xDS
 * client, whose matcher is RE2) and run on V8's backtracking engine in the SDK. So a pattern is
 * refused when it uses what RE2 lacks (backreferences, lookaround) or what makes backtracking
 * blow up: a repeated group that itself holds a repetition or alternatives, such as "(a+)+" or
 * "(a|aa)*". Alternatives outside a repeated group, classes and bounded repeats of single
 * characters stay allowed ("qa-[0-9]+|staff-(alice|bob)").
 */
import { Violation } from "../policy/validate.js";
import { quote } from "../quote.js";
import { ROUTE_LIMITS } from "./limits.js";

const UNSUPPORTED: ReadonlyArray<readonly [RegExp, string]> = [
  [/\\[1-9]|\\k</, "backreferences are not supported (RE2)"],
  [/\(\?<?[=!]/, "lookahead and lookbehind are not supported (RE2)"],
];

/** True when a group that holds a quantifier or an alternation is itself quantified. */
function hasNestedQuantifier(source: string): boolean {
  // Stack of "does this open group contain a quantifier".
  const stack: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") inClass = true;
    else if (c === "(") stack.push(false);
    else if (c === ")") {
      const inner = stack.pop() ?? false;
      const next = source[i + 1];
      const quantified = next === "*" || next === "+" || next === "?" || next === "{";
      if (inner && quantified && next !== "?") return true;
      if ((inner || quantified) && stack.length > 0) stack[stack.length - 1] = true;
    } else if ((c === "*" || c === "+" || c === "{" || c === "|") && stack.length > 0) {
      stack[stack.length - 1] = true;
    }
  }
  return false;
}

/** Checks a header regex and compiles it to match whole values. */
export function compileSafeRegex(source: string, field: string): RegExp {
  if (source.length === 0) throw new Violation(field, "must not be empty");
  if (source.length > ROUTE_LIMITS.regexMaxLength) {
    throw new Violation(field, `has ${source.length} characters; at most ${ROUTE_LIMITS.regexMaxLength}`);
  }
  for (const [re, why] of UNSUPPORTED) if (re.test(source)) throw new Violation(field, why);
  if (hasNestedQuantifier(source)) {
    throw new Violation(
      field,
      `${quote(source)} repeats a group holding a repetition or alternatives (such as "(a+)+" or "(a|aa)*"); rewrite it`,
    );
  }
  try {
    return new RegExp(`^(?:${source})$`, "u");
  } catch (e) {
    throw new Violation(
      field,
      `${quote(source)} is not a valid regular expression (${(e as Error).message})`,
    );
  }
}
