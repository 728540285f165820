import { realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { status } from "@grpc/grpc-js";
import { MeshError } from "@switchboard/core";

const GRPC_JS = "@grpc/grpc-js";

/** The folder of the grpc-js package `from` (a file path or URL) resolves, symlinks followed. */
function grpcJsFrom(from: string): string | undefined {
  try {
    const entry = realpathSync(createRequire(from).resolve(GRPC_JS));
    const at = entry.lastIndexOf(`${GRPC_JS}/`);
    return at < 0 ? entry : entry.slice(0, at + GRPC_JS.length);
  } catch {
    return undefined;
  }
}

/**
 * Two copies of grpc-js (an npm-linked SDK, versions that do not dedupe): the SDK registers its
 * `mesh:` resolver and balancer in its own copy, the application's channels use the other, and
 * every call to a `mesh:///` target fails with "Failed to parse DNS address dns:mesh:///...".
 * Returns both folders when the application's entry script resolves another grpc-js than the SDK.
 */
export function secondGrpcJsCopy(
  entryScript: string | undefined = process.argv[1],
): { app: string; sdk: string } | undefined {
  if (!entryScript) return undefined;
  const sdk = grpcJsFrom(import.meta.url);
  const app = grpcJsFrom(resolve(entryScript));
  if (!sdk || !app || sdk === app) return undefined;
  return { app, sdk };
}

/** Throws a MeshError naming both copies and the fix, when there are two. */
export function assertOneGrpcJs(): void {
  const copies = secondGrpcJsCopy();
  if (!copies) return;
  throw new MeshError(
    status.FAILED_PRECONDITION,
    `two copies of ${GRPC_JS} in this application: your code uses ${copies.app}, while @switchboard/sdk registered the mesh: resolver in ${copies.sdk}; calls to mesh:/// targets would fail with "Failed to parse DNS address". Make it one copy: run \`npm dedupe\` (check with \`npm ls ${GRPC_JS}\`: one version, once), and with an npm-linked SDK install it from a tarball (\`npm pack\`) or remove ${GRPC_JS} from the SDK's own node_modules.`,
  );
}
