/** Just enough Markdown reading for the docs tests: fenced blocks, headings and tables. */

export interface FencedBlock {
  /** The info string's first word ("ts", "sh", "json", ...). */
  readonly lang: string;
  readonly code: string;
  /** 1-based line of the block's first code line in its file. */
  readonly line: number;
  /** Body of an HTML comment `<!-- ts-context ... -->` right above the fence (hidden code the
   * block needs to compile), or "". */
  readonly context: string;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/;

/** Every fenced code block, in document order. */
export function fencedBlocks(text: string): FencedBlock[] {
  const lines = text.split("\n");
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? "");
    if (!open) continue;
    const marker = open[2] ?? "```";
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j] ?? "").trim().startsWith(marker)) body.push(lines[j++] ?? "");
    blocks.push({
      lang: (open[3] ?? "").toLowerCase(),
      code: body.join("\n"),
      line: i + 2,
      context: contextAbove(lines, i),
    });
    i = j;
  }
  return blocks;
}

function contextAbove(lines: readonly string[], fence: number): string {
  let end = fence - 1;
  while (end >= 0 && (lines[end] ?? "").trim() === "") end--;
  if (!(lines[end] ?? "").trim().endsWith("-->")) return "";
  let start = end;
  while (start >= 0 && !(lines[start] ?? "").includes("<!--")) start--;
  const comment = lines.slice(Math.max(start, 0), end + 1).join("\n");
  const m = /<!--\s*ts-context\b([\s\S]*?)-->/.exec(comment);
  return m ? (m[1] ?? "").trim() : "";
}

export interface Section {
  readonly heading: string;
  readonly level: number;
  readonly body: string;
}

/** Sections by heading (fenced blocks are skipped when looking for headings). Each section's
 * body runs to the next heading of the same or a higher level. */
export function sections(text: string): Section[] {
  const lines = text.split("\n");
  const heads: { index: number; level: number; heading: string }[] = [];
  let inFence = false;
  lines.forEach((line, index) => {
    if (FENCE.test(line)) inFence = !inFence;
    const m = inFence ? null : /^(#{1,6})\s+(.*)$/.exec(line);
    if (m) heads.push({ index, level: (m[1] ?? "").length, heading: (m[2] ?? "").trim() });
  });
  return heads.map((h, k) => {
    const next = heads.slice(k + 1).find((o) => o.level <= h.level);
    const body = lines.slice(h.index + 1, next ? next.index : lines.length).join("\n");
    return { heading: h.heading, level: h.level, body };
  });
}

/** The one section whose heading (backticks aside) is `heading`, or contains it when `exact` is
 * false; throws naming the file when there is not exactly one. */
export function section(text: string, heading: string, file: string, exact = true): Section {
  const found = sections(text).filter((s) => {
    const h = plain(s.heading);
    return exact ? h === heading : h.includes(heading);
  });
  if (found.length !== 1) {
    throw new Error(
      `${file}: expected one heading ${exact ? "" : "containing "}"${heading}", found ${found.length}`,
    );
  }
  return found[0] as Section;
}

/** The table row whose first cell names `key` (in backticks), or undefined. */
export function rowFor(rows: readonly string[][], key: string): string[] | undefined {
  return rows.find((cells) => plain(cells[0] ?? "") === key);
}

/** Cells of every table row in `body` (header and separator rows excluded). A `\|` inside a
 * cell is a literal pipe, as in GitHub Markdown. */
export function tableRows(body: string): string[][] {
  const rows: string[][] = [];
  const lines = body.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    if (!line.startsWith("|")) continue;
    const next = (lines[i + 1] ?? "").trim();
    if (/^\|?\s*:?-{3,}/.test(next)) {
      i++; // header row, then the separator
      continue;
    }
    rows.push(splitRow(line));
  }
  return rows;
}

function splitRow(line: string): string[] {
  const inner = line.replace(/^\|/, "").replace(/\|$/, "");
  return inner.split(/(?<!\\)\|/).map((cell) => cell.replace(/\\\|/g, "|").trim());
}

/** Text of a cell without code backticks. */
export function plain(cell: string): string {
  return cell.replace(/`/g, "");
}
