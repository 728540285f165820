/**
 * Reads the shell commands of a ```sh block the way a POSIX shell would split them into words,
 * for the simple commands the docs use: single and double quotes, backslash escapes and line
 * continuations, `$NAME` / `${NAME}` expansion. Pipes, redirections, command substitution and
 * `;` are refused, so every documented command can be run without a shell.
 */

export interface ShellCommand {
  /** The command as written (continuations joined). */
  readonly source: string;
  /** 1-based line of the command in its file. */
  readonly line: number;
  /** From a `# Fails: CODE` comment right above the command: the gRPC status it must end with. */
  readonly fails: string | undefined;
}

/** The commands of a shell block, comments dropped, continuations joined. */
export function shellCommands(code: string, firstLine: number): ShellCommand[] {
  const out: ShellCommand[] = [];
  const lines = code.split("\n");
  let fails: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let text = lines[i] ?? "";
    if (text.trim() === "") continue;
    if (text.trim().startsWith("#")) {
      const m = /^\s*#\s*Fails:\s*([A-Z_]+)/.exec(text);
      if (m) fails = m[1];
      continue;
    }
    while (text.endsWith("\\") && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i] ?? ""}`;
    out.push({ source: text.trim(), line: firstLine + start, fails });
    fails = undefined;
  }
  return out;
}

export type Expand = (name: string) => string;

const UNSUPPORTED = new Set(["|", ";", "&", ">", "<", "`"]);

/** Splits a command into words, expanding variables with `expand`. */
export function words(command: string, expand: Expand): string[] {
  const out: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  const variable = (): string => {
    const braced = command[i + 1] === "{";
    const m = (braced ? /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}/ : /^\$([A-Za-z_][A-Za-z0-9_]*)/).exec(
      command.slice(i),
    );
    if (!m) throw new Error(`unsupported "$" construct in: ${command}`);
    i += m[0].length;
    return expand(m[1] ?? "");
  };
  while (i < command.length) {
    const c = command[i] ?? "";
    if (/\s/.test(c)) {
      if (inWord) out.push(word);
      word = "";
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unclosed ' in: ${command}`);
      word += command.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (i < command.length && command[i] !== '"') {
        const d = command[i] ?? "";
        if (d === "\\" && '"\\$`'.includes(command[i + 1] ?? "")) {
          word += command[i + 1];
          i += 2;
        } else if (d === "$") {
          word += variable();
        } else if (d === "`") {
          throw new Error(`command substitution is not supported in: ${command}`);
        } else {
          word += d;
          i++;
        }
      }
      if (command[i] !== '"') throw new Error(`unclosed " in: ${command}`);
      i++;
    } else if (c === "\\") {
      word += command[i + 1] ?? "";
      i += 2;
    } else if (c === "$") {
      if (command[i + 1] === "(") throw new Error(`command substitution is not supported in: ${command}`);
      word += variable();
    } else if (UNSUPPORTED.has(c)) {
      throw new Error(`"${c}" is not supported in documented commands (run each command alone): ${command}`);
    } else {
      word += c;
      i++;
    }
  }
  if (inWord) out.push(word);
  return out;
}

/** Expansion that keeps the variable visible ("<NAME>"), for comparing commands as written. */
export const symbolic: Expand = (name) => `<${name}>`;
