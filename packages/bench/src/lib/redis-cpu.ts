/**
 * redis-server's own CPU time, as it reports it (`INFO cpu`: used_cpu_sys + used_cpu_user),
 * read over a plain socket so that no Redis client library is part of the measurement.
 */
import { connect, type Socket } from "node:net";

export class RedisCpu {
  private constructor(private readonly socket: Socket) {}

  static async connect(port: number, host = "127.0.0.1"): Promise<RedisCpu> {
    const socket = connect({ port, host });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    socket.setNoDelay(true);
    return new RedisCpu(socket);
  }

  /** CPU seconds redis-server has used so far (system + user, every thread). */
  async cpuSeconds(): Promise<number> {
    const text = await this.info("cpu");
    const field = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, "m").exec(text)?.[1]);
    return field("used_cpu_sys") + field("used_cpu_user");
  }

  close(): void {
    this.socket.destroy();
  }

  /** One INFO section: a RESP bulk string, "$<length>\r\n<text>\r\n". */
  private info(section: string): Promise<string> {
    return new Promise((resolve, reject) => {
      let buffer = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        const eol = buffer.indexOf("\r\n");
        if (eol < 0) return;
        const head = buffer.subarray(0, eol).toString();
        if (!head.startsWith("$")) {
          done();
          reject(new Error(`INFO ${section}: unexpected reply ${head}`));
          return;
        }
        const length = Number(head.slice(1));
        if (buffer.length < eol + 2 + length + 2) return;
        done();
        resolve(buffer.subarray(eol + 2, eol + 2 + length).toString());
      };
      const onError = (e: Error) => {
        done();
        reject(e);
      };
      const done = () => {
        this.socket.off("data", onData);
        this.socket.off("error", onError);
      };
      this.socket.on("data", onData);
      this.socket.on("error", onError);
      this.socket.write(`INFO ${section}\r\n`);
    });
  }
}
