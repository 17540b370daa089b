// The per-request ceiling for bench/small-requests.ts: a minimal Node TCP server that cuts the same
// frames, parses each request header (api key, version, correlation id, client id) and answers with a
// fixed response of the size the broker gave for that request (the broker's own response bytes,
// captured earlier in the same run, with the correlation id patched). No state, no decoding of the
// body, no timers: what any Node server pays per request for the socket, framing and one write.
// Usage: node canned-server.js RESPONSES.json   ({"<clientId>/<apiKey>": base64 frame with size prefix});
// prints "listening PORT".
import * as fs from 'node:fs';
import * as net from 'node:net';
import { FrameSplitter } from '../../src/codec/frames.js';

const table = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as Record<string, string>;
const responses = new Map<string, Buffer>();
for (const [key, b64] of Object.entries(table)) responses.set(key, Buffer.from(b64, 'base64'));
const empty = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0]); // a frame of just a correlation id, for unknown keys

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  const splitter = new FrameSplitter(1 << 30);
  socket.on('data', (chunk: Buffer) => {
    // One write per chunk of requests, as the broker writes the responses finished in one tick together.
    socket.cork();
    splitter.push(chunk, (frame) => {
      const apiKey = frame.readInt16BE(0);
      const correlationId = frame.readInt32BE(4);
      const idLen = frame.readInt16BE(8);
      const clientId = idLen < 0 ? '' : frame.toString('latin1', 10, 10 + idLen);
      const canned = responses.get(`${clientId}/${apiKey}`) ?? empty;
      const out = Buffer.allocUnsafe(canned.length);
      canned.copy(out);
      out.writeInt32BE(correlationId, 4);
      socket.write(out);
    });
    process.nextTick(() => socket.uncork());
  });
  socket.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => {
  console.log(`listening ${(server.address() as net.AddressInfo).port}`);
});
process.on('SIGTERM', () => process.exit(0));
