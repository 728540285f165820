/** How `preferLocalZone` reads an endpoint. */
export interface ZoneAccess<T> {
  /** The endpoint's zone ("" for none). */
  zoneOf(endpoint: T): string;
  /** Whether the endpoint may take calls now (serving, connected, not ejected...). */
  isHealthy(endpoint: T): boolean;
}

export interface ZoneSelection<T> {
  /** The healthy endpoints to balance over, in their original order. */
  readonly endpoints: readonly T[];
  /** True when only the local zone is used; false when every zone is (no local zone, or panic). */
  readonly localOnly: boolean;
}

/**
 * Zone preference: which endpoints to balance over. Pure; call it when the endpoint list or
 * health changes and build the picker over the result.
 *
 * The local zone's healthy endpoints are used alone while at least `minHealthyPercent` of the
 * local zone's endpoints (healthy or not) are healthy and at least one is. Below that (panic),
 * or with no local zone, the healthy endpoints of every zone are used, so a local outage spills
 * over to other zones instead of overloading the few local survivors. Unhealthy endpoints are
 * never returned; with none healthy anywhere the result is empty and the caller decides what
 * to do (e.g. queue the call until one recovers).
 */
export function preferLocalZone<T>(
  endpoints: readonly T[],
  access: ZoneAccess<T>,
  localZone: string | undefined,
  minHealthyPercent: number,
): ZoneSelection<T> {
  const healthy = endpoints.filter((e) => access.isHealthy(e));
  if (!localZone) return { endpoints: healthy, localOnly: false };
  const localTotal = endpoints.reduce((n, e) => (access.zoneOf(e) === localZone ? n + 1 : n), 0);
  const localHealthy = healthy.filter((e) => access.zoneOf(e) === localZone);
  const enough = localHealthy.length * 100 >= minHealthyPercent * localTotal;
  if (localHealthy.length > 0 && enough) return { endpoints: localHealthy, localOnly: true };
  return { endpoints: healthy, localOnly: false };
}
