import { createRequire } from "node:module";
import type * as OtelApiModule from "@opentelemetry/api";

/** `@opentelemetry/api`, an optional peer dependency of the SDK. */
export type OtelApi = typeof OtelApiModule;

let loaded: OtelApi | null | undefined;

/**
 * `@opentelemetry/api` when the application has it installed, else undefined. Loaded once, when
 * the first mesh client or server is created, never at import: the SDK works without it.
 */
export function loadOtelApi(): OtelApi | undefined {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)("@opentelemetry/api") as OtelApi;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}

/** For tests: behave as if `@opentelemetry/api` were not installed (or installed again). */
export function setOtelApiForTests(api: OtelApi | null | undefined): void {
  loaded = api;
}
