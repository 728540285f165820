/**
 * The greeter of the proto-loader example: its .proto is loaded at run time with
 * @grpc/proto-loader (no generated code), served with createMeshServer and called through the
 * mesh two ways: a client class made by grpc-js from the loaded definition, and `mesh.call()`.
 */
import { fileURLToPath } from "node:url";
import {
  type CallOptions,
  type ChannelCredentials,
  type Client,
  type ClientUnaryCall,
  type GrpcObject,
  loadPackageDefinition,
  type MethodDefinition,
  type ServiceDefinition,
  type ServiceError,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { createMeshServer, type MeshClient, type MeshServer } from "@switchboard/sdk";
import type { Logger } from "pino";

/** The same folder from src/ and from dist/. */
export const GREETER_PROTO = fileURLToPath(new URL("../../protos/helloworld/greeter.proto", import.meta.url));

export interface HelloRequest {
  name: string;
}

export interface HelloReply {
  message: string;
  servedBy: string;
}

/** A client of `helloworld.Greeter` as grpc-js builds it from the loaded definition. */
export interface GreeterClient extends Client {
  SayHello(
    request: HelloRequest,
    options: CallOptions,
    callback: (error: ServiceError | null, reply: HelloReply) => void,
  ): ClientUnaryCall;
}

/** grpc-js's view of `helloworld.Greeter` once loaded: a client class with its `service` definition. */
export interface GreeterClass {
  new (address: string, credentials: ChannelCredentials): GreeterClient;
  readonly service: ServiceDefinition & { SayHello: MethodDefinition<HelloRequest, HelloReply> };
}

/** Loads greeter.proto; field names in camelCase (`servedBy`), as ts-proto would name them. */
export function loadGreeter(): GreeterClass {
  const definition = loadSync(GREETER_PROTO, { keepCase: false, defaults: true });
  const helloworld = loadPackageDefinition(definition).helloworld as GrpcObject;
  return helloworld.Greeter as unknown as GreeterClass;
}

/** One mesh instance of the greeter service "greeter". */
export async function startGreeter(options: { controlPlane: string; logger: Logger }): Promise<{
  server: MeshServer;
  address: string;
}> {
  const Greeter = loadGreeter();
  let address = "";
  const implementation: UntypedServiceImplementation = {
    SayHello: (call: { request: HelloRequest }, callback: (error: null, reply: HelloReply) => void) =>
      callback(null, { message: `Hello, ${call.request.name}!`, servedBy: address }),
  };
  const server = createMeshServer({
    service: "greeter",
    controlPlane: options.controlPlane,
    listen: "127.0.0.1:0",
    handleSignals: false,
    logger: options.logger,
  }).addService(Greeter.service, implementation);
  address = (await server.start()).address;
  return { server, address };
}

/** `mesh.call()` with the loaded method definition: no client object at all. */
export function sayHelloWithCall(mesh: MeshClient, Greeter: GreeterClass, name: string): Promise<HelloReply> {
  return mesh.call("greeter", Greeter.service.SayHello, { name }, { deadlineMs: 5000 });
}
