/** What the SDK and the control plane both know of an endpoint: where it is and how to weigh it. */
export interface EndpointInfo {
  /** "host:port" (IPv6 hosts in brackets: "[::1]:50051"), as `formatEndpointId` makes it. */
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly zone: string;
  readonly weight: number;
  readonly metadata: Readonly<Record<string, string>>;
}
