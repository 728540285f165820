/** The echo service: a server implementation with per-instance delay, and a promise call. */
import { Metadata, type ServerUnaryCall, type ServiceError, type sendUnaryData, status } from "@grpc/grpc-js";
import {
  type EchoRequest,
  type EchoResponse,
  type EchoServiceClient,
  type EchoServiceServer,
  EchoServiceService,
} from "../gen/echo/v1/echo.js";
import type { ServedLog } from "./served-log.js";

export { EchoServiceClient } from "../gen/echo/v1/echo.js";
export { EchoServiceService };

/** An instance's switch to fail every call (UNAVAILABLE), and its own record of its calls. */
export interface EchoInstanceState {
  failing: boolean;
  readonly log: ServedLog;
}

/**
 * Answers with what it was sent, after `delayMs` (0: at once) plus the request's own delay; with
 * a state, every call is recorded, and refused with UNAVAILABLE while `failing` is set.
 */
export function echoImplementation(
  servedBy: () => string,
  delayMs: number,
  state?: EchoInstanceState,
): EchoServiceServer {
  return {
    echo(call: ServerUnaryCall<EchoRequest, EchoResponse>, callback: sendUnaryData<EchoResponse>) {
      if (state?.failing) {
        state.log.record(false);
        callback({ code: status.UNAVAILABLE, details: "instance failing (benchmark fault)" });
        return;
      }
      state?.log.record(true);
      const req = call.request;
      const answer = () =>
        callback(null, { message: req.message, payload: req.payload, servedBy: servedBy() });
      const delay = delayMs + req.delayMs;
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    },
  };
}

/** The request every benchmark sends: a short message, no payload, no injected delay or failure. */
export const ECHO_REQUEST: EchoRequest = {
  message: "hello",
  payload: Buffer.alloc(0),
  delayMs: 0,
  failWithCode: 0,
};

export type EchoCall = () => Promise<EchoResponse>;

/**
 * One unary Echo call as a promise (the same wrapper for every client variant), with a
 * deadline `deadlineMs` after the call starts when given.
 */
export function echoCall(client: EchoServiceClient, deadlineMs?: number): EchoCall {
  return () =>
    new Promise<EchoResponse>((resolve, reject) => {
      const options = deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
      client.echo(ECHO_REQUEST, new Metadata(), options, (e: ServiceError | null, r: EchoResponse) =>
        e ? reject(e) : resolve(r),
      );
    });
}

export function isServiceError(e: unknown): e is ServiceError {
  return (
    typeof e === "object" && e !== null && "code" in e && typeof (e as { code: unknown }).code === "number"
  );
}
