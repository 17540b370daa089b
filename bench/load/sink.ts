// The same-run reference points for bench/broker.ts, run as a child process:
//   ack          read produce frames over TCP and answer each with a canned Produce response
//                (raw loopback TCP between two Node processes: the baseline);
//   ingest-os    also find the batch, check its CRC-32C and append it to a file, answering once
//                the write is done (group-written with writev);
//   ingest-fsync the same, answering after fdatasync (group commit);
//   serve        answer every request with a SIZE-byte frame from memory (bulk TCP toward the client);
//   serve-file   the same, read from a warm file first (pread at rotating positions into buffers
//                reused once written, as the broker's fetch does): the fetch ceiling.
// The ingest modes are the most any Node broker could do on this machine: no routing, no
// indexes, no validation beyond the CRC. Usage: node sink.js MODE FILE [SIZE]; prints "listening PORT".
import * as fs from 'node:fs';
import * as net from 'node:net';
import { ApiKey, encodeResponse, loadApiCodec } from '../../src/codec/index.js';
import { FrameSplitter } from '../../src/codec/frames.js';
import { crc32c } from '../../src/codec/records/crc32c.js';
import { PRODUCE_VERSION } from './raw-client.js';

const mode = process.argv[2] as 'ack' | 'ingest-os' | 'ingest-fsync' | 'serve' | 'serve-file';
const file = process.argv[3];
const serveSize = Number(process.argv[4] ?? 16 * 1024 * 1024);
if (!['ack', 'ingest-os', 'ingest-fsync', 'serve', 'serve-file'].includes(mode)) throw new Error(`unknown mode ${mode}`);

await loadApiCodec(ApiKey.Produce);
const canned = Buffer.concat(
  encodeResponse(ApiKey.Produce, PRODUCE_VERSION, 0, {
    responses: [{ name: 'bench', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 0, logAppendTimeMs: -1, logStartOffset: 0, recordErrors: [], errorMessage: null }] }],
    throttleTimeMs: 0,
  }),
);

function ack(socket: net.Socket, correlationId: number): void {
  const b = Buffer.from(canned);
  b.writeInt32BE(correlationId, 4);
  socket.write(b);
}

function uvarint(buf: Buffer, pos: number): [number, number] {
  let v = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++];
    v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [v, pos];
    shift += 7;
  }
}

/** The single batch of a Produce v9 request for one topic and partition (the layout our producer sends). */
function batchOf(frame: Buffer): Buffer {
  let pos = 8; // api key, version, correlation id
  const clientIdLen = frame.readInt16BE(pos);
  pos += 2 + Math.max(0, clientIdLen);
  pos = uvarint(frame, pos)[1]; // header tagged fields (none)
  const [txLen, p1] = uvarint(frame, pos); // transactional id (compact nullable)
  pos = p1 + Math.max(0, txLen - 1);
  pos += 2 + 4; // acks, timeout
  pos = uvarint(frame, pos)[1]; // topics count
  const [nameLen, p2] = uvarint(frame, pos);
  pos = p2 + nameLen - 1;
  pos = uvarint(frame, pos)[1]; // partitions count
  pos += 4; // partition index
  const [recLen, p3] = uvarint(frame, pos);
  return frame.subarray(p3, p3 + recLen - 1);
}

function checkBatch(batch: Buffer): void {
  if (batch.length < 61 || batch[16] !== 2 || batch.readInt32BE(8) + 12 !== batch.length) throw new Error('bad batch');
  if (crc32c(batch, 21) !== batch.readUInt32BE(17)) throw new Error('bad CRC');
}

const fd = mode === 'ack' || mode === 'serve' ? -1 : fs.openSync(file, mode === 'serve-file' ? 'w+' : 'w');
/** serve modes: the response frame (size prefix + correlation id + payload) and the file's length. */
const served = mode.startsWith('serve') ? Buffer.alloc(serveSize + 8, 0x5a) : Buffer.alloc(0);
const FILE_COPIES = 4;
if (mode === 'serve-file') {
  for (let i = 0; i < FILE_COPIES; i++) fs.writeSync(fd, served, 0, served.length, i * served.length);
  fs.fsyncSync(fd);
}
let servePos = 0;

/** serve-file: read buffers reused once written (a fresh multi-MiB buffer costs page faults and zeroing). */
const freeReadBuffers: Buffer[] = [];

function serve(socket: net.Socket, correlationId: number): void {
  const reply = (frame: Buffer, written?: () => void): void => {
    frame.writeInt32BE(frame.length - 4, 0);
    frame.writeInt32BE(correlationId, 4);
    socket.write(frame, written);
  };
  if (mode === 'serve') return reply(served); // the same bytes every time: no copy, pure TCP
  const buf = freeReadBuffers.pop() ?? Buffer.allocUnsafe(served.length);
  const at = (servePos++ % FILE_COPIES) * served.length;
  fs.read(fd, buf, 0, buf.length, at, (err, n) => {
    if (err || n !== buf.length) throw err ?? new Error('short read');
    reply(buf, () => freeReadBuffers.push(buf));
  });
}
let written = 0;
/** Group writer shared by all connections: batches waiting, their acks, and whether a write is under way. */
let queue: Buffer[] = [];
let acks: (() => void)[] = [];
let writing = false;

function flush(): void {
  if (writing || queue.length === 0) return;
  writing = true;
  const bufs = queue;
  const done = acks;
  queue = [];
  acks = [];
  const pos = written;
  for (const b of bufs) written += b.length;
  writeAll(bufs, pos, () => {
    const finish = (): void => {
      writing = false;
      for (const a of done) a();
      flush();
    };
    if (mode === 'ingest-fsync') fs.fdatasync(fd, finish);
    else finish();
  });
}

function writeAll(bufs: Buffer[], pos: number, cb: () => void): void {
  // writev takes at most IOV_MAX (1024) buffers at a time.
  const part = bufs.length > 1024 ? bufs.slice(0, 1024) : bufs;
  fs.writev(fd, part, pos, (err, n) => {
    if (err) throw err;
    let len = 0;
    for (const b of part) len += b.length;
    if (n !== len) throw new Error('short write');
    if (part.length < bufs.length) writeAll(bufs.slice(1024), pos + n, cb);
    else cb();
  });
}

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  const splitter = new FrameSplitter(1 << 30);
  socket.on('error', () => {});
  socket.on('data', (chunk: Buffer) => {
    splitter.push(chunk, (frame) => {
      const correlationId = frame.readInt32BE(4);
      if (mode === 'ack') return ack(socket, correlationId);
      if (mode === 'serve' || mode === 'serve-file') return serve(socket, correlationId);
      const batch = batchOf(frame);
      checkBatch(batch);
      // The batch is a view of the socket chunk (never reused by Node), held until its write is done.
      queue.push(batch);
      acks.push(() => ack(socket, correlationId));
      flush();
    });
  });
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address() as net.AddressInfo;
  process.stdout.write(`listening ${addr.port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  if (fd >= 0) fs.closeSync(fd);
  process.exit(0);
});
