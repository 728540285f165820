/**
 * Turns the shell blocks of a doc into a plan of steps to run: each grpcurl command paired with
 * the `buf curl` command documented for it, each with what it must answer. The conventions
 * are listed in docs-grpcurl.test.ts.
 */

import { type Translation, translateGrpcurl } from "./grpcurl.js";
import { fencedBlocks } from "./markdown.js";
import { type ShellCommand, shellCommands, symbolic, words } from "./shell.js";

export interface Expectation {
  readonly lang: "json" | "text";
  readonly body: string;
  readonly line: number;
}

export interface Step {
  readonly file: string;
  readonly grpcurl: ShellCommand | undefined;
  /** The documented buf curl command; undefined for `grpcurl describe` and for `curl`. */
  buf: ShellCommand | undefined;
  /** A plain `curl` of the metrics endpoint. */
  readonly curl: ShellCommand | undefined;
  readonly translation: Translation | undefined;
  fails: string | undefined;
  expect: Expectation | undefined;
}

export interface Plan {
  readonly steps: Step[];
  readonly problems: string[];
}

/** Words of a buf curl command as the translation writes them ("npx" dropped). */
export function bufWords(command: string, expand = symbolic): string[] {
  const w = words(command, expand);
  return w[0] === "npx" ? w.slice(1) : w;
}

function isBuf(command: string): boolean {
  return /^(npx\s+)?buf\s+curl\b/.test(command);
}

export function planDoc(file: string, text: string): Plan {
  const steps: Step[] = [];
  const problems: string[] = [];
  const pending: Step[] = [];
  let lastInBlock: Step | undefined;
  for (const block of fencedBlocks(text)) {
    if ((block.lang === "json" || block.lang === "text") && lastInBlock) {
      lastInBlock.expect = { lang: block.lang, body: block.code, line: block.line };
      lastInBlock = undefined;
      continue;
    }
    lastInBlock = undefined;
    if (block.lang !== "sh" && block.lang !== "bash") continue;
    for (const command of shellCommands(block.code, block.line)) {
      const where = `${file}:${command.line}`;
      try {
        if (command.source.startsWith("grpcurl ")) {
          const translation = translateGrpcurl(words(command.source, symbolic));
          const step: Step = {
            file,
            grpcurl: command,
            buf: undefined,
            curl: undefined,
            translation,
            fails: command.fails,
            expect: undefined,
          };
          steps.push(step);
          if (translation.kind === "buf") pending.push(step);
          lastInBlock = step;
        } else if (isBuf(command.source)) {
          const step = pending.shift();
          if (step?.translation?.kind !== "buf") {
            problems.push(`${where}: buf curl command without a grpcurl command before it`);
            continue;
          }
          const expected = step.translation.argv.join(" ");
          const written = bufWords(command.source).join(" ");
          if (written !== expected) {
            problems.push(
              `${where}: buf curl command does not match the grpcurl one at line ${step.grpcurl?.line}:\n  written:  ${written}\n  expected: ${expected}`,
            );
          }
          if (command.fails !== step.fails) {
            problems.push(
              `${where}: "# Fails:" differs from the grpcurl command at line ${step.grpcurl?.line}`,
            );
          }
          step.buf = command;
          lastInBlock = step;
        } else if (/^curl\s/.test(command.source)) {
          const step: Step = {
            file,
            grpcurl: undefined,
            buf: undefined,
            curl: command,
            translation: undefined,
            fails: undefined,
            expect: undefined,
          };
          steps.push(step);
          lastInBlock = step;
        }
      } catch (e) {
        problems.push(`${where}: ${(e as Error).message}`);
      }
    }
  }
  for (const step of pending) {
    problems.push(`${file}:${step.grpcurl?.line}: grpcurl command without its buf curl equivalent after it`);
  }
  return { steps, problems };
}

/** Every key of `documented` must exist in `actual` with a value of the same JSON type; arrays
 * are compared by their first element. Returns the differences, as paths. */
export function shapeDifferences(documented: unknown, actual: unknown, path = "$"): string[] {
  const kind = (v: unknown): string => (Array.isArray(v) ? "array" : v === null ? "null" : typeof v);
  if (kind(documented) !== kind(actual))
    return [`${path}: documented ${kind(documented)}, got ${kind(actual)}`];
  if (Array.isArray(documented) && Array.isArray(actual)) {
    if (documented.length === 0) return [];
    if (actual.length === 0) return [`${path}: documented a non-empty array, got []`];
    return shapeDifferences(documented[0], actual[0], `${path}[0]`);
  }
  if (kind(documented) === "object") {
    const d = documented as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    return Object.keys(d).flatMap((key) =>
      key in a
        ? shapeDifferences(d[key], a[key], `${path}.${key}`)
        : [`${path}.${key}: missing from the answer`],
    );
  }
  return [];
}
