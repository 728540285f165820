#!/usr/bin/env node
// Generates TypeScript from proto/ with ts-proto (through buf): the wire contract once, in
// @switchboard/core, test and demo protos where they are used, and the control plane's
// descriptor set for server reflection. Output is never edited by hand.
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const buf = join(root, "node_modules", ".bin", "buf");
const tsProto = join(root, "node_modules", ".bin", "protoc-gen-ts_proto");

const TS_PROTO_OPTS = [
  "outputServices=grpc-js",
  "esModuleInterop=true",
  "env=node",
  "useOptionals=messages",
  "oneof=unions",
  "importSuffix=.js",
  "forceLong=number",
  "useDate=true",
];

/** Output folder -> proto paths (relative to the repository root) it needs. */
const TARGETS = {
  // The wire contract, generated once: the SDK, the control plane and the tools import it from
  // @switchboard/core/gen/….
  "packages/core/src/gen": ["proto/switchboard", "proto/grpc/health"],
  // Server reflection is the control plane's own; its descriptor set covers every service it serves.
  "packages/control-plane/src/gen": ["proto/grpc/reflection"],
  "packages/system-tests/src/gen": ["proto/echo"],
  "packages/examples/src/gen": ["proto/demo", "proto/echo"],
  "packages/bench/src/gen": ["proto/echo"],
};

function run(args) {
  execFileSync(buf, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
}

function listFiles(dir, base = dir, out = new Map()) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) listFiles(path, base, out);
    else out.set(path.slice(base.length + 1), path);
  }
  return out;
}

/**
 * Replaces `target` with the files of `fresh`, writing only files whose content changed and
 * deleting files that are gone, so processes reading the folder never see it missing.
 */
function sync(fresh, target) {
  const next = listFiles(fresh);
  for (const [rel, path] of listFiles(target)) if (!next.has(rel)) rmSync(path);
  for (const [rel, path] of next) {
    const dest = join(target, rel);
    const content = readFileSync(path);
    if (existsSync(dest) && readFileSync(dest).equals(content)) continue;
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, content);
  }
}

/** Builds a FileDescriptorSet (imports included) with buf; `args` name the inputs. */
function descriptorSet(tmp, name, args) {
  const fds = join(tmp, `${name}.binpb`);
  run(["build", ...args, "--as-file-descriptor-set", "-o", fds]);
  return readFileSync(fds);
}

/**
 * The xDS protos the control plane uses: ADS and CSDS, and every resource type its responses
 * carry in a google.protobuf.Any (so reflection clients can print them, and the ADS serializer
 * encodes them). From the Envoy protos @grpc/grpc-js-xds ships under deps/ in four include
 * roots, built as a buf workspace of links to them.
 */
const XDS_FILES = [
  "envoy/service/discovery/v3/ads.proto",
  "envoy/service/status/v3/csds.proto",
  "envoy/config/listener/v3/listener.proto",
  "envoy/config/route/v3/route.proto",
  "envoy/config/cluster/v3/cluster.proto",
  "envoy/config/endpoint/v3/endpoint.proto",
  "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto",
  "envoy/extensions/filters/http/router/v3/router.proto",
  "envoy/extensions/filters/http/fault/v3/fault.proto",
  "envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.proto",
  "envoy/extensions/load_balancing_policies/least_request/v3/least_request.proto",
  "envoy/extensions/load_balancing_policies/wrr_locality/v3/wrr_locality.proto",
];

/**
 * validate/validate.proto as @grpc/grpc-js-xds ships it, plus the one field the Envoy protos it
 * ships use and it lacks (StringRules.ignore_empty, 26, as in protoc-gen-validate since 0.6):
 * protobufjs skips option fields it does not know, buf rejects them.
 */
function validateProto(shipped) {
  const text = readFileSync(shipped, "utf8").replace(/\r\n/g, "\n");
  const start = text.indexOf("message StringRules {");
  if (start < 0) throw new Error(`no StringRules in ${shipped}`);
  const end = text.indexOf("\n}\n", start);
  if (text.slice(start, end).includes("ignore_empty")) return text;
  return `${text.slice(0, end)}\n  optional bool ignore_empty = 26;${text.slice(end)}`;
}

function xdsDescriptorSet(tmp) {
  const require = createRequire(join(root, "packages/control-plane/package.json"));
  const deps = join(dirname(require.resolve("@grpc/grpc-js-xds/package.json")), "deps");
  const workspace = join(tmp, "xds");
  const roots = ["envoy-api", "xds", "googleapis", "protoc-gen-validate"];
  for (const r of roots.slice(0, 3)) {
    mkdirSync(workspace, { recursive: true });
    symlinkSync(join(deps, r), join(workspace, r));
  }
  mkdirSync(join(workspace, "protoc-gen-validate", "validate"), { recursive: true });
  writeFileSync(
    join(workspace, "protoc-gen-validate", "validate", "validate.proto"),
    validateProto(join(deps, "protoc-gen-validate", "validate", "validate.proto")),
  );
  const modules = roots.map((r) => `  - path: ${r}\n`).join("");
  writeFileSync(join(workspace, "buf.yaml"), `version: v2\nmodules:\n${modules}`);
  const paths = XDS_FILES.flatMap((f) => ["--path", join(workspace, "envoy-api", f)]);
  return descriptorSet(tmp, "xds", [workspace, ...paths]);
}

/**
 * Server reflection serves the real descriptors (map entries and well-known types intact) of
 * every service on the control plane's port: proto/switchboard and proto/grpc in one set, the
 * xDS protos in another (the xDS server loads its services from it too).
 */
function descriptorSetModule() {
  const tmp = mkdtempSync(join(tmpdir(), "switchboard-fds-"));
  try {
    const own = descriptorSet(tmp, "own", ["--path", "proto/switchboard", "--path", "proto/grpc"]);
    const xds = xdsDescriptorSet(tmp);
    return (
      `// Generated by scripts/codegen.mjs from proto/ and the xDS protos. Do not edit.\n` +
      `/** FileDescriptorSet (binary, base64) of proto/switchboard and proto/grpc. */\n` +
      `export const DESCRIPTOR_SET_BASE64 =\n  "${own.toString("base64")}";\n` +
      `/** FileDescriptorSet (binary, base64) of ADS, CSDS and the xDS resource types. */\n` +
      `export const XDS_DESCRIPTOR_SET_BASE64 =\n  "${xds.toString("base64")}";\n`
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Extra generated files per output folder. */
const EXTRAS = { "packages/control-plane/src/gen": { "descriptor-set.ts": descriptorSetModule } };

for (const [out, paths] of Object.entries(TARGETS)) {
  const tmpOut = mkdtempSync(join(tmpdir(), "switchboard-gen-"));
  try {
    const template = {
      version: "v2",
      plugins: [
        { local: tsProto, out: tmpOut, opt: TS_PROTO_OPTS, include_imports: true, include_wkt: true },
      ],
    };
    run(["generate", "--template", JSON.stringify(template), ...paths.flatMap((p) => ["--path", p])]);
    for (const [name, make] of Object.entries(EXTRAS[out] ?? {})) writeFileSync(join(tmpOut, name), make());
    sync(tmpOut, join(root, out));
  } finally {
    rmSync(tmpOut, { recursive: true, force: true });
  }
}
