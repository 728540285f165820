export type Align = "left" | "right";

export interface Column {
  readonly header: string;
  readonly align?: Align;
}

/** Visible length of a string that may hold ANSI colour codes. */
export function visibleLength(s: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escape sequences is the point
  return s.replace(/\x1b\[[0-9;]*m/g, "").length;
}

function pad(s: string, width: number, align: Align): string {
  const fill = " ".repeat(Math.max(0, width - visibleLength(s)));
  return align === "right" ? fill + s : s + fill;
}

/** A plain text table: one header line, then the rows, columns two spaces apart. */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string[] {
  const widths = columns.map((c, i) =>
    Math.max(visibleLength(c.header), ...rows.map((r) => visibleLength(r[i] ?? ""))),
  );
  const line = (cells: readonly string[]) =>
    columns
      .map((c, i) => pad(cells[i] ?? "", widths[i] ?? 0, c.align ?? "left"))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)];
}

export function percent(value: number | null, digits = 1): string {
  return value === null ? "-" : `${(value * 100).toFixed(digits)}%`;
}

export function ms(value: number): string {
  return value === 0 ? "-" : value < 10 ? value.toFixed(2) : value.toFixed(1);
}
