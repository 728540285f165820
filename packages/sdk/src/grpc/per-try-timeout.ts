import { experimental, status } from "@grpc/grpc-js";

type SubchannelInterface = experimental.SubchannelInterface;
type RealSubchannel = ReturnType<SubchannelInterface["getRealSubchannel"]>;

/**
 * A picked subchannel whose attempt fails with UNAVAILABLE when no answer (response message or
 * status) arrives within `timeoutMs`. grpc-js's retry policy then retries it like any other
 * UNAVAILABLE, on another endpoint, and outlier detection counts the failure, so a frozen
 * instance costs one per-try timeout instead of the whole deadline.
 *
 * grpc-js starts an attempt with `pick.subchannel.getRealSubchannel().createCall(...)`; this
 * wrapper hands back the real subchannel with only `createCall` wrapped.
 */
export class PerTryTimeoutSubchannel extends experimental.BaseSubchannelWrapper {
  constructor(
    child: SubchannelInterface,
    private readonly timeoutMs: number,
    private readonly endpoint: string,
  ) {
    super(child);
  }

  override getRealSubchannel(): RealSubchannel {
    const real = super.getRealSubchannel();
    const { timeoutMs, endpoint } = this;
    const wrapper = Object.create(real) as RealSubchannel;
    wrapper.createCall = (metadata, host, method, listener, callId) => {
      let timer: NodeJS.Timeout | undefined;
      const answered = () => {
        if (timer) clearTimeout(timer);
        timer = undefined;
      };
      const call = real.createCall(
        metadata,
        host,
        method,
        {
          onReceiveMetadata: (m) => listener.onReceiveMetadata(m),
          onReceiveMessage: (m) => {
            answered();
            listener.onReceiveMessage(m);
          },
          onReceiveStatus: (s) => {
            answered();
            listener.onReceiveStatus(s);
          },
        },
        callId,
      );
      timer = setTimeout(() => {
        timer = undefined;
        call.cancelWithStatus(
          status.UNAVAILABLE,
          `switchboard: no answer from ${endpoint} within the per-try timeout of ${timeoutMs} ms`,
        );
      }, timeoutMs);
      return call;
    };
    return wrapper;
  }
}
