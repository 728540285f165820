/**
 * `switchboard-control-plane bootstrap`: prints the GRPC_XDS_BOOTSTRAP document an xDS client
 * (Go, Java, C++/Python, Node) needs to reach this control plane.
 */
import { isIP } from "node:net";
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

const FLAG_FIELDS: Readonly<Record<string, keyof BootstrapOptions>> = {
  "--node-id": "nodeId",
  "--server": "servers",
  "--cluster": "nodeCluster",
  "--zone": "zone",
  "--channel-creds": "channelCreds",
  "--ca-file": "caFile",
  "--cert-file": "certFile",
  "--key-file": "keyFile",
  "--jwt-token-file": "jwtTokenFile",
  "--failover": "failover",
};

/** Parses the subcommand's flags ("--flag value" or "--flag=value"); throws ConfigError. */
export function parseBootstrapArgs(argv: readonly string[]): BootstrapOptions {
  const values = new Map<keyof BootstrapOptions, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") continue;
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const field = FLAG_FIELDS[flag];
    if (!field) throw new ConfigError(flag, `is not a bootstrap flag\n${USAGE}`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new ConfigError(flag, "needs a value");
    values.set(field, value);
  }
  const creds = values.get("channelCreds") ?? "insecure";
  if (creds !== "insecure" && creds !== "tls")
    throw new ConfigError("--channel-creds", `must be insecure or tls (got "${creds}")`);
  const failover = values.get("failover") ?? "list";
  if (failover !== "list" && failover !== "address-list")
    throw new ConfigError("--failover", `must be list or address-list (got "${failover}")`);
  const text = (k: keyof BootstrapOptions) => values.get(k);
  const optional = (k: keyof BootstrapOptions) => (values.has(k) ? { [k]: values.get(k) } : {});
  return {
    nodeId: text("nodeId") ?? "",
    servers: (text("servers") ?? "").split(",").filter((s) => s !== ""),
    channelCreds: creds,
    failover,
    ...optional("nodeCluster"),
    ...optional("zone"),
    ...optional("caFile"),
    ...optional("certFile"),
    ...optional("keyFile"),
    ...optional("jwtTokenFile"),
  };
}

/** What the subcommand prints: the document as JSON (or its usage, with --help). */
export function bootstrapCommandText(argv: readonly string[]): string {
  if (argv.includes("--help") || argv.includes("-h")) return USAGE;
  return JSON.stringify(bootstrapDocument(parseBootstrapArgs(argv)), null, 2);
}
