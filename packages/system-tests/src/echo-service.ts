import { type ServerUnaryCall, type sendUnaryData, status } from "@grpc/grpc-js";
import {
  type EchoRequest,
  type EchoResponse,
  type EchoServiceServer,
  EchoServiceService,
} from "./gen/echo/v1/echo.js";

export { EchoServiceService };

/** Behaviour an echo instance can be switched to at run time (latency, failures). */
export interface EchoBehaviour {
  /** Added to every call, ms. */
  delayMs: number;
  /** Every call fails with this code (0: none). */
  failWithCode: number;
  /** Share of calls (0..1) that fail with UNAVAILABLE. */
  failureRate: number;
}

export function echoImplementation(
  servedBy: () => string,
  behaviour: EchoBehaviour,
  random = Math.random,
): EchoServiceServer {
  return {
    echo(call: ServerUnaryCall<EchoRequest, EchoResponse>, callback: sendUnaryData<EchoResponse>) {
      const req = call.request;
      const delay = behaviour.delayMs + req.delayMs;
      const answer = () => {
        const code =
          req.failWithCode ||
          behaviour.failWithCode ||
          (random() < behaviour.failureRate ? status.UNAVAILABLE : 0);
        if (code) callback({ code, details: `injected failure from ${servedBy()}` });
        else callback(null, { message: req.message, payload: req.payload, servedBy: servedBy() });
      };
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    },
  };
}
