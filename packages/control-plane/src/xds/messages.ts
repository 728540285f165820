/** The parts of xDS messages the server reads and writes, as @grpc/proto-loader decodes and
 * encodes them (field names as in the .proto files; only what is used here). */

export interface XdsNodeMessage {
  readonly id?: string;
  readonly cluster?: string;
  readonly locality?: { readonly region?: string; readonly zone?: string; readonly sub_zone?: string };
  readonly user_agent_name?: string;
  readonly user_agent_version?: string;
  readonly [field: string]: unknown;
}

export interface DiscoveryRequestMessage {
  readonly version_info?: string;
  readonly node?: XdsNodeMessage | null;
  readonly resource_names?: readonly string[];
  readonly type_url?: string;
  readonly response_nonce?: string;
  readonly error_detail?: { readonly code?: number; readonly message?: string } | null;
}

export interface DiscoveryResponseMessage {
  readonly version_info: string;
  readonly resources: readonly object[];
  readonly type_url: string;
  readonly nonce: string;
}

/** google.protobuf.Timestamp from epoch milliseconds. */
export function timestamp(ms: number): { seconds: string; nanos: number } {
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: Math.round((ms - seconds * 1000) * 1_000_000) };
}
