/** What an upload reports as it goes. */
export interface Progress {
  /** Bytes B2 has received, counting parts in flight; never goes backwards, even on a retry. */
  bytesSent: number;
  bytesTotal: number;
  partsDone: number;
  partsTotal: number;
  /** Bytes per second, smoothed; 0 until measured. */
  rate: number;
  /** Seconds left at the current rate; undefined until there is a rate. */
  eta: number | undefined;
}

/**
 * Turns part-level facts (a part confirmed, bytes of a part in flight) into monotonic progress.
 * A retried part restarts its in-flight count at zero; the reported total holds its high-water
 * mark until the real count passes it again, so a progress bar never jumps back.
 */
export class ProgressTracker {
  #confirmed = 0;
  #inFlight = new Map<number, number>();
  #reported = 0;
  #partsDone = 0;
  #rate = 0;
  #lastSample: { at: number; bytes: number } | undefined;

  constructor(
    readonly bytesTotal: number,
    readonly partsTotal: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Parts already held by B2 when an upload resumes. */
  alreadyDone(bytes: number, parts: number): void {
    this.#confirmed += bytes;
    this.#partsDone += parts;
    this.#reported = Math.max(this.#reported, this.#confirmed);
  }

  inFlight(partNumber: number, loaded: number): void {
    this.#inFlight.set(partNumber, loaded);
    this.#update();
  }

  /** A part failed or was paused: its bytes in flight no longer count. */
  dropped(partNumber: number): void {
    this.#inFlight.delete(partNumber);
  }

  partDone(partNumber: number, bytes: number): void {
    this.#inFlight.delete(partNumber);
    this.#confirmed += bytes;
    this.#partsDone += 1;
    this.#update();
  }

  snapshot(): Progress {
    const remaining = this.bytesTotal - this.#reported;
    return {
      bytesSent: this.#reported,
      bytesTotal: this.bytesTotal,
      partsDone: this.#partsDone,
      partsTotal: this.partsTotal,
      rate: this.#rate,
      eta: this.#rate > 0 ? remaining / this.#rate : undefined,
    };
  }

  #update(): void {
    let total = this.#confirmed;
    for (const loaded of this.#inFlight.values()) total += loaded;
    this.#reported = Math.min(this.bytesTotal, Math.max(this.#reported, total));
    this.#sampleRate();
  }

  // Exponentially weighted rate over samples at least 250 ms apart, so one fast or slow
  // callback doesn't swing the ETA.
  #sampleRate(): void {
    const at = this.now();
    if (!this.#lastSample) {
      this.#lastSample = { at, bytes: this.#reported };
      return;
    }
    const elapsed = at - this.#lastSample.at;
    if (elapsed < 250) return;
    const instant = ((this.#reported - this.#lastSample.bytes) * 1000) / elapsed;
    this.#rate = this.#rate === 0 ? instant : 0.7 * this.#rate + 0.3 * instant;
    this.#lastSample = { at, bytes: this.#reported };
  }
}
