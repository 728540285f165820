/** "host:port" with a DNS name or IPv4 host, or "[v6]:port". */
const HOST_PORT_RE = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})$/;

/** A parsed address; `host` is as written (an IPv6 host keeps its brackets). */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Splits "host:port" ("[v6]:port" for IPv6), port 0..65535; undefined when it is not one. */
export function parseHostPort(value: string): HostPort | undefined {
  const m = HOST_PORT_RE.exec(value);
  const port = Number(m?.[2]);
  if (!m?.[1] || port > 65535) return undefined;
  return { host: m[1], port };
}
