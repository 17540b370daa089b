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
