import { status } from "@grpc/grpc-js";

const BY_NAME = new Map<string, status>();
for (const [name, value] of Object.entries(status)) {
  if (typeof value === "number") BY_NAME.set(name, value);
}

/** gRPC status code for a name such as "UNAVAILABLE" (any case); undefined when unknown. */
export function statusFromName(name: string): status | undefined {
  return BY_NAME.get(name.trim().toUpperCase());
}

/** "UNAVAILABLE" for 14; the number as text for codes outside the gRPC set. */
export function statusName(code: number): string {
  return status[code] ?? String(code);
}
