import { type ChildSpec, type DemoChild, launchChild } from "./children.js";

/** Every child process the demo started, so that it can stop them all, in order, and leave none behind. */
export class ProcessGroup {
  private readonly children: DemoChild[] = [];
  private stopping = false;

  get all(): readonly DemoChild[] {
    return this.children;
  }

  /** Starts a child (tracked from the moment it exists) and waits until it is ready. */
  async start(spec: ChildSpec): Promise<DemoChild> {
    // A start racing a stop (Ctrl-C during start-up) must not leave a child nobody stops.
    if (this.stopping) throw new Error(`not starting ${spec.name}: stopping`);
    const { child, ready } = launchChild(spec);
    this.children.push(child);
    await ready;
    return child;
  }

  /**
   * Stops the children still running, stage by stage (each stage in parallel): `first` before
   * the rest. Each gets SIGTERM, then SIGKILL after `graceMs`; resolves once all have exited.
   */
  async stopAll(first: readonly DemoChild[][], graceMs: number): Promise<void> {
    this.stopping = true;
    const staged = new Set(first.flat());
    const stages = [...first, this.children.filter((c) => !staged.has(c))];
    for (const stage of stages) await Promise.all(stage.map((c) => c.stop(graceMs)));
  }

  /** SIGKILLs every child still running, synchronously (for process exit and fatal errors). */
  killAllNow(): void {
    for (const child of this.children) child.signal("SIGKILL");
  }
}
