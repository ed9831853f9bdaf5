/** What `acquire` rejects with once the limiter is stopped. */
export class LimiterStopped extends Error {
  override readonly name = 'LimiterStopped';
}

/** What `acquire` rejects with when the line of waiting callers is full. */
export class LimiterFull extends Error {
  override readonly name = 'LimiterFull';
}

/**
 * Gives out at most `size` slots at a time; callers wait in line, in order, until one is free. With
 * `maxWaiting`, a caller who would be past that place in line is turned away (LimiterFull) at once.
 */
export class Limiter {
  readonly #size: number;
  readonly #maxWaiting: number;
  #busy = 0;
  // Each waiter: wake it with its slot, or turn it away (the limiter stopped).
  readonly #waiting = new Map<() => void, (error: Error) => void>();
  #stopped = false;

  constructor(size: number, maxWaiting = Number.POSITIVE_INFINITY) {
    this.#size = size;
    this.#maxWaiting = maxWaiting;
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
    if (this.#stopped) throw new LimiterStopped('stopped: no more slots are given out');
    if (this.#busy < this.#size) {
      this.#busy++;
      return this.#releaser();
    }
    if (this.#waiting.size >= this.#maxWaiting) throw new LimiterFull(`${this.#waiting.size} callers are already waiting`);
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
      const turnAway = (error: Error): void => {
        signal?.removeEventListener('abort', leave);
        reject(error);
      };
      this.#waiting.set(wake, turnAway);
      signal?.addEventListener('abort', leave, { once: true });
    });
    return this.#releaser();
  }

  /** Gives out no more slots: callers waiting, and those to come, get a LimiterStopped error. Slots in use are unaffected. */
  stop(): void {
    this.#stopped = true;
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const turnAway of waiting) turnAway(new LimiterStopped('stopped while waiting for a slot'));
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Maps iterate in insertion order: the longest waiter goes first.
      const [next] = this.#waiting.keys();
      if (next) {
        this.#waiting.delete(next);
        next();
      } else {
        this.#busy--;
      }
    };
  }
}
