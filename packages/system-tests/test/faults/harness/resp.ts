/**
 * One Redis command over a connection of its own, for the harness's few questions to
 * redis-server and redis-sentinel (replication state, who is master). No pooling, no
 * pipelining: a scenario asks a few times a second at most.
 */
import { Socket } from "node:net";

export type RespValue = string | number | null | RespValue[];

export class RespError extends Error {}

/** Sends `args` to 127.0.0.1:`port`; resolves with the reply, rejects on an error reply,
 * a closed connection or `timeoutMs` without an answer. */
export function redisCommand(port: number, args: readonly string[], timeoutMs = 1000): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let buffer = Buffer.alloc(0);
    const done = (error: Error | undefined, value?: RespValue) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(value ?? null);
    };
    socket.setTimeout(timeoutMs, () =>
      done(new Error(`:${port} did not answer ${args[0]} in ${timeoutMs} ms`)),
    );
    socket.once("error", (error) => done(error));
    socket.once("close", () => done(new Error(`:${port} closed the connection`)));
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const parsed = parse(buffer, 0);
      if (parsed === undefined) return;
      if (parsed.value instanceof RespError) done(parsed.value);
      else done(undefined, parsed.value);
    });
    socket.connect(port, "127.0.0.1", () => {
      const parts = args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`);
      socket.write(`*${args.length}\r\n${parts.join("")}`);
    });
  });
}

/** One reply from `at`, or undefined while it is incomplete. */
function parse(buf: Buffer, at: number): { value: RespValue | RespError; end: number } | undefined {
  const eol = buf.indexOf("\r\n", at);
  if (eol < 0) return undefined;
  const line = buf.toString("utf8", at + 1, eol);
  const next = eol + 2;
  switch (String.fromCharCode(buf[at] ?? 0)) {
    case "+":
      return { value: line, end: next };
    case "-":
      return { value: new RespError(line), end: next };
    case ":":
      return { value: Number(line), end: next };
    case "$": {
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      if (buf.length < next + n + 2) return undefined;
      return { value: buf.toString("utf8", next, next + n), end: next + n + 2 };
    }
    case "*": {
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let end = next;
      for (let i = 0; i < n; i++) {
        const item = parse(buf, end);
        if (item === undefined) return undefined;
        if (item.value instanceof RespError) return item;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      return { value: new RespError(`unexpected reply type ${JSON.stringify(line)}`), end: next };
  }
}
