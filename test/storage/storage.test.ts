// The storage interface behaves the same on file:// and memory://: files, directories, atomic metadata.

import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStorage, openStorage, type Storage } from '../../src/storage/index.js';
import { ENGINES, makeEngine, type EngineFixture } from '../helpers/log-helpers.js';

describe.each(ENGINES)('%s storage engine', (engine) => {
  let fx: EngineFixture;
  let s: Storage;
  beforeEach(async () => {
    fx = await makeEngine(engine);
    s = await fx.open();
  });
  afterEach(() => fx.cleanup());

  it('writes, reads positionally, reports size, truncates', async () => {
    await s.mkdir('d');
    const f = await s.open('d/a.bin', true);
    await f.write([Buffer.from('hello '), Buffer.from('world')], 0);
    await f.write([Buffer.from('!')], 11);
    expect(await f.size()).toBe(12);
    expect((await f.read(6, 5)).toString()).toBe('world');
    expect((await f.read(10, 100)).toString()).toBe('d!');
    expect((await f.read(50, 10)).length).toBe(0);
    // The same through the read of recent bytes (file://: from the event loop when small), into a buffer too.
    expect((await f.read(6, 5, undefined, { recent: true })).toString()).toBe('world');
    expect((await f.read(10, 100, Buffer.alloc(100), { recent: true })).toString()).toBe('d!');
    expect((await f.read(50, 10, undefined, { recent: true })).length).toBe(0);
    const large = Buffer.alloc(200_000, 7);
    await f.write([large], 12);
    expect((await f.read(12, 200_000, undefined, { recent: true })).equals(large)).toBe(true); // beyond the loop's limit: the thread pool
    await f.sync();
    await f.truncate(5);
    expect(await f.size()).toBe(5);
    await f.close();
    const g = await s.open('d/a.bin', false);
    expect((await g.read(0, 100)).toString()).toBe('hello');
    await g.close();
  });

  it('fails to open a missing file without create (ENOENT)', async () => {
    await expect(s.open('nope/x', false)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('lists, renames files and directories, removes', async () => {
    await s.mkdir('a/b');
    await (await s.open('a/b/1.log', true)).close();
    await (await s.open('a/b/2.log', true)).close();
    await s.writeMeta('a/b/meta', Buffer.from('{}'));
    expect(await s.list('a/b')).toEqual(['1.log', '2.log', 'meta']);
    expect(await s.list('a')).toEqual(['b']);
    await s.rename('a/b/1.log', 'a/b/3.log');
    expect(await s.exists('a/b/1.log')).toBe(false);
    expect(await s.exists('a/b/3.log')).toBe(true);
    await s.rename('a/b', 'a/c');
    expect(await s.list('a')).toEqual(['c']);
    expect(await s.list('a/c')).toEqual(['2.log', '3.log', 'meta']);
    expect((await s.readMeta('a/c/meta'))?.toString()).toBe('{}');
    await s.remove('a/c/2.log');
    expect(await s.list('a/c')).toEqual(['3.log', 'meta']);
    await s.removeDir('a/c');
    expect(await s.list('a')).toEqual([]);
    expect(await s.list('missing')).toEqual([]);
    await s.syncDir('a');
  });

  it('mkdir says whether this call created the directory (a partition log skips reading a new one)', async () => {
    expect(await s.mkdir('a/b')).toBe(true);
    expect(await s.mkdir('a/b')).toBe(false);
    expect(await s.mkdir('a')).toBe(false);
  });

  it('replaces metadata atomically', async () => {
    await s.mkdir('m');
    expect(await s.readMeta('m/x')).toBeNull();
    await s.writeMeta('m/x', Buffer.from('one'));
    await s.writeMeta('m/x', Buffer.from('two'));
    expect((await s.readMeta('m/x'))?.toString()).toBe('two');
    expect(await s.list('m')).toEqual(['x']); // no temp file left behind
  });
});

describe('openStorage by URL', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-url-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('opens memory:// and file://DIR', async () => {
    expect(await openStorage('memory://')).toBeInstanceOf(MemoryStorage);
    const s = await openStorage('file://' + dir + '/sub');
    await s.writeMeta('m', Buffer.from('x'));
    expect((await fs.readFile(path.join(dir, 'sub', 'm'))).toString()).toBe('x');
    await expect(openStorage('s3://bucket')).rejects.toThrow(/unknown storage URL/);
  });

  it('memory:// keeps a handed-over buffer of 4 KiB or more as it is and copies everything else', async () => {
    const m = new MemoryStorage();
    await m.mkdir('d');
    const f = await m.open('d/f', true);
    const frame = Buffer.alloc(30_000, 2); // a request frame that owns its memory (FrameSplitter)
    const kept = frame.subarray(50, 20_050);
    const small = frame.subarray(20_050, 24_000); // under 4 KiB: tracking it as a piece costs more than a copy
    const notHanded = Buffer.alloc(100_000, 3);
    await f.write([kept, small], 0, { handedOver: true });
    await f.write([notHanded], 23_950);
    const views = f.views!(0, 123_950);
    expect(views.map((v) => v.length)).toEqual([20_000, 103_950]); // the two copies lie side by side in one chunk
    expect(views[0].buffer).toBe(frame.buffer);
    expect(views[1].buffer).not.toBe(frame.buffer);
    expect(views[1].buffer).not.toBe(notHanded.buffer);
    notHanded.fill(9);
    expect((await f.read(0, 123_950)).equals(Buffer.concat([Buffer.alloc(23_950, 2), Buffer.alloc(100_000, 3)]))).toBe(true);
  });

  it('memory:// views never change: writes over old bytes and cuts make new pieces', async () => {
    const m = new MemoryStorage();
    await m.mkdir('d');
    const f = await m.open('d/f', true);
    const handed = Buffer.alloc(70_000, 5);
    await f.write([Buffer.from('abcdefgh')], 0);
    await f.write([handed], 8, { handedOver: true });
    const before = Buffer.concat(f.views!(0, 70_008));
    const held = f.views!(0, 70_008);
    await f.write([Buffer.from('XY')], 3); // inside the copied piece
    await f.write([Buffer.alloc(10, 7)], 100); // inside the kept buffer
    expect(Buffer.concat(held).equals(before)).toBe(true);
    expect(handed.equals(Buffer.alloc(70_000, 5))).toBe(true); // the writer's buffer is not changed either
    const now = await f.read(0, 70_008);
    expect(now.subarray(0, 8).toString()).toBe('abcXYfgh');
    expect(now.subarray(100, 110).equals(Buffer.alloc(10, 7))).toBe(true);
    expect(now.subarray(8, 100).equals(Buffer.alloc(92, 5)) && now.subarray(110).equals(Buffer.alloc(69_898, 5))).toBe(true);
    await f.truncate(4);
    await f.write([Buffer.from('!')], 6); // past the end: a hole of zeros
    expect((await f.read(0, 100)).equals(Buffer.from([0x61, 0x62, 0x63, 0x58, 0, 0, 0x21]))).toBe(true);
    await f.truncate(9);
    expect((await f.read(0, 100)).subarray(7).equals(Buffer.alloc(2))).toBe(true);
    expect(Buffer.concat(held).equals(before)).toBe(true);
  });

  it('memory crash() keeps only synced bytes', async () => {
    const m = new MemoryStorage();
    await m.mkdir('d');
    const f = await m.open('d/f', true);
    await f.write([Buffer.from('abc')], 0);
    await f.sync();
    await f.write([Buffer.from('def')], 3);
    m.crash();
    expect((await f.read(0, 10)).toString()).toBe('abc');
  });
});
