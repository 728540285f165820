import { type Palette, SCREEN } from "./ansi.js";
import { visibleLength } from "./table.js";
import { renderFrame, renderTickLine, type ViewModel } from "./view.js";

/** Where the demo shows itself: a live view redrawn in place, or plain lines (for logs and CI). */
export interface DemoOutput {
  /** Once a second, `atMs` into the run. */
  frame(model: ViewModel, atMs: number): void;
  /** Something happened (a phase began, an instance was ejected…), `atMs` into the run. */
  event(atMs: number, text: string): void;
  /** Restores the terminal. */
  close(): void;
}

function stamp(atMs: number): string {
  return `[${(atMs / 1000).toFixed(1).padStart(5)} s]`;
}

/** Cuts a line that may hold colour codes to `width` visible characters. */
function fit(line: string, width: number): string {
  if (visibleLength(line) <= width) return line;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing ANSI escape sequences is the point
  const plain = line.replace(/\x1b\[[0-9;]*m/g, "");
  return `${plain.slice(0, Math.max(0, width - 1))}…`;
}

/** The live view on a terminal: an alternate screen, redrawn every second. */
export class LiveView implements DemoOutput {
  private entered = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly palette: Palette,
  ) {}

  frame(model: ViewModel): void {
    if (!this.entered) {
      this.stream.write(SCREEN.enter);
      this.entered = true;
    }
    const width = this.stream.columns || 160;
    const lines = renderFrame(model, this.palette).map((l) => fit(l, width) + SCREEN.clearLine);
    this.stream.write(`${SCREEN.home}${lines.join("\n")}\n${SCREEN.clearBelow}`);
  }

  event(): void {
    // Events are part of each frame.
  }

  close(): void {
    if (this.entered) this.stream.write(SCREEN.leave);
    this.entered = false;
  }
}

/** Plain lines: every event as it happens, and a status line each second. */
export class PlainLog implements DemoOutput {
  constructor(private readonly stream: NodeJS.WritableStream) {}

  frame(model: ViewModel, atMs: number): void {
    this.stream.write(`${stamp(atMs)} ${renderTickLine(model)}\n`);
  }

  event(atMs: number, text: string): void {
    this.stream.write(`${stamp(atMs)} ${text}\n`);
  }

  close(): void {}
}
