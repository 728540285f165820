import { performance } from "node:perf_hooks";
import {
  type Metadata,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type sendUnaryData,
  status,
} from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { Authenticator } from "../auth.js";
import { observe, type RpcContext, serviceError, toStatus } from "../services/rpc.js";
import type { AdsStream } from "./ads-stream.js";
import { timestamp } from "./messages.js";
import type { TypeState } from "./type-state.js";

interface StringMatcher {
  readonly exact?: string;
  readonly prefix?: string;
}

export interface ClientStatusRequestMessage {
  readonly node_matchers?: readonly { readonly node_id?: StringMatcher | null }[];
  readonly exclude_resource_contents?: boolean;
}

function matches(m: StringMatcher | null | undefined, id: string): boolean {
  if (!m) return true;
  if (m.exact !== undefined) return id === m.exact;
  if (m.prefix !== undefined) return id.startsWith(m.prefix);
  return true;
}

/** Each resource of a type as the client holds it: ACKED, NACKED (with the rejected version
 * and why) or REQUESTED (sent, not answered yet). */
function configsOf(state: TypeState, withContents: boolean): object[] {
  const sent = state.sent;
  if (!sent) return [];
  const rejected = state.nack && state.nack.version === sent.version ? state.nack : undefined;
  const current = state.acked?.version === sent.version;
  return [...sent.resources.keys()].map((name) => {
    const held = state.acked?.resources.get(name);
    const common = {
      type_url: state.typeUrl,
      name,
      ...(withContents && held ? { xds_config: held } : {}),
    };
    if (rejected) {
      return {
        ...common,
        version_info: state.acked?.version ?? "",
        config_status: "ERROR",
        client_status: "NACKED",
        error_state: {
          last_update_attempt: timestamp(rejected.atMs),
          details: rejected.reason,
          version_info: rejected.version,
        },
      };
    }
    return {
      ...common,
      version_info: current ? sent.version : (state.acked?.version ?? ""),
      last_updated: timestamp((current ? sent : state.acked)?.atMs ?? sent.atMs),
      config_status: current ? "SYNCED" : "STALE",
      client_status: current ? "ACKED" : "REQUESTED",
    };
  });
}

/** One ClientStatusResponse: every xDS client on this replica the request's node matchers pick. */
export function clientStatus(streams: readonly AdsStream[], req: ClientStatusRequestMessage): object {
  const matchers = req.node_matchers ?? [];
  const config = streams
    .filter((s) => s.node !== undefined)
    .filter((s) => matchers.length === 0 || matchers.some((m) => matches(m.node_id, s.node?.id ?? "")))
    .map((s) => ({
      node: s.node?.message,
      generic_xds_configs: s.typeStates().flatMap((t) => configsOf(t, !req.exclude_resource_contents)),
    }));
  return { config };
}

/** CSDS takes the discovery token (it shows what Discovery streams show) or the admin token. */
function authorizeCsds(auth: Authenticator, call: { readonly metadata: Metadata }): void {
  try {
    auth.check("discovery", call.metadata);
  } catch (error) {
    if (!auth.requires("admin")) throw error;
    try {
      auth.check("admin", call.metadata);
    } catch {
      throw error;
    }
  }
}

/** envoy.service.status.v3.ClientStatusDiscoveryService handlers over this replica's streams. */
export function csdsHandlers(ctx: RpcContext, streams: () => readonly AdsStream[], logger: Logger) {
  const log = logger.child({ component: "csds" });
  const fetch = "ClientStatusDiscoveryService/FetchClientStatus";
  const stream = "ClientStatusDiscoveryService/StreamClientStatus";
  return {
    FetchClientStatus: (
      call: ServerUnaryCall<ClientStatusRequestMessage, object>,
      callback: sendUnaryData<object>,
    ): void => {
      const started = performance.now();
      try {
        authorizeCsds(ctx.auth, call);
        callback(null, clientStatus(streams(), call.request));
        observe(ctx, fetch, status.OK, started);
      } catch (error) {
        const s = toStatus(error, log, fetch);
        observe(ctx, fetch, s.code, started);
        callback(serviceError(s));
      }
    },
    StreamClientStatus: (call: ServerDuplexStream<ClientStatusRequestMessage, object>): void => {
      const started = performance.now();
      try {
        authorizeCsds(ctx.auth, call);
      } catch (error) {
        const s = toStatus(error, log, stream);
        observe(ctx, stream, s.code, started);
        call.emit("error", { code: s.code, details: s.details });
        return;
      }
      call.on("data", (req: ClientStatusRequestMessage) => call.write(clientStatus(streams(), req)));
      call.on("end", () => {
        observe(ctx, stream, status.OK, started);
        call.end();
      });
    },
  };
}
