/**
 * TLS and mTLS between the SDK (mesh client and mesh server, through `controlPlaneCredentials`)
 * and the control plane, with a CA, server and client certificates made here with openssl, and
 * a rogue CA that must get nowhere.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type ChannelCredentials, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { type ControlPlane, createControlPlane } from "@switchboard/control-plane";
import { HealthClient } from "@switchboard/core/gen/grpc/health/v1/health.js";
import { createMeshClient, createMeshServer, type MeshServer } from "@switchboard/sdk";
import { pino } from "pino";

const HAS_OPENSSL = spawnSync("openssl", ["version"]).status === 0;
const silent = pino({ level: "silent" });

interface Pki {
  readonly dir: string;
  readonly ca: Buffer;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly caFile: string;
  readonly client: { cert: Buffer; key: Buffer };
  readonly rogueCa: Buffer;
  readonly rogueClient: { cert: Buffer; key: Buffer };
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** A CA, and a leaf it signs with the given extensions. */
function makePki(dir: string): Pki {
  const ca = (name: string) =>
    openssl(
      dir,
      "req",
      "-x509",
      ...EC,
      "-days",
      "1",
      "-subj",
      `/CN=${name}`,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.pem`,
    );
  const leaf = (name: string, caName: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, "req", ...EC, "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`);
    openssl(
      dir,
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${caName}.pem`,
      "-CAkey",
      `${caName}.key`,
      "-CAcreateserial",
      "-days",
      "1",
      "-out",
      `${name}.pem`,
      "-extfile",
      `${name}.ext`,
    );
  };
  ca("test-ca");
  ca("rogue-ca");
  leaf("server", "test-ca", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  leaf("client", "test-ca", "extendedKeyUsage=clientAuth\n");
  leaf("rogue-client", "rogue-ca", "extendedKeyUsage=clientAuth\n");
  const read = (f: string) => readFileSync(join(dir, f));
  return {
    dir,
    ca: read("test-ca.pem"),
    caFile: join(dir, "test-ca.pem"),
    serverCert: join(dir, "server.pem"),
    serverKey: join(dir, "server.key"),
    client: { cert: read("client.pem"), key: read("client.key") },
    rogueCa: read("rogue-ca.pem"),
    rogueClient: { cert: read("rogue-client.pem"), key: read("rogue-client.key") },
  };
}

async function startTlsPlane(pki: Pki, mutual: boolean): Promise<{ cp: ControlPlane; address: string }> {
  const cp = createControlPlane({
    listenAddress: "127.0.0.1:0",
    metricsListenAddress: "off",
    logger: silent,
    tlsCertFile: pki.serverCert,
    tlsKeyFile: pki.serverKey,
    ...(mutual ? { tlsClientCaFile: pki.caFile } : {}),
  });
  const { address } = await cp.start();
  return { cp, address };
}

/** Whether an SDK process with these credentials gets through: registers, and resolves and calls. */
async function sdkGetsThrough(
  address: string,
  creds: ChannelCredentials,
  label: string,
): Promise<{ registered: boolean; resolved: boolean; called: boolean }> {
  const service = `tls-${label}`;
  const server: MeshServer = createMeshServer({
    service,
    controlPlane: address,
    controlPlaneCredentials: creds,
    listen: "127.0.0.1:0",
    handleSignals: false,
    startupRegistrationTimeoutMs: 1500,
    logger: silent,
  });
  const mesh = createMeshClient({
    controlPlane: address,
    controlPlaneCredentials: creds,
    name: label,
    logger: silent,
  });
  const health = new HealthClient(`mesh://${label}/${service}`, credentials.createInsecure());
  try {
    // All three at once: each has 1.5 s (2.5 s for the call, which needs the other two).
    const [{ registered }, resolved, called] = await Promise.all([
      server.start(),
      (async () => {
        const until = Date.now() + 1500;
        while (Date.now() < until) {
          if (mesh.endpoints(service).length === 1) return true;
          await new Promise((r) => setTimeout(r, 20));
        }
        return false;
      })(),
      new Promise<boolean>((resolve) =>
        health.check(
          { service: "" },
          new Metadata(),
          { deadline: Date.now() + 2500 },
          (e: ServiceError | null) => resolve(e === null),
        ),
      ),
    ]);
    return { registered, resolved, called };
  } finally {
    health.close();
    await mesh.close();
    await server.drain();
  }
}

describe("TLS and mTLS between the SDK and the control plane", {
  skip: HAS_OPENSSL ? false : "needs the openssl command to make test certificates",
}, () => {
  let pki: Pki;
  before(() => {
    pki = makePki(mkdtempSync(join(tmpdir(), "sb-pki-")));
  });
  after(() => rmSync(pki.dir, { recursive: true, force: true }));

  describe("TLS", () => {
    let plane: { cp: ControlPlane; address: string };
    before(async () => {
      plane = await startTlsPlane(pki, false);
    });
    after(() => plane.cp.stop({ graceMs: 0 }));

    it("lets a mesh server register and a mesh client resolve and call when they trust the CA", async () => {
      const r = await sdkGetsThrough(plane.address, credentials.createSsl(pki.ca), "tls-trusted");
      assert.deepEqual(r, { registered: true, resolved: true, called: true });
    });

    it("refuses plaintext SDK connections", async () => {
      const r = await sdkGetsThrough(plane.address, credentials.createInsecure(), "tls-plaintext");
      assert.deepEqual(r, { registered: false, resolved: false, called: false });
    });

    it("is refused by an SDK that trusts another CA (no talking to an impostor)", async () => {
      const r = await sdkGetsThrough(plane.address, credentials.createSsl(pki.rogueCa), "tls-rogue-ca");
      assert.deepEqual(r, { registered: false, resolved: false, called: false });
    });
  });

  describe("mTLS", () => {
    let plane: { cp: ControlPlane; address: string };
    before(async () => {
      plane = await startTlsPlane(pki, true);
    });
    after(() => plane.cp.stop({ graceMs: 0 }));

    it("serves the SDK presenting a client certificate the client CA signed", async () => {
      const creds = credentials.createSsl(pki.ca, pki.client.key, pki.client.cert);
      const r = await sdkGetsThrough(plane.address, creds, "mtls-client");
      assert.deepEqual(r, { registered: true, resolved: true, called: true });
    });

    it("refuses the SDK without a client certificate", async () => {
      const r = await sdkGetsThrough(plane.address, credentials.createSsl(pki.ca), "mtls-anonymous");
      assert.deepEqual(r, { registered: false, resolved: false, called: false });
    });

    it("refuses a client certificate from another CA", async () => {
      const creds = credentials.createSsl(pki.ca, pki.rogueClient.key, pki.rogueClient.cert);
      const r = await sdkGetsThrough(plane.address, creds, "mtls-rogue");
      assert.deepEqual(r, { registered: false, resolved: false, called: false });
      assert.equal(plane.cp.stats().watchStreams, 0, "no Discovery stream got through");
      assert.deepEqual(
        (await plane.cp.store.listServices())
          .map((s) => s.service)
          .filter((s) => s.includes("rogue") || s.includes("anonymous")),
        [],
        "nothing registered",
      );
    });
  });
});
