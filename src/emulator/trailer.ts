/**
 * Holds back the last bytes of a body as it streams by: with X-Bz-Content-Sha1 `hex_digits_at_end`
 * the last 40 bytes are the hex SHA-1, not content, and which bytes are the last is
 * only known once the body ended.
 */
export interface TrailerSplitter {
  /** The content that `chunk` makes certain, in order: no, one or two pieces, none empty. */
  content(chunk: Buffer): Buffer[];
  /** The bytes held back so far: after the last chunk, the trailer (shorter if the body was). */
  trailer(): Buffer;
}

export function splitTrailer(size: number): TrailerSplitter {
  let held: Buffer = Buffer.alloc(0);
  return {
    content(chunk) {
      if (chunk.length >= size) {
        // Content passes as views of the chunks: joining every chunk to the held bytes would copy
        // the whole body once more.
        const released = held;
        const cut = chunk.length - size;
        held = chunk.subarray(cut);
        const pieces = released.length ? [released] : [];
        if (cut) pieces.push(chunk.subarray(0, cut));
        return pieces;
      }
      const joined = Buffer.concat([held, chunk]); // shorter than 2 × size
      const cut = Math.max(0, joined.length - size);
      held = joined.subarray(cut);
      return cut ? [joined.subarray(0, cut)] : [];
    },
    trailer: () => held,
  };
}
