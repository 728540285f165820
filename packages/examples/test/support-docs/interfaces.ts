/** Reads the members of an exported TypeScript interface, with their doc comments, from source
 * text, those of the interfaces it extends (declared in the same source) included (TypeScript 7
 * has no compiler API; the declarations this reads are plain enough). */

export interface Member {
  readonly key: string;
  /** The `/** … *\/` comment right above the member, without its markers; "" when none. */
  readonly doc: string;
}

export function interfaceMembers(source: string, name: string): Member[] {
  const lines = source.split("\n");
  const start = lines.findIndex((l) => new RegExp(`^export interface ${name}\\b.*\\{\\s*$`).test(l));
  if (start < 0) throw new Error(`interface ${name} not found`);
  // Members inherited from interfaces of the same source come first, as a reader sees them.
  const bases = /\bextends\s+([\w\s,]+?)\s*\{\s*$/.exec(lines[start] ?? "")?.[1]?.split(/\s*,\s*/) ?? [];
  const out: Member[] = bases.flatMap((base) => interfaceMembers(source, base));
  let doc: string[] = [];
  let inDoc = false;
  for (let i = start + 1; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    if (/^}/.test(lines[i] ?? "")) break;
    if (line.startsWith("/**")) {
      inDoc = !line.endsWith("*/");
      doc = [
        line
          .replace(/^\/\*\*/, "")
          .replace(/\*\/$/, "")
          .trim(),
      ];
      continue;
    }
    if (inDoc) {
      inDoc = !line.endsWith("*/");
      doc.push(
        line
          .replace(/^\*\/?/, "")
          .replace(/\*\/$/, "")
          .trim(),
      );
      continue;
    }
    const m = /^readonly (\w+)\??:/.exec(line);
    if (m) {
      out.push({ key: m[1] ?? "", doc: doc.join(" ").replace(/\s+/g, " ").trim() });
      doc = [];
    }
  }
  return out;
}

/** The literal defaults a doc comment states after "Default": a number right after it, `true` /
 * `false`, every "quoted" string and every `code` span after it. */
export function statedDefaults(doc: string): string[] {
  const m = /\bDefault:?\s+([\s\S]*)$/.exec(doc);
  if (!m) return [];
  const rest = m[1] ?? "";
  const out: string[] = [];
  const lead = /^(\d[\d_]*|true|false)\b/.exec(rest);
  if (lead) out.push((lead[1] ?? "").replace(/_/g, ""));
  for (const q of rest.matchAll(/"([^"]+)"/g)) out.push(q[1] ?? "");
  for (const c of rest.matchAll(/`([^`]+)`/g)) out.push(c[1] ?? "");
  return out.filter((s) => s !== "");
}
