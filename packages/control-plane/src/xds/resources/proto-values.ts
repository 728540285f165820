/** google.protobuf.Duration from milliseconds. */
export function duration(ms: number): { seconds: string; nanos: number } {
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: Math.round((ms - seconds * 1000) * 1_000_000) };
}

/** google.protobuf.UInt32Value. */
export function uint32(value: number): { value: number } {
  return { value };
}

/** A ConfigSource pointing at the stream the resource came on (ADS). */
export const ADS_CONFIG_SOURCE = { ads: {}, resource_api_version: "V3" } as const;
