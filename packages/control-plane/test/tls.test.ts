import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { credentials, status } from "@grpc/grpc-js";
import { HealthClient } from "@switchboard/core/gen/grpc/health/v1/health.js";
import { call, callError, startPlane } from "./helpers/control-plane.js";

/** A self-signed certificate for 127.0.0.1 (it is its own CA, so it also serves as a client CA). */
function selfSigned(dir: string): { cert: string; key: string } {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout",
      key,
      "-out",
      cert,
    ],
    { stdio: "ignore" },
  );
  return { cert, key };
}

const HAS_OPENSSL = spawnSync("openssl", ["version"]).status === 0;

describe("TLS", {
  skip: HAS_OPENSSL ? false : "needs the openssl command to make a test certificate",
}, () => {
  let dir: string;
  let files: { cert: string; key: string };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "sb-tls-"));
    files = selfSigned(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("serves TLS with a certificate and key, and refuses plaintext clients", async () => {
    const pem = readFileSync(files.cert);
    const cp = await startPlane(
      { tlsCertFile: files.cert, tlsKeyFile: files.key },
      credentials.createSsl(pem),
    );
    const plain = new HealthClient(cp.address, credentials.createInsecure());
    try {
      assert.equal((await call(cp.health.check.bind(cp.health), { service: "" })).status, 1);
      const e = await callError(plain.check.bind(plain), { service: "" });
      assert.equal(e.code, status.UNAVAILABLE);
    } finally {
      plain.close();
      await cp.close();
    }
  });

  it("requires a client certificate signed by the client CA with mTLS", async () => {
    const pem = readFileSync(files.cert);
    const key = readFileSync(files.key);
    const cp = await startPlane(
      { tlsCertFile: files.cert, tlsKeyFile: files.key, tlsClientCaFile: files.cert },
      credentials.createSsl(pem, key, pem),
    );
    const anonymous = new HealthClient(cp.address, credentials.createSsl(pem));
    try {
      assert.equal((await call(cp.health.check.bind(cp.health), { service: "" })).status, 1);
      const e = await callError(anonymous.check.bind(anonymous), { service: "" });
      assert.equal(e.code, status.UNAVAILABLE);
    } finally {
      anonymous.close();
      await cp.close();
    }
  });

  it("names the option when a TLS file cannot be read", async () => {
    await assert.rejects(
      startPlane({ tlsCertFile: join(dir, "missing.pem"), tlsKeyFile: files.key }),
      /tlsCertFile: cannot read/,
    );
  });
});
