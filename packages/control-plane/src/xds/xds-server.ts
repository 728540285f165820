import type { Server } from "@grpc/grpc-js";
import type { Clock } from "@switchboard/core";
import type { Logger } from "pino";
import type { DiscoveryHub } from "../hub/hub.js";
import type { SubscriberRow } from "../hub/subscriber-table.js";
import type { OutageShedder } from "../services/outage-shedder.js";
import type { RpcContext } from "../services/rpc.js";
import type { SubscriberInfo } from "../store/types.js";
import { AdsStreams } from "./ads-service.js";
import { csdsHandlers } from "./csds.js";
import { xdsServices } from "./protos.js";
import { ResourceRenderer } from "./resources/render.js";

export interface XdsServerOptions {
  readonly hub: DiscoveryHub;
  readonly clock: Clock;
  readonly logger: Logger;
  /** xDS streams this replica holds at most. */
  readonly maxStreams: number;
  /** Services one xDS stream may ask for. */
  readonly maxResourceNames: number;
  /** Refuses and ends streams while the store is unreachable. */
  readonly shedder: OutageShedder;
}

/** Per xDS stream: who it is and how many responses of each type it was sent. */
export interface XdsStreamStats {
  readonly nodeId: string;
  readonly responses: Readonly<Record<string, number>>;
}

/**
 * The xDS side of a replica: ADS (LDS, RDS, CDS, EDS, state of the world) and CSDS, fed by the
 * same hub as Discovery.Watch, so one change reaches native and xDS clients alike.
 */
export class XdsServer {
  private readonly renderer = new ResourceRenderer();
  private readonly ads: AdsStreams;

  constructor(
    private readonly ctx: RpcContext,
    private readonly opts: XdsServerOptions,
  ) {
    const { hub } = opts;
    this.ads = new AdsStreams(ctx, {
      host: {
        get epoch() {
          return hub.epoch;
        },
        entry: (service) => hub.entry(service),
        attach: (sub) => hub.attach(sub),
        detach: (sub) => hub.detach(sub),
        render: (entry) => this.renderer.render(entry),
        maxResourceNames: opts.maxResourceNames,
        nowMs: () => Math.floor(opts.clock.now()),
        changed: () => hub.tableChanged(),
      },
      maxStreams: opts.maxStreams,
      logger: opts.logger,
      nowMs: () => Math.floor(opts.clock.now()),
      onChange: () => hub.tableChanged(),
      shedder: opts.shedder,
    });
  }

  /** Adds ADS and CSDS to a grpc-js server. */
  addTo(server: Server): void {
    const services = xdsServices();
    server.addService(services.ads, { StreamAggregatedResources: this.ads.handler });
    server.addService(
      services.csds,
      csdsHandlers(this.ctx, () => this.ads.streams(), this.opts.logger),
    );
  }

  /** xDS clients as rows of the subscriber table (those that have said who they are). */
  subscriberRows(): readonly SubscriberRow[] {
    return this.ads.streams().filter((s) => s.node !== undefined);
  }

  localSubscribers(replicaId: string): SubscriberInfo[] {
    return this.subscriberRows().map((r) => r.toSubscriberInfo(replicaId));
  }

  stats(): XdsStreamStats[] {
    return this.ads.streams().map((s) => ({ nodeId: s.node?.id ?? "", responses: s.responseCounts() }));
  }

  get streamCount(): number {
    return this.ads.size;
  }

  /** Ends every xDS stream (on shutdown). */
  endAll(): void {
    this.ads.endAll();
  }

  /**
   * Test hook: serves `service`'s Cluster in a form every xDS client rejects (`reject` true), or
   * as it should be again (false). Shows how a rejected resource is reported; never use it in
   * production.
   */
  rejectClusterForTesting(service: string, reject: boolean): void {
    if (reject) this.renderer.rejectedClusters.add(service);
    else this.renderer.rejectedClusters.delete(service);
    for (const s of this.ads.streams()) s.schedule();
  }
}
