import type { Endpoint } from "../gen/switchboard/v1/types.js";
import type { EndpointInfo } from "./endpoint-info.js";
import { type Health, healthToProto } from "./health.js";

/** What an Endpoint message says about one endpoint. */
export interface EndpointFields extends EndpointInfo {
  /** The health clients route on. */
  readonly health: Health;
  readonly adminDrained: boolean;
}

/** The wire form of an endpoint (metadata copied). */
export function endpointToProto(e: EndpointFields): Endpoint {
  return {
    id: e.id,
    host: e.host,
    port: e.port,
    zone: e.zone,
    weight: e.weight,
    metadata: { ...e.metadata },
    health: healthToProto(e.health),
    adminDrained: e.adminDrained,
  };
}
