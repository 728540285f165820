import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { isConfigError } from "../src/errors.js";
import { parseCommandLine, resolveControlPlaneOptions } from "../src/index.js";

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isConfigError(e), `expected a ConfigError, got ${String(e)}`);
    return e.message;
  }
  throw new Error("expected a ConfigError");
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
    assert.equal(o.adminToken, "adm");
    assert.equal(o.registrationToken, "reg-from-file");
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
});
