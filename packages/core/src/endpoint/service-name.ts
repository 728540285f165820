/** Mesh service names: 1..128 of [A-Za-z0-9._-]. The one rule, for requests, routes and clients. */
export const SERVICE_NAME_MAX_LENGTH = 128;
const SERVICE_NAME_RE = /^[A-Za-z0-9._-]+$/;

/** True for a valid mesh service name. */
export function isServiceName(value: string): boolean {
  return value.length > 0 && value.length <= SERVICE_NAME_MAX_LENGTH && SERVICE_NAME_RE.test(value);
}
