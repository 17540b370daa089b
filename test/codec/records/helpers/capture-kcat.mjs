// Captures the `records` bytes that a real librdkafka producer (kcat) sends, for golden fixtures.
// A throwaway single-broker stub: it answers ApiVersions (v0, v3) and Metadata (v0-v5) and records the first Produce request.
// Usage: node capture-kcat.mjs <codec> <magic 0|1|2> [extra kcat -X args...]  → prints JSON with the records as hex.
// librdkafka picks the message format from the advertised Produce/Fetch versions: v0-1/v0-1 → magic 0,
// v0-2/v0-3 → magic 1, v0-7/v0-11 → magic 2.
import { spawn } from 'node:child_process';
import net from 'node:net';

const [codec = 'none', magic = '2', ...extra] = process.argv.slice(2);
const [produceMax, fetchMax] = { 0: [1, 1], 1: [2, 3], 2: [7, 11] }[magic];
const TOPIC = 't';

function str(s) {
  const b = Buffer.from(s);
  const len = Buffer.alloc(2);
  len.writeInt16BE(b.length);
  return Buffer.concat([len, b]);
}
const i16 = (v) => { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; };
const i32 = (v) => { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; };

function metadataResponse(version, port) {
  const parts = [];
  if (version >= 3) parts.push(i32(0)); // throttle
  parts.push(i32(1), i32(0), str('127.0.0.1'), i32(port)); // brokers: [node 0]
  if (version >= 1) parts.push(i16(-1)); // rack null
  if (version >= 2) parts.push(i16(-1)); // cluster id null
  if (version >= 1) parts.push(i32(0)); // controller
  parts.push(i32(1), i16(0), str(TOPIC));
  if (version >= 1) parts.push(Buffer.from([0])); // is_internal
  parts.push(i32(1), i16(0), i32(0), i32(0), i32(1), i32(0), i32(1), i32(0)); // partition 0, leader 0, replicas [0], isr [0]
  if (version >= 5) parts.push(i32(0)); // offline replicas []
  return Buffer.concat(parts);
}

function readString(buf, pos) {
  const n = buf.readInt16BE(pos);
  return { value: n < 0 ? null : buf.toString('utf8', pos + 2, pos + 2 + n), next: pos + 2 + Math.max(n, 0) };
}

function parseProduce(body, version) {
  let pos = 0;
  if (version >= 3) pos = readString(body, pos).next; // transactional id
  pos += 2 + 4; // acks, timeout
  const topics = body.readInt32BE(pos);
  pos += 4;
  for (let t = 0; t < topics; t++) {
    pos = readString(body, pos).next;
    const parts = body.readInt32BE(pos);
    pos += 4;
    for (let p = 0; p < parts; p++) {
      pos += 4;
      const size = body.readInt32BE(pos);
      return body.subarray(pos + 4, pos + 4 + size);
    }
  }
  return null;
}

const server = net.createServer((sock) => {
  let acc = Buffer.alloc(0);
  sock.on('data', (chunk) => {
    acc = Buffer.concat([acc, chunk]);
    while (acc.length >= 4 && acc.length >= 4 + acc.readInt32BE(0)) {
      const frame = acc.subarray(4, 4 + acc.readInt32BE(0));
      acc = acc.subarray(4 + frame.length);
      const key = frame.readInt16BE(0);
      const version = frame.readInt16BE(2);
      const correlation = frame.readInt32BE(4);
      const body = frame.subarray(readString(frame, 8).next);
      process.stderr.write(`request key ${key} v${version}\n`);
      if (key === 18) {
        // ApiVersions v3 body (the response header stays v0): error, compact array of keys, throttle, no tags
        const apis = [[0, 0, produceMax], [1, 0, fetchMax], [3, 0, 4], [18, 0, 3]];
        const body = Buffer.concat([i16(0), Buffer.from([apis.length + 1]), ...apis.map(([k, lo, hi]) => Buffer.concat([i16(k), i16(lo), i16(hi), Buffer.from([0])])), i32(0), Buffer.from([0])]);
        const v0body = Buffer.concat([i16(0), i32(apis.length), ...apis.map(([k, lo, hi]) => Buffer.concat([i16(k), i16(lo), i16(hi)]))]);
        const resp = Buffer.concat([i32(correlation), version >= 3 ? body : v0body]);
        sock.write(Buffer.concat([i32(resp.length), resp]));
      } else if (key === 3) {
        const resp = Buffer.concat([i32(correlation), metadataResponse(version, server.address().port)]);
        sock.write(Buffer.concat([i32(resp.length), resp]));
      } else if (key === 0) {
        const records = parseProduce(body, version);
        process.stdout.write(JSON.stringify({ produceVersion: version, records: records.toString('hex') }) + '\n');
        child.kill();
        server.close();
        sock.destroy();
        return;
      } else {
        sock.destroy();
      }
    }
  });
  sock.on('error', () => {});
});

let child;
server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  child = spawn('kcat', ['-P', '-b', `127.0.0.1:${port}`, '-t', TOPIC, '-p', '0', '-K', ':', '-H', 'hk=hv', '-z', codec,
    '-X', 'linger.ms=300', ...extra.flatMap((x) => ['-X', x])], { stdio: ['pipe', 'ignore', 'inherit'] });
  const count = Number(process.env.LINES ?? 20);
  const lines = Array.from({ length: count }, (_, i) => `key-${i}:${'value '.repeat((i % 5) + 1)}${i}`).join('\n') + '\n';
  child.stdin.end(lines);
  setTimeout(() => { child.kill(); server.close(); process.exit(2); }, 15000).unref();
});
