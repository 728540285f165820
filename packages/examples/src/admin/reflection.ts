import { create, createFileRegistry, type FileRegistry, fromBinary } from "@bufbuild/protobuf";
import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import {
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";
import { type CallOptions, type Client, type ClientDuplexStream, Metadata } from "@grpc/grpc-js";

const REFLECTION_METHOD = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";

/** One grpc.reflection.v1 request: the file that defines a symbol, or a file by name. */
export type ReflectionRequest =
  | { readonly fileContainingSymbol: string }
  | { readonly fileByFilename: string };

/** What a reflection answer carries that we use: descriptor files, or the server's error. */
export type ReflectionAnswer = { readonly files: Uint8Array[] } | { readonly error: string };

/** Encodes a ServerReflectionRequest (file_by_filename = 3, file_containing_symbol = 4). */
export function encodeReflectionRequest(request: ReflectionRequest): Buffer {
  const w = new BinaryWriter();
  if ("fileContainingSymbol" in request) w.tag(4, 2).string(request.fileContainingSymbol);
  else w.tag(3, 2).string(request.fileByFilename);
  return Buffer.from(w.finish());
}

/**
 * Decodes a ServerReflectionResponse: file_descriptor_response = 4 (repeated bytes
 * file_descriptor_proto = 1) or error_response = 7 (error_code = 1, error_message = 2).
 */
export function decodeReflectionAnswer(bytes: Uint8Array): ReflectionAnswer {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field === 4 && wireType === 2) return { files: readRepeatedBytes(new BinaryReader(r.bytes()), 1) };
    if (field === 7 && wireType === 2) return { error: readErrorMessage(new BinaryReader(r.bytes())) };
    r.skip(wireType);
  }
  return { error: "reflection answer carries neither files nor an error" };
}

function readRepeatedBytes(r: BinaryReader, wanted: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field === wanted && wireType === 2) out.push(r.bytes());
    else r.skip(wireType);
  }
  return out;
}

function readErrorMessage(r: BinaryReader): string {
  let code = 0;
  let message = "";
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field === 1 && wireType === 0) code = r.int32();
    else if (field === 2 && wireType === 2) message = r.string();
    else r.skip(wireType);
  }
  return `${message} (code ${code})`;
}

/** Asks one question on an open reflection stream and waits for its answer. */
function ask(
  stream: ClientDuplexStream<Buffer, Buffer>,
  request: ReflectionRequest,
): Promise<ReflectionAnswer> {
  return new Promise((resolve, reject) => {
    const onData = (data: Buffer) => {
      stream.off("error", onError);
      resolve(decodeReflectionAnswer(data));
    };
    const onError = (error: Error) => {
      stream.off("data", onData);
      reject(error);
    };
    stream.once("data", onData);
    stream.once("error", onError);
    stream.write(encodeReflectionRequest(request));
  });
}

/**
 * The files ordered so that each comes after every file it imports, as a registry built from a
 * FileDescriptorSet needs them (a file imported along two paths must still come first).
 */
export function importsFirst(files: ReadonlyMap<string, FileDescriptorProto>): FileDescriptorProto[] {
  const ordered: FileDescriptorProto[] = [];
  const placed = new Set<string>();
  const place = (name: string) => {
    const file = files.get(name);
    if (!file || placed.has(name)) return;
    placed.add(name);
    for (const dependency of file.dependency) place(dependency);
    ordered.push(file);
  };
  for (const name of files.keys()) place(name);
  return ordered;
}

/**
 * Loads, over server reflection (as grpcurl does), the descriptors of the file defining
 * `symbol` and of every file it imports, and returns them as a registry.
 */
export async function loadDescriptors(
  client: Client,
  symbol: string,
  metadata: Metadata = new Metadata(),
  options: CallOptions = {},
): Promise<FileRegistry> {
  const stream = client.makeBidiStreamRequest(
    REFLECTION_METHOD,
    (b: Buffer) => b,
    (b: Buffer) => b,
    metadata,
    options,
  );
  const files = new Map<string, FileDescriptorProto>();
  try {
    let pending: ReflectionRequest[] = [{ fileContainingSymbol: symbol }];
    let root: string | undefined;
    while (pending.length > 0) {
      const request = pending.shift() as ReflectionRequest;
      const answer = await ask(stream, request);
      if ("error" in answer) throw new Error(`server reflection: ${answer.error}`);
      for (const bytes of answer.files) {
        const file = fromBinary(FileDescriptorProtoSchema, bytes);
        root ??= file.name;
        files.set(file.name, file);
      }
      const missing = [...files.values()].flatMap((f) => f.dependency).filter((d) => !files.has(d));
      pending = [...new Set(missing)].map((name) => ({ fileByFilename: name }));
    }
    if (!files.has(root ?? "")) throw new Error(`server reflection: no file defines "${symbol}"`);
    return createFileRegistry(create(FileDescriptorSetSchema, { file: importsFirst(files) }));
  } finally {
    // Done asking: cancelling ends the stream at once; the CANCELLED status it reports is expected.
    stream.on("error", () => undefined);
    stream.cancel();
  }
}
