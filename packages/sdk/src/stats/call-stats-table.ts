import { CallStats, type CallStatsSnapshot } from "./call-stats.js";

/**
 * The `CallStats` of every (service, method) a client has called, created on first use.
 * Look a method's stats up once (when its call path is first seen) and keep the object:
 * recording then needs no lookup at all.
 */
export class CallStatsTable {
  private readonly services = new Map<string, Map<string, CallStats>>();

  /** The stats of one method of one mesh service, created empty on first use. */
  forMethod(service: string, method: string): CallStats {
    let methods = this.services.get(service);
    if (methods === undefined) {
      methods = new Map();
      this.services.set(service, methods);
    }
    let stats = methods.get(method);
    if (stats === undefined) {
      stats = new CallStats();
      methods.set(method, stats);
    }
    return stats;
  }

  /** Snapshots of every method, by service then method. */
  snapshot(): Record<string, Record<string, CallStatsSnapshot>> {
    const out: Record<string, Record<string, CallStatsSnapshot>> = {};
    for (const [service, methods] of this.services) {
      const perMethod: Record<string, CallStatsSnapshot> = {};
      for (const [method, stats] of methods) perMethod[method] = stats.snapshot();
      out[service] = perMethod;
    }
    return out;
  }

  /** Forgets a service (e.g. when the client stops calling it). */
  deleteService(service: string): void {
    this.services.delete(service);
  }
}
