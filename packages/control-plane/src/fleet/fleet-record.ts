import { ClientReport } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import type { ClientReportEntry } from "../store/types.js";

/** A client's latest report about one service, with who sent it and when it arrived. */
export interface FleetRecord {
  readonly clientId: string;
  readonly zone: string;
  readonly sdkVersion: string;
  /** The replica holding the client's stream. */
  readonly replicaId: string;
  /** Wall clock, whole ms. */
  readonly receivedAtMs: number;
  readonly report: ClientReport;
}

interface Encoded {
  readonly zone: string;
  readonly sdkVersion: string;
  readonly replicaId: string;
  /** ClientReport, protobuf, base64. */
  readonly report: string;
}

/** The store entry of a record (its client and time apart; the rest encoded). */
export function toEntry(record: FleetRecord): ClientReportEntry {
  const encoded: Encoded = {
    zone: record.zone,
    sdkVersion: record.sdkVersion,
    replicaId: record.replicaId,
    report: Buffer.from(ClientReport.encode(record.report).finish()).toString("base64"),
  };
  return {
    service: record.report.service,
    clientId: record.clientId,
    receivedAtMs: record.receivedAtMs,
    encoded: JSON.stringify(encoded),
  };
}

/** The record of a store entry; undefined when it does not decode (written by another version). */
export function fromEntry(entry: ClientReportEntry): FleetRecord | undefined {
  try {
    const e = JSON.parse(entry.encoded) as Encoded;
    return {
      clientId: entry.clientId,
      zone: String(e.zone ?? ""),
      sdkVersion: String(e.sdkVersion ?? ""),
      replicaId: String(e.replicaId ?? ""),
      receivedAtMs: entry.receivedAtMs,
      report: ClientReport.decode(Buffer.from(String(e.report), "base64")),
    };
  } catch {
    return undefined;
  }
}
