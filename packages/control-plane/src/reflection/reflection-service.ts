import { type ServerDuplexStream, status } from "@grpc/grpc-js";
import { DESCRIPTOR_SET_BASE64, XDS_DESCRIPTOR_SET_BASE64 } from "../gen/descriptor-set.js";
import {
  type ServerReflectionRequest,
  type ServerReflectionResponse,
  type ServerReflectionServer,
  ServerReflectionService,
} from "../gen/grpc/reflection/v1/reflection.js";
import { ServerReflectionService as ServerReflectionServiceV1Alpha } from "../gen/grpc/reflection/v1alpha/reflection.js";
import { DescriptorIndex } from "./descriptor-index.js";

type Answer = ServerReflectionResponse["messageResponse"];

function notFound(message: string): Answer {
  return { $case: "errorResponse", errorResponse: { errorCode: status.NOT_FOUND, errorMessage: message } };
}

function files(list: Uint8Array[] | undefined, what: string): Answer {
  if (!list) return notFound(`${what} not found`);
  return {
    $case: "fileDescriptorResponse",
    fileDescriptorResponse: { fileDescriptorProto: list.map(Buffer.from) },
  };
}

/** Answers one reflection request from the descriptor index. */
export function answer(index: DescriptorIndex, req: ServerReflectionRequest): Answer {
  const r = req.messageRequest;
  switch (r?.$case) {
    case "listServices":
      return {
        $case: "listServicesResponse",
        listServicesResponse: { service: index.services().map((name) => ({ name })) },
      };
    case "fileByFilename":
      return files(index.fileWithDependencies(r.fileByFilename), `file "${r.fileByFilename}"`);
    case "fileContainingSymbol": {
      const file = index.fileOfSymbol(r.fileContainingSymbol);
      return files(file ? index.fileWithDependencies(file) : undefined, `symbol "${r.fileContainingSymbol}"`);
    }
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = r.fileContainingExtension;
      const file = index.fileOfExtension(containingType, extensionNumber);
      return files(
        file ? index.fileWithDependencies(file) : undefined,
        `extension ${extensionNumber} of "${containingType}"`,
      );
    }
    case "allExtensionNumbersOfType": {
      const numbers = index.extensionNumbers(r.allExtensionNumbersOfType);
      if (!numbers) return notFound(`type "${r.allExtensionNumbersOfType}" not found`);
      return {
        $case: "allExtensionNumbersResponse",
        allExtensionNumbersResponse: { baseTypeName: r.allExtensionNumbersOfType, extensionNumber: numbers },
      };
    }
    case undefined:
      return {
        $case: "errorResponse",
        errorResponse: { errorCode: status.INVALID_ARGUMENT, errorMessage: "message_request is not set" },
      };
  }
}

/** The index of every service the control plane serves, its own and xDS (built once). */
let defaultIndex: DescriptorIndex | undefined;
export function controlPlaneDescriptors(): DescriptorIndex {
  defaultIndex ??= new DescriptorIndex(
    Buffer.from(DESCRIPTOR_SET_BASE64, "base64"),
    Buffer.from(XDS_DESCRIPTOR_SET_BASE64, "base64"),
  );
  return defaultIndex;
}

/** grpc.reflection.v1 ServerReflection (v1alpha shares the handler: the messages are the same on
 * the wire). Open to every caller, like health. */
export function reflectionHandlers(index: DescriptorIndex): ServerReflectionServer {
  return {
    serverReflectionInfo: (call: ServerDuplexStream<ServerReflectionRequest, ServerReflectionResponse>) => {
      call.on("data", (req: ServerReflectionRequest) => {
        call.write({ validHost: req.host, originalRequest: req, messageResponse: answer(index, req) });
      });
      call.on("end", () => call.end());
      call.on("error", () => undefined);
    },
  };
}

export {
  ServerReflectionService as ReflectionV1Service,
  ServerReflectionServiceV1Alpha as ReflectionV1AlphaService,
};
