import { describe, expect, it } from 'vitest';
import { splitTrailer } from '../../src/emulator/trailer.js';

/** Bytes that differ at every offset, so a dropped, repeated or reordered byte shows. */
const body = Buffer.from(Array.from({ length: 50 }, (_, i) => (i * 7 + 3) & 0xff));

function run(chunks: Buffer[], size: number) {
  const splitter = splitTrailer(size);
  const pieces = chunks.flatMap((c) => splitter.content(c));
  return { pieces, content: Buffer.concat(pieces), trailer: splitter.trailer() };
}

describe('splitTrailer (hex_digits_at_end)', () => {
  it('holds back the last bytes whatever the chunk boundaries', () => {
    // Every way to cut the body into three chunks (some empty, some shorter than the trailer).
    for (let a = 0; a <= body.length; a++) {
      for (let b = a; b <= body.length; b++) {
        const { pieces, content, trailer } = run(
          [body.subarray(0, a), body.subarray(a, b), body.subarray(b)],
          8,
        );
        expect(content.equals(body.subarray(0, 42)), `cuts ${a},${b}`).toBe(true);
        expect(trailer.equals(body.subarray(42)), `cuts ${a},${b}`).toBe(true);
        expect(pieces.every((p) => p.length > 0)).toBe(true);
      }
    }
  });

  it('releases nothing from a body no longer than the trailer', () => {
    const { content, trailer } = run([body.subarray(0, 3), body.subarray(3, 6)], 8);
    expect(content.length).toBe(0);
    expect(trailer.equals(body.subarray(0, 6))).toBe(true);
    expect(run([], 8).trailer.length).toBe(0);
  });

  it('passes long chunks through as views, not copies', () => {
    const chunk = Buffer.from(body);
    const [piece] = splitTrailer(8).content(chunk);
    chunk[0] = 0xff;
    expect(piece![0]).toBe(0xff);
  });
});
