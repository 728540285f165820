/** Text styles for the terminal; `PLAIN` leaves text as it is (no TTY, or NO_COLOR). */
export interface Palette {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const sgr = (code: number) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;

export const COLORS: Palette = {
  bold: sgr(1),
  dim: sgr(2),
  red: sgr(31),
  green: sgr(32),
  yellow: sgr(33),
  cyan: sgr(36),
};

const same = (s: string) => s;
export const PLAIN: Palette = { bold: same, dim: same, red: same, green: same, yellow: same, cyan: same };

/** Screen control for the live view: an alternate screen, redrawn in place, cursor hidden. */
export const SCREEN = {
  enter: "\x1b[?1049h\x1b[?25l",
  leave: "\x1b[?25h\x1b[?1049l",
  home: "\x1b[H",
  clearLine: "\x1b[K",
  clearBelow: "\x1b[J",
} as const;
