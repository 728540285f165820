/** Store records <-> proto messages. The only module that knows both shapes. */

import { effectiveHealth, endpointToProto as endpointFieldsToProto, healthToProto } from "@switchboard/core";
import type {
  EndpointStatus,
  ServiceSummary as ServiceSummaryProto,
  Subscriber,
  SubscriptionStatus,
} from "@switchboard/core/gen/switchboard/v1/admin.js";
import {
  type Endpoint,
  RemovalReason as RemovalReasonProto,
} from "@switchboard/core/gen/switchboard/v1/types.js";
import type {
  EndpointRecord,
  RemovalReason,
  ServiceSummary,
  SubscriberInfo,
  SubscriptionInfo,
} from "./store/types.js";

const REASON_TO_PROTO: Readonly<Record<RemovalReason, RemovalReasonProto>> = {
  DEREGISTERED: RemovalReasonProto.REMOVAL_REASON_DEREGISTERED,
  EXPIRED: RemovalReasonProto.REMOVAL_REASON_EXPIRED,
  ADMIN_REMOVED: RemovalReasonProto.REMOVAL_REASON_ADMIN_REMOVED,
};

export function removalReasonToProto(reason: RemovalReason): RemovalReasonProto {
  return REASON_TO_PROTO[reason] ?? RemovalReasonProto.REMOVAL_REASON_UNSPECIFIED;
}

/** An endpoint as clients see it (effective health). */
export function endpointToProto(e: EndpointRecord): Endpoint {
  return endpointFieldsToProto({ ...e, health: effectiveHealth(e) });
}

export function endpointStatusToProto(e: EndpointRecord, nowMs: number): EndpointStatus {
  return {
    endpoint: endpointToProto(e),
    registeredAt: new Date(e.registeredAtMs),
    renewedAt: new Date(e.renewedAtMs),
    expiresAt: new Date(e.expiresAtMs),
    leaseAgeMs: Math.max(0, Math.floor(nowMs - e.registeredAtMs)),
    reportedHealth: healthToProto(e.reportedHealth),
  };
}

export function summaryToProto(s: ServiceSummary): ServiceSummaryProto {
  return {
    service: s.service,
    version: s.version,
    endpoints: s.endpoints,
    serving: s.serving,
    notServing: s.notServing,
    draining: s.draining,
    hasPolicy: s.hasPolicy,
  };
}

function subscriptionToProto(s: SubscriptionInfo): SubscriptionStatus {
  return {
    service: s.service,
    sentVersion: s.sentVersion,
    ackedVersion: s.ackedVersion,
    nackCount: s.nackCount,
    lastNackVersion: s.lastNackVersion,
    lastNackReason: s.lastNackReason,
    // Absent in a table published by a replica that predates route tables.
    ackedRouteVersion: s.ackedRouteVersion ?? 0,
  };
}

/** A published subscriber; with `service`, only that service's subscription is kept. */
export function subscriberToProto(s: SubscriberInfo, service?: string): Subscriber {
  const subs = service ? s.subscriptions.filter((x) => x.service === service) : s.subscriptions;
  return {
    clientId: s.clientId,
    zone: s.zone,
    sdkVersion: s.sdkVersion,
    replicaId: s.replicaId,
    peer: s.peer,
    connectedAt: new Date(s.connectedAtMs),
    subscriptions: subs.map(subscriptionToProto),
    ...(s.xds
      ? { xds: { ...s.xds, types: s.xds.types.map((t) => ({ ...t, resourceNames: [...t.resourceNames] })) } }
      : {}),
  };
}
