import type { ServiceSnapshot } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import type { Logger } from "pino";
import { writeSnapshotFile } from "./snapshot-file.js";

/** Writes the snapshot file at most every `debounceMs`, after bursts of updates settle. */
export class SnapshotWriter {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly path: string,
    private readonly logger: Logger,
    private readonly state: () => { epoch: string; services: readonly ServiceSnapshot[] },
    private readonly debounceMs = 200,
  ) {}

  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.debounceMs);
    this.timer.unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const { epoch, services } = this.state();
    try {
      writeSnapshotFile(this.path, epoch, services);
    } catch (e) {
      this.logger.warn({ path: this.path, err: e }, "could not write the snapshot file");
    }
  }
}
