import { ServerInterceptingCall, type ServerInterceptor } from "@grpc/grpc-js";

/** Counts calls a server is handling, so a drain can wait until they have finished. */
export class InFlightTracker {
  private count = 0;
  private waiters: (() => void)[] = [];

  get inFlight(): number {
    return this.count;
  }

  readonly interceptor: ServerInterceptor = (_method, call) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.count--;
      if (this.count === 0) this.wake();
    };
    return new ServerInterceptingCall(call, {
      start: (next) => {
        this.count++;
        next({ onCancel: finish });
      },
      sendStatus: (s, next) => {
        next(s);
        finish();
      },
    });
  };

  /** Resolves true when no call is in flight, or false after `timeoutMs`. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.waiters.push(done);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
