/** Gives out at most `size` slots at a time; callers wait in line, in order, until one is free. */
export class Limiter {
  readonly #size: number;
  #busy = 0;
  readonly #waiting = new Set<() => void>();

  constructor(size: number) {
    this.#size = size;
  }

  /** Slots in use. */
  get busy(): number {
    return this.#busy;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /**
   * Resolves with a release function once a slot is free. A caller whose signal aborts while it
   * waits leaves the line and gets the signal's reason.
   */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.#busy < this.#size) {
      this.#busy++;
      return this.#releaser();
    }
    // The slot is handed over by the releasing caller, so none can be taken in between.
    await new Promise<void>((resolve, reject) => {
      const wake = (): void => {
        signal?.removeEventListener('abort', leave);
        resolve();
      };
      const leave = (): void => {
        this.#waiting.delete(wake);
        reject(signal?.reason);
      };
      this.#waiting.add(wake);
      signal?.addEventListener('abort', leave, { once: true });
    });
    return this.#releaser();
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Sets iterate in insertion order: the longest waiter goes first.
      const [next] = this.#waiting;
      if (next) {
        this.#waiting.delete(next);
        next();
      } else {
        this.#busy--;
      }
    };
  }
}
