import { describe, expect, it } from 'vitest';
import { decodeB2, encodeB2 } from '../../src/b2/encoding.js';

describe('B2 percent-encoding', () => {
  it('keeps slashes and the unreserved set, encodes the rest', () => {
    expect(encodeB2('dir/a b+c~_.-!.txt')).toBe('dir/a%20b%2Bc~_.-%21.txt');
    expect(encodeB2('ünïcode/😀')).toBe('%C3%BCn%C3%AFcode/%F0%9F%98%80');
  });

  it('decodes + as a space and round-trips', () => {
    expect(decodeB2('a+b%2Bc')).toBe('a b+c');
    const name = 'x/ y+z?#%&=é';
    expect(decodeB2(encodeB2(name))).toBe(name);
  });

  it('reports malformed input instead of throwing', () => {
    expect(decodeB2('%E0%A4%A')).toBeUndefined();
    expect(decodeB2('100%')).toBeUndefined();
  });
});
