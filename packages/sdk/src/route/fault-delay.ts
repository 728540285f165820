import { experimental, type Metadata, type StatusObject } from "@grpc/grpc-js";

/**
 * Holds a call back `delayMs` before it is sent (a route's delay fault). The call's deadline
 * and cancellation still apply while it waits: grpc-js ends the call then, which reaches this
 * filter as its trailers, and the wait ends without the call ever being sent.
 */
class DelayFilter extends experimental.BaseFilter {
  private timer: NodeJS.Timeout | undefined;
  private stop: ((s: StatusObject) => void) | undefined;

  constructor(private readonly delayMs: number) {
    super();
  }

  override async sendMetadata(metadata: Promise<Metadata>): Promise<Metadata> {
    await new Promise<void>((resolve, reject) => {
      this.stop = reject;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.stop = undefined;
        resolve();
      }, this.delayMs);
    });
    return metadata;
  }

  override receiveTrailers(s: StatusObject): StatusObject {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.stop?.(s);
      this.stop = undefined;
    }
    return s;
  }
}

export class DelayFilterFactory implements experimental.FilterFactory<experimental.Filter> {
  constructor(private readonly delayMs: number) {}

  createFilter(): experimental.Filter {
    return new DelayFilter(this.delayMs);
  }
}
