/**
 * `switchboard-control-plane bootstrap`: prints the GRPC_XDS_BOOTSTRAP document an xDS client
 * (Go, Java, C++/Python, Node) needs to reach this control plane.
 */
import { isIP } from "node:net";
import { parseArgs } from "node:util";
import { parseHostPort } from "@switchboard/core";
import { ConfigError } from "../errors.js";
import { localityOf } from "./resources/endpoints.js";

export interface BootstrapOptions {
  readonly nodeId: string;
  /** "host:port" of each control-plane replica, in order of preference. */
  readonly servers: readonly string[];
  readonly nodeCluster?: string;
  readonly zone?: string;
  /** How the client connects to the control plane. */
  readonly channelCreds: "insecure" | "tls";
  /** tls: the CA that signed the control plane's certificate. */
  readonly caFile?: string;
  /** tls with a client certificate (mTLS). */
  readonly certFile?: string;
  readonly keyFile?: string;
  /** A file holding the discovery token as a JWT (gRFC A97 call credentials). */
  readonly jwtTokenFile?: string;
  /**
   * How a client reaches another replica when its own goes away. "list" (default): one
   * `xds_servers` entry per replica, in order (gRFC A71 fallback: grpc-go, grpc-java, C-core;
   * grpc-js reads the first entry only). "address-list": one entry whose target holds every
   * replica's IP address (`ipv4:a:p,b:p`), dialled with pick_first (grpc-js and C-core).
   */
  readonly failover?: "list" | "address-list";
}

const USAGE = `usage: switchboard-control-plane bootstrap --node-id ID --server host:port[,host:port...]
  [--failover list|address-list] [--cluster NAME] [--zone ZONE] [--channel-creds insecure|tls]
  [--ca-file F] [--cert-file F --key-file F] [--jwt-token-file F]`;

/** One target naming every replica by IP address: "ipv4:a:p,b:p" or "ipv6:[a]:p,[b]:p". */
function addressListTarget(servers: readonly string[]): string {
  const families = new Set(servers.map((s) => isIP(parseHostPort(s)?.host.replace(/^\[|\]$/g, "") ?? "")));
  if (families.size !== 1 || families.has(0)) {
    throw new ConfigError(
      "--failover",
      "address-list needs every --server as an IP address of one family (for names, use a DNS name with several addresses)",
    );
  }
  return `${families.has(6) ? "ipv6" : "ipv4"}:${servers.join(",")}`;
}

function channelCreds(o: BootstrapOptions): object[] {
  if (o.channelCreds === "insecure") return [{ type: "insecure" }];
  const config = {
    ca_certificate_file: o.caFile,
    ...(o.certFile ? { certificate_file: o.certFile, private_key_file: o.keyFile } : {}),
  };
  return [{ type: "tls", config }];
}

/** The bootstrap document (gRFC A27; tls channel credentials per A65, call credentials per A97). */
export function bootstrapDocument(o: BootstrapOptions): object {
  if (o.nodeId === "")
    throw new ConfigError("--node-id", "is required (names this client in CSDS and ListSubscribers)");
  if (o.servers.length === 0)
    throw new ConfigError("--server", 'is required ("host:port" of a control plane)');
  for (const s of o.servers) {
    if (!/^[^\s,]+:\d{1,5}$/.test(s)) throw new ConfigError("--server", `must be "host:port" (got "${s}")`);
  }
  if (o.channelCreds === "tls" && !o.caFile)
    throw new ConfigError("--ca-file", "is required with --channel-creds tls");
  if (Boolean(o.certFile) !== Boolean(o.keyFile)) {
    throw new ConfigError("--cert-file", "and --key-file go together (a client certificate and its key)");
  }
  if (o.certFile && o.channelCreds !== "tls")
    throw new ConfigError("--cert-file", "needs --channel-creds tls");
  const callCreds = o.jwtTokenFile
    ? { call_creds: [{ type: "jwt_token_file", config: { jwt_token_file: o.jwtTokenFile } }] }
    : {};
  const uris = o.failover === "address-list" ? [addressListTarget(o.servers)] : o.servers;
  return {
    xds_servers: uris.map((server_uri) => ({
      server_uri,
      channel_creds: channelCreds(o),
      ...callCreds,
      server_features: ["xds_v3"],
    })),
    node: {
      id: o.nodeId,
      cluster: o.nodeCluster ?? "",
      locality: localityOf(o.zone ?? ""),
    },
  };
}

/** The subcommand's flags, as `node:util` parseArgs reads them ("--flag value" or "--flag=value"). */
const FLAGS = {
  "node-id": { type: "string" },
  server: { type: "string" },
  cluster: { type: "string" },
  zone: { type: "string" },
  "channel-creds": { type: "string" },
  "ca-file": { type: "string" },
  "cert-file": { type: "string" },
  "key-file": { type: "string" },
  "jwt-token-file": { type: "string" },
  failover: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Parses the subcommand's flags; throws ConfigError naming the flag. */
export function parseBootstrapArgs(argv: readonly string[]): BootstrapOptions {
  let values: { readonly [K in keyof typeof FLAGS]?: string | boolean };
  try {
    ({ values } = parseArgs({ args: argv.filter((a) => a !== "--"), options: FLAGS, strict: true }));
  } catch (e) {
    const flag = /'(-[^' ]+)/.exec((e as Error).message)?.[1] ?? "bootstrap";
    throw new ConfigError(flag, `${(e as Error).message.replace(/\.$/, "")}\n${USAGE}`);
  }
  const text = (name: keyof typeof FLAGS): string | undefined => {
    const v = values[name];
    return typeof v === "string" ? v : undefined;
  };
  const creds = text("channel-creds") ?? "insecure";
  if (creds !== "insecure" && creds !== "tls")
    throw new ConfigError("--channel-creds", `must be insecure or tls (got "${creds}")`);
  const failover = text("failover") ?? "list";
  if (failover !== "list" && failover !== "address-list")
    throw new ConfigError("--failover", `must be list or address-list (got "${failover}")`);
  const optional = <K extends keyof BootstrapOptions>(key: K, flag: keyof typeof FLAGS) => {
    const v = text(flag);
    return v === undefined ? {} : { [key]: v };
  };
  return {
    nodeId: text("node-id") ?? "",
    servers: (text("server") ?? "").split(",").filter((s) => s !== ""),
    channelCreds: creds,
    failover,
    ...optional("nodeCluster", "cluster"),
    ...optional("zone", "zone"),
    ...optional("caFile", "ca-file"),
    ...optional("certFile", "cert-file"),
    ...optional("keyFile", "key-file"),
    ...optional("jwtTokenFile", "jwt-token-file"),
  };
}

/** What the subcommand prints: the document as JSON (or its usage, with --help). */
export function bootstrapCommandText(argv: readonly string[]): string {
  if (argv.includes("--help") || argv.includes("-h")) return USAGE;
  return JSON.stringify(bootstrapDocument(parseBootstrapArgs(argv)), null, 2);
}
