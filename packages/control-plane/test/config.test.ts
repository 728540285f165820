import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Metadata } from "@grpc/grpc-js";
import { type ConfigError, isConfigError } from "../src/errors.js";
import { parseCommandLine, resolveControlPlaneOptions } from "../src/index.js";

function thrown(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(isConfigError(e), `expected a ConfigError, got ${String(e)}`);
    return e;
  }
  throw new Error("expected a ConfigError");
}

function configError(fn: () => unknown): string {
  return thrown(fn).message;
}

function bearer(token: string): Metadata {
  const m = new Metadata();
  m.set("authorization", `Bearer ${token}`);
  return m;
}

function tokenDir(files: Record<string, string>): (name: string) => string {
  const dir = mkdtempSync(join(tmpdir(), "sb-cli-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return (name) => join(dir, name);
}

describe("configuration", () => {
  it("documents and applies the defaults", () => {
    const o = resolveControlPlaneOptions({});
    assert.equal(o.listenAddress, "127.0.0.1:7400");
    assert.equal(o.metricsListenAddress, "127.0.0.1:7401");
    assert.equal(o.redisUrl, undefined);
    assert.equal(o.defaultLeaseTtlMs, 10_000);
    assert.equal(o.minLeaseTtlMs, 1000);
    assert.equal(o.maxLeaseTtlMs, 60_000);
    assert.equal(o.maxSubscriptionsPerStream, 1000);
    assert.equal(o.reaperIntervalMs, 250);
    assert.match(o.replicaId, /-\d+-[0-9a-f]{6}$/);
  });

  it("reads flags over environment variables, tokens from the environment or files", () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-cli-"));
    writeFileSync(join(dir, "reg"), "reg-from-file\n");
    const cmd = parseCommandLine(
      [
        "--listen",
        "0.0.0.0:9000",
        "--metrics-listen=off",
        "--lease-ttl-ms",
        "3000",
        "--registration-token-file",
        join(dir, "reg"),
      ],
      {
        SWITCHBOARD_LISTEN: "127.0.0.1:1",
        REDIS_URL: "redis://127.0.0.1:6390",
        SWITCHBOARD_ADMIN_TOKEN: "adm",
      },
    );
    assert.equal(cmd.kind, "run");
    if (cmd.kind !== "run") return;
    const o = resolveControlPlaneOptions(cmd.options);
    assert.equal(o.listenAddress, "0.0.0.0:9000");
    assert.equal(o.metricsListenAddress, undefined);
    assert.equal(o.redisUrl, "redis://127.0.0.1:6390");
    assert.equal(o.defaultLeaseTtlMs, 3000);
    assert.doesNotThrow(() => o.authenticator.check("admin", bearer("adm")));
    assert.throws(() => o.authenticator.check("admin", bearer("reg-from-file")));
    assert.doesNotThrow(() => o.authenticator.check("registration", bearer("reg-from-file")));
    assert.equal(o.authenticator.requires("discovery"), false);
  });

  it("rejects bad values naming the flag or variable", () => {
    assert.match(
      configError(() => parseCommandLine(["--lease-ttl-ms", "soon"], {})),
      /^--lease-ttl-ms: must be a whole number/,
    );
    assert.match(
      configError(() => parseCommandLine(["--listen", "nope"], {})),
      /^--listen \(SWITCHBOARD_LISTEN\): must be "host:port"/,
    );
    assert.match(
      configError(() => parseCommandLine([], { SWITCHBOARD_MAX_LEASE_TTL_MS: "x" })),
      /^SWITCHBOARD_MAX_LEASE_TTL_MS: /,
    );
    assert.match(
      configError(() => parseCommandLine(["--min-lease-ttl-ms", "5000", "--max-lease-ttl-ms", "10"], {})),
      /^--max-lease-ttl-ms/,
    );
    assert.match(
      configError(() => parseCommandLine(["--bogus"], {})),
      /^--bogus: unknown flag/,
    );
    assert.match(
      configError(() => parseCommandLine(["--admin-token", "x"], {})),
      /^--admin-token: tokens are not accepted as flags/,
    );
    assert.match(
      configError(() => parseCommandLine(["--tls-cert", "/c.pem"], {})),
      /^--tls-key/,
    );
    assert.match(
      configError(() => parseCommandLine(["--log-level", "loud"], {})),
      /^--log-level/,
    );
    assert.match(
      configError(() => parseCommandLine(["--redis-url", "http://x"], {})),
      /^--redis-url/,
    );
    assert.match(
      configError(() => resolveControlPlaneOptions({ maxEndpointsPerService: 0 })),
      /^maxEndpointsPerService: /,
    );
  });

  it("prints help naming every flag and variable", () => {
    const cmd = parseCommandLine(["--help"], {});
    assert.equal(cmd.kind, "help");
    if (cmd.kind !== "help") return;
    for (const s of [
      "--listen",
      "SWITCHBOARD_METRICS_LISTEN",
      "REDIS_URL",
      "--tls-client-ca",
      "SWITCHBOARD_ADMIN_TOKEN",
    ])
      assert.ok(cmd.text.includes(s), s);
  });

  it('takes --flag=value, skips the "--" pnpm passes through, and refuses stray words and missing values', () => {
    const cmd = parseCommandLine(["--", "--listen=127.0.0.1:0", "--log-level", "debug"], {});
    assert.ok(cmd.kind === "run");
    assert.equal(cmd.options.listenAddress, "127.0.0.1:0");
    assert.equal(cmd.options.logLevel, "debug");
    assert.match(
      configError(() => parseCommandLine(["stray"], {})),
      /^stray: unexpected argument/,
    );
    assert.match(
      configError(() => parseCommandLine(["--listen"], {})),
      /^--listen: needs a value/,
    );
  });

  it("raises structured errors: where the value came from, the option it sets, and why", () => {
    const fromFlag = thrown(() => parseCommandLine(["--listen", "nope"], {}));
    assert.equal(fromFlag.field, "--listen (SWITCHBOARD_LISTEN)");
    assert.equal(fromFlag.option, "listenAddress");
    assert.equal(fromFlag.reason, 'must be "host:port" (got "nope")');
    const fromEnv = thrown(() => parseCommandLine([], { SWITCHBOARD_LEASE_TTL_MS: "soon" }));
    assert.equal(fromEnv.field, "SWITCHBOARD_LEASE_TTL_MS");
    assert.match(fromEnv.reason, /^must be a whole number/);
    const inCode = thrown(() => resolveControlPlaneOptions({ historyLimit: -1 }));
    assert.deepEqual([inCode.field, inCode.option], ["historyLimit", "historyLimit"]);
  });

  it("keeps an API open when its token is not set at all", () => {
    const cmd = parseCommandLine([], {});
    assert.ok(cmd.kind === "run");
    const o = resolveControlPlaneOptions(cmd.options);
    for (const scope of ["admin", "registration", "discovery"] as const)
      assert.equal(o.authenticator.requires(scope), false, scope);
  });

  it("refuses a token variable that is set but empty, naming the variable", () => {
    for (const variable of ["SWITCHBOARD_ADMIN_TOKEN", "SWITCHBOARD_REGISTRATION_TOKEN"]) {
      for (const value of ["", "  \n"]) {
        const e = thrown(() => parseCommandLine([], { [variable]: value }));
        assert.equal(e.field, variable);
        assert.match(e.reason, /empty/);
      }
    }
  });

  it("refuses a token file flag given as empty, or a token file holding only whitespace, naming both", () => {
    const file = tokenDir({ blank: " \n\t\n" });
    assert.match(
      configError(() => parseCommandLine(["--admin-token-file", ""], {})),
      /^--admin-token-file: is empty/,
    );
    assert.match(
      configError(() => parseCommandLine(["--admin-token-file=", "--listen", "127.0.0.1:0"], {})),
      /^--admin-token-file: is empty/,
    );
    const blank = thrown(() => parseCommandLine(["--registration-token-file", file("blank")], {}));
    assert.equal(blank.field, "--registration-token-file");
    assert.ok(blank.reason.includes(file("blank")), blank.reason);
    assert.match(blank.reason, /holds no token/);
    const viaEnv = thrown(() => parseCommandLine([], { SWITCHBOARD_ADMIN_TOKEN_FILE: file("blank") }));
    assert.equal(viaEnv.field, "SWITCHBOARD_ADMIN_TOKEN_FILE");
  });

  it("refuses an empty token given in code instead of leaving the API open", () => {
    for (const option of ["adminToken", "registrationToken", "discoveryToken"] as const) {
      const e = thrown(() => resolveControlPlaneOptions({ [option]: " " }));
      assert.equal(e.option, option);
      assert.match(e.reason, /is empty/);
    }
  });
});
