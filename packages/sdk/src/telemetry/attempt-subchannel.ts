import { experimental, status } from "@grpc/grpc-js";
import type { CallTelemetry } from "./client-telemetry.js";

type SubchannelInterface = experimental.SubchannelInterface;
type RealSubchannel = ReturnType<SubchannelInterface["getRealSubchannel"]>;

/** gRPC's length-prefixed message framing: 1 flag byte and a 4-byte length before each message. */
const FRAME_HEADER_BYTES = 5;

/**
 * A picked subchannel that reports its attempt to the call's telemetry. grpc-js starts each
 * attempt with one `createCall` on the picked subchannel, with the attempt's own metadata, and
 * passes messages there already framed and compressed: so this is where an attempt starts (its
 * span's context still fits into its headers), where its compressed message sizes are seen, and
 * where its status arrives.
 */
export class AttemptTelemetrySubchannel extends experimental.BaseSubchannelWrapper {
  constructor(
    child: SubchannelInterface,
    private readonly call: CallTelemetry,
    private readonly endpoint: string,
  ) {
    super(child);
  }

  override getRealSubchannel(): RealSubchannel {
    const real = super.getRealSubchannel();
    const { call, endpoint } = this;
    const wrapper = Object.create(real) as RealSubchannel;
    wrapper.createCall = (metadata, host, method, listener, callId) => {
      const attempt = call.startAttempt(endpoint, metadata);
      let started: ReturnType<RealSubchannel["createCall"]>;
      try {
        started = real.createCall(
          metadata,
          host,
          method,
          {
            onReceiveMetadata: (m) => listener.onReceiveMetadata(m),
            onReceiveMessage: (m) => {
              attempt.received(Math.max(0, (m as Buffer).length - FRAME_HEADER_BYTES));
              listener.onReceiveMessage(m);
            },
            onReceiveStatus: (s) => {
              attempt.end(s.code);
              listener.onReceiveStatus(s);
            },
          },
          callId,
        );
      } catch (e) {
        attempt.end(status.INTERNAL);
        throw e;
      }
      const send = started.sendMessageWithContext.bind(started);
      started.sendMessageWithContext = (context, message) => {
        attempt.sent(Math.max(0, message.length - FRAME_HEADER_BYTES));
        send(context, message);
      };
      return started;
    };
    return wrapper;
  }
}
