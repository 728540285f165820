import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { inspect } from "node:util";
import { Metadata, status } from "@grpc/grpc-js";
import { pino } from "pino";
import { REDACT_PATHS } from "../src/logger.js";
import { bearer, call, type Running, registerRequest, startPlane } from "./helpers/control-plane.js";
import { WatchClient } from "./helpers/watch.js";

const TOKENS = {
  adminToken: "admin-secret-1",
  registrationToken: "reg-secret-2",
  discoveryToken: "disc-secret-3",
};

describe("bearer-token auth", () => {
  let cp: Running;
  let logs = "";

  before(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs += chunk.toString();
        done();
      },
    });
    const logger = pino({ level: "trace", redact: { paths: [...REDACT_PATHS], censor: "[redacted]" } }, sink);
    cp = await startPlane({ ...TOKENS, logger });
  });
  after(async () => {
    await cp.close();
    for (const token of Object.values(TOKENS)) assert.ok(!logs.includes(token), "a token reached the logs");
    assert.ok(logs.length > 0, "something was logged (so the check above means something)");
  });

  for (const [scope, token] of [
    ["admin", TOKENS.adminToken],
    ["registration", TOKENS.registrationToken],
  ] as const) {
    const invoke = (metadata: Metadata) =>
      scope === "admin"
        ? call(cp.admin.listServices.bind(cp.admin), {}, metadata)
        : call(
            cp.registration.register.bind(cp.registration),
            registerRequest({ service: "authed" }),
            metadata,
          );
    it(`refuses ${scope} calls without a token, or with a wrong one, with UNAUTHENTICATED`, async () => {
      for (const md of [
        new Metadata(),
        bearer("wrong"),
        bearer(scope === "admin" ? TOKENS.registrationToken : TOKENS.adminToken),
      ]) {
        const e = await invoke(md).then(
          () => assert.fail("the call should have failed"),
          (err: { code: number; details: string }) => err,
        );
        assert.equal(e.code, status.UNAUTHENTICATED);
      }
      const raw = new Metadata();
      raw.set("authorization", token);
      const e = await invoke(raw).catch((err: { code: number }) => err);
      assert.equal(
        (e as { code: number }).code,
        status.UNAUTHENTICATED,
        "a token without 'Bearer' is refused",
      );
      if (scope === "registration") {
        assert.deepEqual(
          (await cp.plane.store.listServices()).map((s) => s.service),
          [],
          "nothing written",
        );
      }
    });
    it(`accepts ${scope} calls with the ${scope} token`, async () => {
      await invoke(bearer(token));
    });
  }

  it("refuses KeepAlive and Watch streams without their tokens, and accepts them with", async () => {
    const ka = cp.registration.keepAlive(new Metadata());
    const kaError = await new Promise<{ code: number }>((resolve) => ka.on("error", resolve));
    assert.equal(kaError.code, status.UNAUTHENTICATED);
    const w = new WatchClient(cp.discovery, bearer(TOKENS.adminToken));
    w.hello("x");
    assert.equal((await w.status()).code, status.UNAUTHENTICATED);
    const ok = new WatchClient(cp.discovery, bearer(TOKENS.discoveryToken));
    ok.hello("y");
    ok.subscribe("anything");
    assert.equal((await ok.next()).kind?.$case, "snapshot");
    ok.close();
  });

  it("leaves health open", async () => {
    const r = await call(cp.health.check.bind(cp.health), { service: "" });
    assert.equal(r.status, 1);
  });

  it("keeps no token readable in the public options of a running control plane", () => {
    const shown = [
      inspect(cp.plane.options, { depth: 10, showHidden: true }),
      JSON.stringify(cp.plane.options, (_key, value) => (typeof value === "bigint" ? String(value) : value)),
    ];
    for (const text of shown)
      for (const token of Object.values(TOKENS))
        assert.ok(!text.includes(token), `${token} readable: ${text}`);
    const named = cp.plane.options as unknown as Record<string, unknown>;
    for (const key of Object.keys(TOKENS)) assert.equal(named[key], undefined, key);
    assert.ok(cp.plane.options.authenticator.requires("admin"));
  });

  it("does not warn that Admin or Registration is open when both have tokens", () => {
    assert.ok(!logs.includes("calls need no token"), logs);
  });

  it("never logs tokens even when a caller puts them in a logged object", () => {
    cp.plane.logger.info(
      { authorization: `Bearer ${TOKENS.adminToken}`, metadata: { authorization: TOKENS.adminToken } },
      "probe",
    );
    assert.ok(!logs.includes(TOKENS.adminToken));
  });
});

describe("a control plane without tokens", () => {
  it("warns once at start that Admin and Registration are open, and leaves them open", async () => {
    const lines: Array<{ msg: string; scope?: string; level: number }> = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const cp = await startPlane({ logger: pino({ level: "info" }, sink) });
    try {
      const warned = lines.filter((l) => l.msg.includes("calls need no token"));
      assert.deepEqual(warned.map((l) => [l.scope, l.level]).sort(), [
        ["admin", 40],
        ["registration", 40],
      ]);
      assert.ok(warned.some((l) => l.msg.includes("SWITCHBOARD_ADMIN_TOKEN")));
      const listed = await call(cp.admin.listServices.bind(cp.admin), {});
      assert.deepEqual(listed.services, []);
    } finally {
      await cp.close();
    }
  });
});
