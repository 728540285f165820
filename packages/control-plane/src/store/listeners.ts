/** A set of callbacks that never lets one throwing listener stop the others. */
export class ListenerSet<T> {
  private readonly listeners = new Set<(value: T) => void>();

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  add(listener: (value: T) => void): () => void {
    // A wrapper per registration, so adding the same function twice gives two independent entries.
    const entry = (value: T) => listener(value);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  get size(): number {
    return this.listeners.size;
  }

  emit(value: T): void {
    for (const listener of this.listeners) this.call(listener, value);
  }

  /** Calls every current listener in a microtask of its own, skipping any removed meanwhile. */
  emitLater(value: T): void {
    for (const listener of this.listeners) {
      queueMicrotask(() => {
        if (this.listeners.has(listener)) this.call(listener, value);
      });
    }
  }

  clear(): void {
    this.listeners.clear();
  }

  private call(listener: (value: T) => void, value: T): void {
    try {
      listener(value);
    } catch (error) {
      this.onListenerError(error);
    }
  }
}

/** Default for a store without a logger: a listener bug must not vanish silently. */
export function warnListenerError(error: unknown): void {
  process.emitWarning(`store listener threw: ${error instanceof Error ? error.stack : String(error)}`);
}
