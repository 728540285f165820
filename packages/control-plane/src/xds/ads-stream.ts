import { createHash } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { ControlPlaneError, invalidArgument } from "../errors.js";
import type { ServiceEntry } from "../hub/service-entry.js";
import { Subscription } from "../hub/subscription.js";
import type { SubscriberInfo, SubscriptionInfo } from "../store/types.js";
import { checkServiceName } from "../validation.js";
import type { DiscoveryRequestMessage, DiscoveryResponseMessage, XdsNodeMessage } from "./messages.js";
import { resourceNamed, type ServiceResources } from "./resources/render.js";
import { TypeState } from "./type-state.js";
import {
  KIND_LABEL,
  kindOfTypeUrl,
  RESOURCE_KINDS,
  type ResourceKind,
  type XdsMessage,
} from "./type-urls.js";

/** What an ADS stream needs from the rest of the control plane. */
export interface AdsStreamHost {
  /** The hub's current store epoch. */
  readonly epoch: string;
  entry(service: string): ServiceEntry | undefined;
  attach(subscription: Subscription): void;
  detach(subscription: Subscription): void;
  render(entry: ServiceEntry): ServiceResources;
  /** Distinct resource names one stream may ask for. */
  readonly maxResourceNames: number;
  nowMs(): number;
  /** Something shown in the subscriber table moved. */
  changed(): void;
}

/** Where responses go (the grpc-js call, or a test double). */
export interface AdsSink {
  /** false: wait for `onceDrain` before writing more. */
  write(response: DiscoveryResponseMessage): boolean;
  onceDrain(listener: () => void): void;
}

export interface XdsNode {
  readonly id: string;
  readonly cluster: string;
  readonly zone: string;
  readonly userAgent: string;
  /** As the client sent it (CSDS shows it back). */
  readonly message: XdsNodeMessage;
}

function nodeOf(message: XdsNodeMessage | null | undefined): XdsNode {
  const id = message?.id ?? "";
  if (!message || id === "") {
    throw invalidArgument(
      "node.id",
      "the first DiscoveryRequest must carry the node (its id from the bootstrap)",
    );
  }
  const agent = [message.user_agent_name, message.user_agent_version].filter(Boolean).join(" ");
  return {
    id,
    cluster: message.cluster ?? "",
    zone: message.locality?.zone ?? "",
    userAgent: agent,
    message,
  };
}

const isServiceName = (name: string): boolean => checkServiceName(name).ok;

/** The service a resource name belongs to: the name itself, or the service part of a subset's
 * `<service>/<subset>`; undefined for a name that is neither. */
export function serviceOfResource(name: string): string | undefined {
  const slash = name.indexOf("/");
  const service = slash < 0 ? name : name.slice(0, slash);
  if (slash >= 0 && slash === name.length - 1) return undefined;
  return isServiceName(service) ? service : undefined;
}

/**
 * One ADS stream (state of the world). Requests only record what the client wants and what it
 * acked or rejected; a change in the hub only schedules a flush. The flush, while the stream is
 * writable, renders the latest state of each type and sends it when its content differs from
 * what was last sent: a slow client gets the latest state, never a backlog, and a rejected
 * version is never sent again.
 */
export class AdsStream {
  node: XdsNode | undefined;
  private readonly types = new Map<ResourceKind, TypeState>();
  private readonly subs = new Map<string, Subscription>();
  private seq = 0;
  private scheduled = false;
  private waitingDrain = false;
  private closed = false;

  constructor(
    private readonly host: AdsStreamHost,
    private readonly sink: AdsSink,
    readonly peer: string,
    readonly connectedAtMs: number,
    private readonly noncePrefix: string,
  ) {}

  /** Applies one DiscoveryRequest; throws ControlPlaneError for a request the stream cannot take. */
  receive(req: DiscoveryRequestMessage): void {
    if (this.closed) return;
    this.node ??= nodeOf(req.node);
    const kind = kindOfTypeUrl(req.type_url ?? "");
    if (!kind) return; // a type this server does not serve: nothing to say about it
    let state = this.types.get(kind);
    if (!state) {
      state = new TypeState(kind);
      this.types.set(kind, state);
    }
    const nonce = req.response_nonce ?? "";
    if (nonce !== "" && state.sent?.nonce !== nonce) return; // stale: a newer response is on its way
    if (nonce === "") state.answerDue = true;
    else if (req.error_detail) state.nackedNonce(nonce, req.error_detail.message ?? "", this.host.nowMs());
    else state.ackedNonce(nonce);
    if (state.request(req.resource_names ?? [])) {
      state.answerDue = true;
      this.resubscribe();
    }
    this.host.changed();
    this.schedule();
  }

  /** Releases the hub subscriptions. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const sub of this.subs.values()) this.host.detach(sub);
    this.subs.clear();
  }

  typeStates(): readonly TypeState[] {
    return RESOURCE_KINDS.map((k) => this.types.get(k)).filter((s) => s !== undefined);
  }

  /** Responses sent so far, per type label (LDS, RDS, CDS, EDS). */
  responseCounts(): Record<string, number> {
    return Object.fromEntries(this.typeStates().map((s) => [KIND_LABEL[s.kind], s.responses]));
  }

  toSubscriberInfo(replicaId: string): SubscriberInfo {
    const node = this.node;
    const epoch = this.host.epoch;
    return {
      replicaId,
      clientId: node?.id ?? "",
      zone: node?.zone ?? "",
      sdkVersion: node?.userAgent ?? "",
      peer: this.peer,
      connectedAtMs: this.connectedAtMs,
      epoch,
      subscriptions: [...this.subs.keys()].sort().map((service) => this.progressOf(service, epoch)),
      xds: {
        nodeCluster: node?.cluster ?? "",
        userAgent: node?.userAgent ?? "",
        types: this.typeStates().map((s) => s.status()),
      },
    };
  }

  /** A service's progress over the types naming it: the oldest version acked by all of them. */
  private progressOf(service: string, epoch: string): SubscriptionInfo {
    let acked = Number.MAX_SAFE_INTEGER;
    let nacked = 0;
    let nackCount = 0;
    let reason = "";
    let reasonAt = -1;
    for (const s of this.typeStates()) {
      if (!s.names.includes(service)) continue;
      const p = s.serviceProgress(service, epoch);
      acked = Math.min(acked, p.acked);
      nacked = Math.max(nacked, p.nacked);
      nackCount += s.nackCount;
      if (s.nack && s.nack.atMs > reasonAt) {
        reasonAt = s.nack.atMs;
        reason = `${KIND_LABEL[s.kind]}: ${s.nack.reason}`;
      }
    }
    const ackedVersion = acked === Number.MAX_SAFE_INTEGER ? 0 : acked;
    const entry = this.host.entry(service);
    const sentVersion = entry?.version ?? 0;
    return {
      service,
      sentVersion,
      ackedVersion,
      nackCount,
      lastNackVersion: nacked,
      lastNackReason: reason,
      ackedRouteVersion: entry?.routeVersionAt(ackedVersion) ?? 0,
    };
  }

  private resubscribe(): void {
    const wanted = new Set<string>();
    for (const s of this.types.values()) {
      for (const n of s.names) {
        const service = serviceOfResource(n);
        if (service !== undefined) wanted.add(service);
      }
    }
    if (wanted.size > this.host.maxResourceNames) {
      const message = `at most ${this.host.maxResourceNames} services per xDS stream (asked for ${wanted.size})`;
      throw new ControlPlaneError(status.RESOURCE_EXHAUSTED, message);
    }
    for (const [service, sub] of this.subs) {
      if (wanted.has(service)) continue;
      this.subs.delete(service);
      this.host.detach(sub);
    }
    for (const service of wanted) {
      if (this.subs.has(service)) continue;
      const sub = new Subscription(service, this.host.epoch, 0, () => this.schedule());
      this.subs.set(service, sub);
      this.host.attach(sub);
    }
  }

  /** Something moved: flush once the current turn ends (many changes, one flush). */
  schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.closed || this.waitingDrain) return;
    for (const state of this.typeStates()) {
      const response = this.nextResponse(state);
      if (!response) continue;
      this.host.changed();
      if (!this.sink.write(response)) {
        this.waitingDrain = true;
        this.sink.onceDrain(() => {
          this.waitingDrain = false;
          this.schedule();
        });
        return;
      }
    }
  }

  /** The response a type needs now, or undefined (nothing new, or a service still loading). */
  private nextResponse(state: TypeState): DiscoveryResponseMessage | undefined {
    const resources = new Map<string, XdsMessage>();
    const serviceVersions = new Map<string, number>();
    const digest = createHash("sha256");
    for (const name of state.names) {
      const service = serviceOfResource(name);
      if (service === undefined) continue; // not a service: the client hears nothing of it
      const entry = this.host.entry(service);
      if (entry?.status !== "ready") return undefined;
      const rendered = this.host.render(entry);
      const resource = resourceNamed(rendered, state.kind, name);
      if (!resource) continue; // no such subset (any more): the client learns it does not exist
      resources.set(name, resource.message);
      serviceVersions.set(name, rendered.version);
      digest.update(`${name}=${resource.digest}\n`);
    }
    const version = digest.digest("hex").slice(0, 16);
    if (!state.answerDue && state.sent?.version === version) {
      state.stillCurrent(serviceVersions);
      return undefined;
    }
    state.answerDue = false;
    this.seq += 1;
    const nonce = `${this.noncePrefix}-${this.seq}`;
    state.sent = {
      nonce,
      version,
      resources,
      serviceVersions,
      epoch: this.host.epoch,
      atMs: this.host.nowMs(),
    };
    state.responses += 1;
    return { version_info: version, resources: [...resources.values()], type_url: state.typeUrl, nonce };
  }
}
