import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
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

  it("never logs tokens even when a caller puts them in a logged object", () => {
    cp.plane.logger.info(
      { authorization: `Bearer ${TOKENS.adminToken}`, metadata: { authorization: TOKENS.adminToken } },
      "probe",
    );
    assert.ok(!logs.includes(TOKENS.adminToken));
  });
});
