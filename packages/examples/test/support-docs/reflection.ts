/**
 * A minimal gRPC server-reflection client: what `grpcurl describe <symbol>` does. It asks the
 * server for the file containing the symbol (with its dependencies), builds a descriptor
 * registry from the answer and describes the symbol.
 */
import { create, createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import {
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";
import { type ChannelCredentials, Client } from "@grpc/grpc-js";
import { importsFirst } from "../../src/admin/reflection.js";

const METHOD = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";

function request(symbol: string): Buffer {
  // ServerReflectionRequest { string file_containing_symbol = 4; }
  return Buffer.from(new BinaryWriter().tag(4, WireType.LengthDelimited).string(symbol).finish());
}

/** The file descriptors of a ServerReflectionResponse, or the error it carries. */
function decode(bytes: Uint8Array): FileDescriptorProto[] {
  const reader = new BinaryReader(bytes);
  const files: FileDescriptorProto[] = [];
  while (reader.pos < reader.len) {
    const [field, wire] = reader.tag();
    if (field === 4) {
      // FileDescriptorResponse { repeated bytes file_descriptor_proto = 1; }
      const inner = new BinaryReader(reader.bytes());
      while (inner.pos < inner.len) {
        const [f, w] = inner.tag();
        if (f === 1) files.push(fromBinary(FileDescriptorProtoSchema, inner.bytes()));
        else inner.skip(w);
      }
    } else if (field === 7) {
      // ErrorResponse { int32 error_code = 1; string error_message = 2; }
      const inner = new BinaryReader(reader.bytes());
      let code = 0;
      let message = "";
      while (inner.pos < inner.len) {
        const [f, w] = inner.tag();
        if (f === 1) code = inner.int32();
        else if (f === 2) message = inner.string();
        else inner.skip(w);
      }
      throw new Error(`reflection error ${code}: ${message}`);
    } else {
      reader.skip(wire);
    }
  }
  return files;
}

function fetchFiles(
  address: string,
  creds: ChannelCredentials,
  symbol: string,
): Promise<FileDescriptorProto[]> {
  const client = new Client(address, creds);
  const identity = (b: Buffer): Buffer => b;
  return new Promise<FileDescriptorProto[]>((resolve, reject) => {
    const call = client.makeBidiStreamRequest(METHOD, identity, identity);
    const files: FileDescriptorProto[] = [];
    call.on("data", (b: Buffer) => {
      try {
        files.push(...decode(b));
      } catch (e) {
        reject(e);
      }
    });
    call.on("error", reject);
    call.on("end", () => resolve(files));
    call.write(request(symbol));
    call.end();
  }).finally(() => client.close());
}

/** Describes a service, method, message or enum by its full name, as grpcurl describe would. */
export async function describeSymbol(
  address: string,
  creds: ChannelCredentials,
  symbol: string,
): Promise<string> {
  const files = await fetchFiles(address, creds, symbol);
  if (files.length === 0) throw new Error(`reflection returned no file for ${symbol}`);
  const registry = createFileRegistry(
    create(FileDescriptorSetSchema, { file: importsFirst(new Map(files.map((f) => [f.name, f]))) }),
  );
  const found = registry.get(symbol);
  if (found?.kind === "service") {
    return [
      `service ${found.typeName}`,
      ...found.methods.map((m) => `  rpc ${m.name}(${m.input.typeName}) returns (${m.output.typeName})`),
    ].join("\n");
  }
  if (found?.kind === "message") {
    return [
      `message ${found.typeName}`,
      ...found.fields.map((f) => `  ${f.name} (${f.fieldKind}) = ${f.number}`),
    ].join("\n");
  }
  if (found?.kind === "enum") {
    return [`enum ${found.typeName}`, ...found.values.map((v) => `  ${v.name} = ${v.number}`)].join("\n");
  }
  const dot = symbol.lastIndexOf(".");
  const method = registry
    .getService(symbol.slice(0, dot))
    ?.methods.find((m) => m.name === symbol.slice(dot + 1));
  if (method) return `rpc ${method.name}(${method.input.typeName}) returns (${method.output.typeName})`;
  throw new Error(`${symbol} is not in the files reflection returned`);
}
