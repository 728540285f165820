/**
 * Mechanical translation of a grpcurl command line into the `buf curl` command line that does
 * the same through server reflection (the docs show both; the test runs both). grpcurl's
 * `describe` has no buf curl counterpart; it is returned as such and the test performs it with
 * its own reflection client.
 */

export interface TlsFiles {
  readonly cacert: string | undefined;
  readonly cert: string | undefined;
  readonly key: string | undefined;
}

export interface DescribeTranslation {
  readonly kind: "describe";
  readonly address: string;
  readonly symbol: string;
  readonly plaintext: boolean;
  readonly tls: TlsFiles;
}

export type Translation =
  | {
      readonly kind: "buf";
      /** The buf curl words, "buf" and "curl" included. */
      readonly argv: readonly string[];
      /** For `grpcurl ... list <service>`: buf curl lists every method; the caller keeps this service's. */
      readonly listService: string | undefined;
    }
  | DescribeTranslation;

const VALUE_FLAGS: Readonly<Record<string, string>> = {
  "-H": "-H",
  "-d": "-d",
  "-cacert": "--cacert",
  "-cert": "--cert",
  "-key": "--key",
};

/** Translates grpcurl words (first word "grpcurl"); throws on a flag it does not know. */
export function translateGrpcurl(argv: readonly string[]): Translation {
  if (argv[0] !== "grpcurl") throw new Error(`not a grpcurl command: ${argv.join(" ")}`);
  let plaintext = false;
  const mapped: string[] = [];
  const tls: { cacert?: string; cert?: string; key?: string } = {};
  let i = 1;
  for (; i < argv.length && (argv[i] ?? "").startsWith("-"); i++) {
    const flag = argv[i] ?? "";
    if (flag === "-plaintext") {
      plaintext = true;
      continue;
    }
    if (flag === "-insecure") {
      mapped.push("-k");
      continue;
    }
    const bufFlag = VALUE_FLAGS[flag];
    const value = argv[i + 1];
    if (bufFlag === undefined || value === undefined) {
      throw new Error(`grpcurl flag ${flag} has no translation to buf curl (teach support-docs/grpcurl.ts)`);
    }
    mapped.push(bufFlag, value);
    if (flag === "-cacert") tls.cacert = value;
    if (flag === "-cert") tls.cert = value;
    if (flag === "-key") tls.key = value;
    i++;
  }
  const address = argv[i] ?? "";
  const rest = argv.slice(i + 1);
  if (!/^[A-Za-z0-9.-]+:\d+$/.test(address))
    throw new Error(`grpcurl needs "host:port" before the verb: ${argv.join(" ")}`);
  const scheme = plaintext ? "http" : "https";
  const head = ["buf", "curl", "--protocol", "grpc", ...(plaintext ? ["--http2-prior-knowledge"] : [])];
  const files = { cacert: tls.cacert, cert: tls.cert, key: tls.key };
  if (rest[0] === "describe") {
    if (rest.length !== 2) throw new Error(`describe takes one symbol: ${argv.join(" ")}`);
    return { kind: "describe", address, symbol: rest[1] ?? "", plaintext, tls: files };
  }
  if (rest[0] === "list") {
    if (rest.length > 2) throw new Error(`list takes at most one service: ${argv.join(" ")}`);
    const service = rest[1];
    const listFlag = service === undefined ? "--list-services" : "--list-methods";
    return {
      kind: "buf",
      argv: [...head, ...mapped, listFlag, `${scheme}://${address}`],
      listService: service,
    };
  }
  if (rest.length !== 1 || !/^[A-Za-z0-9_.]+\/[A-Za-z0-9_]+$/.test(rest[0] ?? "")) {
    throw new Error(`expected "package.Service/Method" after the address: ${argv.join(" ")}`);
  }
  return {
    kind: "buf",
    argv: [...head, ...mapped, `${scheme}://${address}/${rest[0]}`],
    listService: undefined,
  };
}
