import { describe, expect, it } from 'vitest';
import { FrameError, FrameSplitter } from '../../src/codec/frames.js';

function frame(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

describe('FrameSplitter', () => {
  it('cuts frames from a stream split at every possible point', () => {
    const payloads = [Buffer.from('a'), Buffer.alloc(0), Buffer.from('hello world'), Buffer.alloc(300, 7)];
    const stream = Buffer.concat(payloads.map(frame));
    for (let cut1 = 0; cut1 <= stream.length; cut1 += 3) {
      for (let cut2 = cut1; cut2 <= stream.length; cut2 += 17) {
        const splitter = new FrameSplitter(1000);
        const got: Buffer[] = [];
        for (const piece of [stream.subarray(0, cut1), stream.subarray(cut1, cut2), stream.subarray(cut2)]) {
          splitter.push(piece, (f) => got.push(Buffer.from(f)));
        }
        expect(got).toEqual(payloads);
        expect(splitter.hasPartialFrame).toBe(false);
      }
    }
  });

  it('returns a view, not a copy, when a frame lies inside one chunk', () => {
    const chunk = frame(Buffer.from('abc'));
    let seen: Buffer | undefined;
    new FrameSplitter(100).push(chunk, (f) => (seen = f));
    expect(seen!.buffer).toBe(chunk.buffer);
  });

  it('tells whether a frame\'s memory is its own: a chunk of that frame alone, or a joined frame too large for Node\'s shared pool', () => {
    const owned = (chunks: Buffer[]) => {
      const seen: boolean[] = [];
      const splitter = new FrameSplitter(1 << 20);
      for (const c of chunks) splitter.push(c, (_f, own) => seen.push(own));
      return seen;
    };
    const big = frame(Buffer.alloc(20_000, 1));
    const read = (bytes: Buffer) => { // what Node reads a TCP socket into: memory of its own
      const own = Buffer.from(new ArrayBuffer(bytes.length));
      bytes.copy(own);
      return own;
    };
    expect(owned([read(big)])).toEqual([true]); // a socket read holding this frame alone
    expect(owned([read(Buffer.concat([big, big]))])).toEqual([false, false]); // two frames in one read
    expect(owned([read(Buffer.concat([big, big.subarray(0, 10)]))])).toEqual([false]); // with the start of the next
    expect(owned([Buffer.concat([Buffer.alloc(8), big]).subarray(8)])).toEqual([false]); // a view into a larger buffer
    expect(owned([big.subarray(0, 5000), big.subarray(5000)])).toEqual([true]); // joined: memory of its own (not Node 24's 64 KiB pool)
    const small = frame(Buffer.alloc(100, 1));
    expect(owned([small.subarray(0, 50), small.subarray(50)])).toEqual([false]); // joined in Node's shared 8 KiB pool
  });

  it('rejects an oversized size prefix before buffering the payload', () => {
    const splitter = new FrameSplitter(1024);
    const huge = Buffer.from([0x7f, 0xff, 0xff, 0xff]);
    expect(() => splitter.push(huge, () => {})).toThrow(FrameError);
    expect(() => new FrameSplitter(10).push(Buffer.from([0xff, 0xff, 0xff, 0xfe]), () => {})).toThrow(/negative/);
  });

  it('holds only the bytes that arrived for a large announced frame', () => {
    const splitter = new FrameSplitter(100 * 1024 * 1024);
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(50 * 1024 * 1024);
    splitter.push(Buffer.concat([prefix, Buffer.alloc(10)]), () => {});
    expect(splitter.pendingBytes).toBe(10);
  });
});
