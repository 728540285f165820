import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

/**
 * A process's default identity ("<hostname>-<pid>-<6 hex digits>"): a mesh client's clientId
 * and a control-plane replica's replicaId.
 */
export function defaultInstanceId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
}
