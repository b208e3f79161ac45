/**
 * Deterministic test bytes that the page and the test process generate alike, so a spec can compare
 * a browser-side result with Node's own computation without shipping the bytes across.
 *
 * The bytes are cut in 1 MiB blocks, each from its own xorshift32 stream seeded by (seed, block
 * index): any block can be made on its own, and the page builds a File block by block without ever
 * holding two copies of it. Words are written in the platform's byte order; the page and the test
 * process run on the same machine, so both agree.
 */

export const BLOCK_SIZE = 1024 * 1024;

/** Fills `out` (at most BLOCK_SIZE bytes) with block `index` of the stream named by `seed`. */
export function fillBlock(seed: number, index: number, out: Uint8Array): void {
  const words = new Uint32Array(Math.ceil(out.length / 4));
  // splitmix-style scramble of (seed, index) so neighbouring blocks start far apart; never 0,
  // which is xorshift32's one fixed point.
  let state = Math.imul((seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0, 0x85ebca6b) >>> 0;
  state = (state ^ (state >>> 13)) >>> 0 || 0x6d2b79f5;
  for (let i = 0; i < words.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    words[i] = state >>> 0;
  }
  out.set(new Uint8Array(words.buffer, 0, out.length));
}

/** The blocks of a `size`-byte stream, in order; the last one may be shorter. */
export function* deterministicBlocks(seed: number, size: number): Generator<Uint8Array<ArrayBuffer>> {
  for (let index = 0; index * BLOCK_SIZE < size; index++) {
    const block = new Uint8Array(Math.min(BLOCK_SIZE, size - index * BLOCK_SIZE));
    fillBlock(seed, index, block);
    yield block;
  }
}
