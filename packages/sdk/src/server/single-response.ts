import { Metadata, ServerInterceptingCall, type ServerInterceptor } from "@grpc/grpc-js";
import { SINGLE_RESPONSE_HEADER } from "../grpc/single-response.js";

/**
 * Marks the response headers of every method with a single response message (unary and
 * client-streaming). A grpc-js server sends such a response's message and, in a later write,
 * its status, which can only be OK once the message went out. When the instance dies between the
 * two writes, the mesh client still has the whole answer: this header tells it so. The status
 * carries it too, in its trailers, so that a status the server sent on purpose (an interceptor
 * may still turn the call into an error) is never mistaken for a dropped connection.
 */
export const singleResponseInterceptor: ServerInterceptor = (method, call) => {
  if (method.responseStream) return new ServerInterceptingCall(call);
  return new ServerInterceptingCall(call, {
    sendMetadata: (metadata, next) => {
      metadata.set(SINGLE_RESPONSE_HEADER, "1");
      next(metadata);
    },
    sendStatus: (status, next) => {
      const metadata = status.metadata ?? new Metadata();
      metadata.set(SINGLE_RESPONSE_HEADER, "1");
      next({ ...status, metadata });
    },
  });
};
