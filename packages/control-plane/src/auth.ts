import { createHash, timingSafeEqual } from "node:crypto";
import { type Metadata, status } from "@grpc/grpc-js";
import { ControlPlaneError } from "./errors.js";
import { OPTION_TABLE } from "./option-table.js";

/** Which token an RPC needs. Health and reflection are open. */
export type AuthScope = "admin" | "registration" | "discovery";

export interface AuthTokens {
  readonly admin?: string | undefined;
  readonly registration?: string | undefined;
  readonly discovery?: string | undefined;
}

/** The environment variable that configures a scope's token (from the option table). */
export function tokenVariable(scope: AuthScope): string {
  return OPTION_TABLE.find((o) => o.name === `${scope}Token`)?.secretEnv ?? `${scope} token`;
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/**
 * Bearer-token checks per scope. Tokens are kept only as digests (in a private field, so the
 * options that carry this object reveal nothing when printed), compared in constant time, and
 * never logged.
 */
export class Authenticator {
  readonly #digests: ReadonlyMap<AuthScope, Buffer>;

  constructor(tokens: AuthTokens) {
    const m = new Map<AuthScope, Buffer>();
    for (const scope of ["admin", "registration", "discovery"] as const) {
      const token = tokens[scope];
      if (token !== undefined && token !== "") m.set(scope, digest(token));
    }
    this.#digests = m;
  }

  /** True when calls in this scope need a token. */
  requires(scope: AuthScope): boolean {
    return this.#digests.has(scope);
  }

  /** What this object shows when printed or logged: which scopes need a token, nothing more. */
  toJSON(): { readonly protected: readonly AuthScope[] } {
    return { protected: [...this.#digests.keys()] };
  }

  /** True when a token is configured for the scope and the metadata carries it (in any of its
   * authorization values): the caller holds that scope even on an RPC of another one (an
   * operator's registration, sending the registration token and then the admin token). */
  grants(scope: AuthScope, metadata: Metadata): boolean {
    const expected = this.#digests.get(scope);
    if (expected === undefined) return false;
    return bearerTokens(metadata).some((token) => timingSafeEqual(digest(token), expected));
  }

  /** True when a token is configured for the scope and `token` is it (a raw token, as the
   * dashboard's login form sends it), compared in constant time. */
  grantsToken(scope: AuthScope, token: string): boolean {
    const expected = this.#digests.get(scope);
    return expected !== undefined && timingSafeEqual(digest(token), expected);
  }

  /** Throws UNAUTHENTICATED unless the metadata carries the scope's bearer token. */
  check(scope: AuthScope, metadata: Metadata): void {
    const expected = this.#digests.get(scope);
    if (!expected) return;
    const presented = bearerToken(metadata);
    if (presented === undefined) {
      throw new ControlPlaneError(
        status.UNAUTHENTICATED,
        `${scope} calls need "authorization: Bearer <token>" metadata (the token configured as ${tokenVariable(scope)})`,
      );
    }
    if (!timingSafeEqual(digest(presented), expected)) {
      throw new ControlPlaneError(
        status.UNAUTHENTICATED,
        `the bearer token is not valid for ${scope} calls; use the token configured as ${tokenVariable(scope)}`,
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
