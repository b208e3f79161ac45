import type { PartTarget } from './broker-client.js';

/**
 * Part URLs of one large file. B2 allows one request at a time per URL, so a
 * target is handed to exactly one request (`take`), comes back only after a success (`give`), and
 * is simply dropped after a failure: the next `take` asks the broker for a fresh one.
 */
export class TargetPool {
  #idle: PartTarget[] = [];

  constructor(private readonly fetchTargets: (count: number, signal: AbortSignal) => Promise<PartTarget[]>) {}

  /** Fetches `count` targets in one broker call, so N slots start with N URLs. */
  async fill(count: number, signal: AbortSignal): Promise<void> {
    if (count > 0) this.#idle.push(...(await this.fetchTargets(count, signal)));
  }

  async take(signal: AbortSignal): Promise<PartTarget> {
    const idle = this.#idle.pop();
    if (idle) return idle;
    const [fresh] = await this.fetchTargets(1, signal);
    if (!fresh) throw new Error('the broker returned no part URL');
    return fresh;
  }

  give(target: PartTarget): void {
    this.#idle.push(target);
  }
}
