#!/usr/bin/env node
/**
 * Reads a .cpuprofile (from `pnpm bench <name> --cpu-prof DIR`) and prints where the time went:
 * self time by package and by function, the inclusive share of the outermost frames whose
 * file path contains `--under <text>`, and the longest uninterrupted stretches under a frame
 * (`--stretches <function@file:line text>`), i.e. how long it held the event loop.
 * Usage: node packages/bench/dist/profile-summary.js FILE [--top N] [--under TEXT] [--stretches TEXT]
 */
import { readFileSync } from "node:fs";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function frameName(cf: CallFrame): string {
  return `${cf.functionName || "(anonymous)"} ${cf.url.split("/").slice(-2).join("/")}:${cf.lineNumber + 1}`;
}

function packageOf(cf: CallFrame): string {
  const url = cf.url;
  if (url.includes("node_modules/")) {
    const rest = url.split("node_modules/").pop() ?? "";
    const parts = rest.split("/");
    return rest.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? rest);
  }
  for (const p of ["sdk", "control-plane", "bench"])
    if (url.includes(`/packages/${p}/`)) return `@switchboard/${p}`;
  if (url.startsWith("node:")) return "node";
  return url === "" ? cf.functionName || "(native)" : url;
}

function top(map: Map<string, number>, total: number, n: number): string[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, t]) => `${((t / total) * 100).toFixed(1).padStart(6)} %  ${k}`);
}

function add(map: Map<string, number>, key: string, t: number): void {
  map.set(key, (map.get(key) ?? 0) + t);
}

function main(): void {
  const args = process.argv.slice(2);
  const file = args[0];
  if (!file) throw new Error("usage: profile-summary FILE [--top N] [--under TEXT] [--stretches TEXT]");
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const n = Number(opt("--top") ?? 25);
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of p.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const chain = (id: number): CallFrame[] => {
    const out: CallFrame[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur);
      if (node) out.push(node.callFrame);
    }
    return out;
  };
  const bySelf = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const under = new Map<string, number>();
  const underText = opt("--under");
  const stretchText = opt("--stretches");
  const stretches: number[] = [];
  let stretch = 0;
  let busy = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const t = (p.timeDeltas[i + 1] ?? 0) / 1000;
    const frames = chain(p.samples[i] ?? 0);
    const leaf = frames[0];
    if (!leaf || leaf.functionName === "(idle)") continue;
    busy += t;
    add(bySelf, frameName(leaf), t);
    add(byPackage, packageOf(leaf), t);
    if (underText) {
      const outer = [...frames].reverse().find((cf) => cf.url.includes(underText));
      if (outer) add(under, frameName(outer), t);
    }
    if (stretchText) {
      const inside = frames.some((cf) =>
        `${cf.functionName}@${cf.url}:${cf.lineNumber + 1}`.includes(stretchText),
      );
      if (inside) stretch += t;
      else if (stretch > 0) {
        stretches.push(stretch);
        stretch = 0;
      }
    }
  }
  const lines = [
    `busy ${busy.toFixed(0)} ms (idle excluded)`,
    "-- self time by package",
    ...top(byPackage, busy, 12),
  ];
  lines.push("-- self time by function", ...top(bySelf, busy, n));
  if (underText) lines.push(`-- inclusive, outermost frames under "${underText}"`, ...top(under, busy, n));
  if (stretchText) {
    stretches.sort((a, b) => b - a);
    lines.push(
      `-- longest stretches under "${stretchText}", ms: ${stretches
        .slice(0, 10)
        .map((s) => s.toFixed(1))
        .join(" ")}`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

main();
