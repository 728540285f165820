import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { committedSurface, currentSurface, surfaceChanges } from "../../../scripts/export-surface.js";

describe("the published surface of @switchboard/control-plane", () => {
  it("exports exactly the names in test/exports.snapshot.json, entry point by entry point", async () => {
    const changes = surfaceChanges(
      "control-plane",
      await currentSurface("control-plane"),
      committedSurface("control-plane"),
    );
    assert.deepEqual(changes, [], changes.join("\n"));
  });
});
