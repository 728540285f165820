import { STICKY_BUCKETS, stickyBucket } from "@switchboard/core";

/** The `skip`+1-th client id `<prefix>-<n>` inside (or outside) a `percent` cohort. */
export function cohortClientId(prefix: string, percent: number, inside: boolean, skip = 0): string {
  const limit = (percent / 100) * STICKY_BUCKETS;
  let found = 0;
  for (let i = 0; ; i++) {
    const id = `${prefix}-${i}`;
    if (stickyBucket(id) < limit === inside && found++ === skip) return id;
  }
}
