import { createHash, timingSafeEqual } from "node:crypto";
import { type Metadata, status } from "@grpc/grpc-js";
import { ControlPlaneError } from "./errors.js";

/** Which token an RPC needs. Health and reflection are open. */
export type AuthScope = "admin" | "registration" | "discovery";

export interface AuthTokens {
  readonly admin?: string | undefined;
  readonly registration?: string | undefined;
  readonly discovery?: string | undefined;
}

const ENV_NAME: Readonly<Record<AuthScope, string>> = {
  admin: "SWITCHBOARD_ADMIN_TOKEN",
  registration: "SWITCHBOARD_REGISTRATION_TOKEN",
  discovery: "SWITCHBOARD_DISCOVERY_TOKEN",
};

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/**
 * Bearer-token checks per scope. Tokens are kept only as digests, compared in constant time,
 * and never logged.
 */
export class Authenticator {
  private readonly digests: ReadonlyMap<AuthScope, Buffer>;

  constructor(tokens: AuthTokens) {
    const m = new Map<AuthScope, Buffer>();
    for (const scope of ["admin", "registration", "discovery"] as const) {
      const token = tokens[scope];
      if (token !== undefined && token !== "") m.set(scope, digest(token));
    }
    this.digests = m;
  }

  /** True when calls in this scope need a token. */
  requires(scope: AuthScope): boolean {
    return this.digests.has(scope);
  }

  /** True when a token is configured for the scope and the metadata carries it (in any of its
   * authorization values): the caller holds that scope even on an RPC of another one (an
   * operator's registration, sending the registration token and then the admin token). */
  grants(scope: AuthScope, metadata: Metadata): boolean {
    const expected = this.digests.get(scope);
    if (expected === undefined) return false;
    return bearerTokens(metadata).some((token) => timingSafeEqual(digest(token), expected));
  }

  /** Throws UNAUTHENTICATED unless the metadata carries the scope's bearer token. */
  check(scope: AuthScope, metadata: Metadata): void {
    const expected = this.digests.get(scope);
    if (!expected) return;
    const presented = bearerToken(metadata);
    if (presented === undefined) {
      throw new ControlPlaneError(
        status.UNAUTHENTICATED,
        `${scope} calls need "authorization: Bearer <token>" metadata (the token configured as ${ENV_NAME[scope]})`,
      );
    }
    if (!timingSafeEqual(digest(presented), expected)) {
      throw new ControlPlaneError(
        status.UNAUTHENTICATED,
        `the bearer token is not valid for ${scope} calls; use the token configured as ${ENV_NAME[scope]}`,
      );
    }
  }
}

function bearerTokens(metadata: Metadata): string[] {
  const tokens: string[] = [];
  for (const value of metadata.get("authorization")) {
    const text = typeof value === "string" ? value : value.toString("utf8");
    const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(text);
    if (m?.[1]) tokens.push(m[1]);
  }
  return tokens;
}

function bearerToken(metadata: Metadata): string | undefined {
  return bearerTokens(metadata)[0];
}
