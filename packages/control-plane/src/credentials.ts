import { readFileSync } from "node:fs";
import { ServerCredentials } from "@grpc/grpc-js";
import type { ResolvedControlPlaneOptions } from "./config.js";
import { ConfigError } from "./errors.js";

function read(field: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ConfigError(field, `cannot read ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
}

/** Plaintext, TLS (cert + key) or mTLS (with a client CA: client certificates required). */
export function serverCredentials(o: ResolvedControlPlaneOptions): ServerCredentials {
  if (!o.tlsCertFile || !o.tlsKeyFile) return ServerCredentials.createInsecure();
  const cert = read("tlsCertFile", o.tlsCertFile);
  const key = read("tlsKeyFile", o.tlsKeyFile);
  const ca = o.tlsClientCaFile ? read("tlsClientCaFile", o.tlsClientCaFile) : null;
  try {
    return ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], ca !== null);
  } catch (e) {
    throw new ConfigError("tlsCertFile", `unusable TLS material: ${(e as Error).message}`);
  }
}
