import type { ResolvedOutlierDetection, ResolvedPolicy } from "@switchboard/core";
import { TYPE_URLS, typeUrlOf, type XdsMessage } from "../type-urls.js";
import { ADS_CONFIG_SOURCE, duration, uint32 } from "./proto-values.js";

const ROUND_ROBIN = typeUrlOf("envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin");
const LEAST_REQUEST = typeUrlOf("envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest");
const WRR_LOCALITY = typeUrlOf("envoy.extensions.load_balancing_policies.wrr_locality.v3.WrrLocality");

/** Longest a client waits to connect to an endpoint (the connect timeout of a Cluster). */
const CONNECT_TIMEOUT_MS = 5000;

function policyEntry(name: string, typedConfig: Record<string, unknown>): Record<string, unknown> {
  return { typed_extension_config: { name, typed_config: typedConfig } };
}

/**
 * least_request as a load_balancing_policy list (gRFC A52) inside wrr_locality (so locality
 * weights still apply): a client without least_request (A48) takes round_robin, the next entry,
 * instead of rejecting the Cluster as it does for an unknown lb_policy.
 */
function leastRequestPolicy(choiceCount: number): Record<string, unknown> {
  const endpointPicking = {
    policies: [
      policyEntry("envoy.load_balancing_policies.least_request", {
        "@type": LEAST_REQUEST,
        choice_count: uint32(choiceCount),
      }),
      policyEntry("envoy.load_balancing_policies.round_robin", { "@type": ROUND_ROBIN }),
    ],
  };
  return {
    policies: [
      policyEntry("envoy.load_balancing_policies.wrr_locality", {
        "@type": WRR_LOCALITY,
        endpoint_picking_policy: endpointPicking,
      }),
    ],
  };
}

/**
 * Balancing fields of the Cluster for the policy's algorithm (docs/xds.md has the table):
 * round_robin, random, weighted_round_robin → ROUND_ROBIN (gRPC clients have no random balancer,
 * and spread evenly within a locality: endpoint weights reach them through locality weights);
 * ring_hash → RING_HASH with the policy's ring size (A42); least_request and peak_ewma (the
 * closest load-aware policy a gRPC client has) → the least_request list.
 */
export function balancingFor(policy: ResolvedPolicy): Record<string, unknown> {
  const lb = policy.loadBalancing;
  switch (lb.algorithm) {
    case "ring_hash":
      return {
        lb_policy: "RING_HASH",
        ring_hash_lb_config: {
          minimum_ring_size: { value: String(lb.ringSize) },
          maximum_ring_size: { value: String(Math.max(lb.ringSize, 8 * lb.ringSize)) },
          hash_function: "XX_HASH",
        },
      };
    case "least_request":
    case "peak_ewma":
      return { load_balancing_policy: leastRequestPolicy(lb.choiceCount) };
    default:
      return { lb_policy: "ROUND_ROBIN" };
  }
}

/**
 * outlier_detection (A50) from the outlier breaker: the failure-percentage algorithm with the
 * breaker's window, rate and minimum calls; ejection for the breaker's open duration (not
 * growing). consecutive_5xx is for Envoy (gRPC clients ignore it); success-rate ejection is off.
 */
export function outlierDetectionFor(o: ResolvedOutlierDetection): Record<string, unknown> {
  const b = o.breaker;
  return {
    interval: duration(b.windowMs),
    base_ejection_time: duration(b.openDurationMs),
    max_ejection_time: duration(b.openDurationMs),
    max_ejection_percent: uint32(o.maxEjectionPercent),
    consecutive_5xx: uint32(b.consecutiveFailures),
    enforcing_consecutive_5xx: uint32(b.consecutiveFailures > 0 ? 100 : 0),
    enforcing_success_rate: uint32(0),
    failure_percentage_threshold: uint32(b.failureRatePercent),
    enforcing_failure_percentage: uint32(b.failureRatePercent > 0 ? 100 : 0),
    failure_percentage_minimum_hosts: uint32(1),
    failure_percentage_request_volume: uint32(b.minimumCalls),
  };
}

/** Cluster `<service>`: endpoints from EDS over ADS, balancing and ejection from the policy. */
export function clusterFor(service: string, policy: ResolvedPolicy): XdsMessage {
  return {
    "@type": TYPE_URLS.cluster,
    name: service,
    type: "EDS",
    eds_cluster_config: { eds_config: ADS_CONFIG_SOURCE, service_name: service },
    connect_timeout: duration(CONNECT_TIMEOUT_MS),
    ...balancingFor(policy),
    ...(policy.outlierDetection ? { outlier_detection: outlierDetectionFor(policy.outlierDetection) } : {}),
  };
}

/** A Cluster every xDS client rejects (its endpoints come from a file, not from ADS). Only the
 * test hook of XdsServer uses it, to show how a rejected resource is reported. */
export function rejectedClusterFor(service: string, policy: ResolvedPolicy): XdsMessage {
  return {
    ...clusterFor(service, policy),
    eds_cluster_config: {
      eds_config: { path_config_source: { path: "/switchboard/none" } },
      service_name: service,
    },
  };
}
