/** Reads the messages, fields, enum values and comments of a .proto file (enough of proto3 for
 * the contract's own files: no options, no extensions). */

export interface ProtoField {
  readonly name: string;
  /** "uint32", "CircuitBreaker", "map<string, MethodPolicy>", ... */
  readonly type: string;
  readonly label: "optional" | "repeated" | "";
  /** The `//` comment lines right above the field, joined with spaces. */
  readonly comment: string;
}

export interface ProtoMessage {
  readonly name: string;
  readonly fields: ProtoField[];
  /** Names of the values of enums nested in this message. */
  readonly enumValues: string[];
}

const FIELD = /^(optional\s+|repeated\s+)?(map<\s*\w+\s*,\s*[\w.]+\s*>|[\w.]+)\s+(\w+)\s*=\s*\d+\s*;/;

export function parseProto(text: string): ProtoMessage[] {
  const messages: ProtoMessage[] = [];
  const stack: { kind: "message" | "enum"; message: ProtoMessage | undefined }[] = [];
  let comment: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("//")) {
      comment.push(line.replace(/^\/\/\s?/, ""));
      continue;
    }
    const open = /^(message|enum)\s+(\w+)\s*\{/.exec(line);
    const top = stack[stack.length - 1];
    if (open) {
      if (open[1] === "message") {
        const message: ProtoMessage = { name: open[2] ?? "", fields: [], enumValues: [] };
        messages.push(message);
        stack.push({ kind: "message", message });
      } else {
        stack.push({ kind: "enum", message: top?.message });
      }
    } else if (line.startsWith("}")) {
      stack.pop();
    } else if (top?.kind === "enum") {
      const value = /^(\w+)\s*=\s*\d+\s*;/.exec(line);
      if (value && top.message) top.message.enumValues.push(value[1] ?? "");
    } else if (top?.kind === "message" && top.message) {
      const f = FIELD.exec(line);
      if (f) {
        top.message.fields.push({
          name: f[3] ?? "",
          type: (f[2] ?? "").replace(/\s+/g, " "),
          label: (f[1]?.trim() ?? "") as ProtoField["label"],
          comment: comment.join(" "),
        });
      }
    }
    comment = [];
  }
  return messages;
}

/** "consecutive_failures" -> "consecutiveFailures" (the proto3 JSON name). */
export function jsonName(field: string): string {
  return field.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
