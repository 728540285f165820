/**
 * An endpoint's id, "host:port". An IPv6 host is bracketed ("[::1]:50051") so the port stays
 * unambiguous; a host already in brackets is taken as it is.
 */
export function formatEndpointId(host: string, port: number): string {
  const bracketed = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `${bracketed}:${port}`;
}
