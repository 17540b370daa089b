// A throwaway single-partition "broker" that serves fixed records bytes to a real consumer (kcat), so tests can
// check that librdkafka reads what our encoders, compressors and down-conversion write. It speaks just enough:
// ApiVersions v0/v3, Metadata v0-v5 and Fetch v0-v4 (non-flexible), advertising the versions that make
// librdkafka expect the given message format (magic 0: Fetch ≤1, magic 1: Fetch ≤3, magic 2: Fetch ≤4).
import net from 'node:net';

const i16 = (v: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(v);
  return b;
};
const i32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
};
const i64 = (v: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(v));
  return b;
};
const str = (s: string): Buffer => Buffer.concat([i16(Buffer.byteLength(s)), Buffer.from(s)]);

export const TOPIC = 't';

export interface FetchStub {
  port: number;
  close(): void;
}

/** Serves `records` (whose last offset is `lastOffset`) at partition 0 of topic `t`. */
export function startFetchStub(records: Buffer, lastOffset: number, magic: 0 | 1 | 2): Promise<FetchStub> {
  const [produceMax, fetchMax] = magic === 0 ? [1, 1] : magic === 1 ? [2, 3] : [7, 4];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    let acc = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      acc = Buffer.concat([acc, chunk]);
      while (acc.length >= 4 && acc.length >= 4 + acc.readInt32BE(0)) {
        const frame = acc.subarray(4, 4 + acc.readInt32BE(0));
        acc = acc.subarray(4 + frame.length);
        const key = frame.readInt16BE(0);
        const version = frame.readInt16BE(2);
        const correlation = frame.readInt32BE(4);
        const clientIdLen = frame.readInt16BE(8);
        let body = frame.subarray(10 + Math.max(clientIdLen, 0));
        let resp: Buffer;
        if (key === 18) {
          const apis = [[0, 0, produceMax], [1, 0, fetchMax], [3, 0, 5], [18, 0, 3]];
          resp = version >= 3
            ? Buffer.concat([i16(0), Buffer.from([apis.length + 1]), ...apis.map(([k, lo, hi]) => Buffer.concat([i16(k), i16(lo), i16(hi), Buffer.from([0])])), i32(0), Buffer.from([0])])
            : Buffer.concat([i16(0), i32(apis.length), ...apis.map(([k, lo, hi]) => Buffer.concat([i16(k), i16(lo), i16(hi)]))]);
        } else if (key === 3) {
          const port = (server.address() as net.AddressInfo).port;
          const parts: Buffer[] = [];
          if (version >= 3) parts.push(i32(0));
          parts.push(i32(1), i32(0), str('127.0.0.1'), i32(port));
          if (version >= 1) parts.push(i16(-1));
          if (version >= 2) parts.push(i16(-1));
          if (version >= 1) parts.push(i32(0));
          parts.push(i32(1), i16(0), str(TOPIC));
          if (version >= 1) parts.push(Buffer.from([0]));
          parts.push(i32(1), i16(0), i32(0), i32(0), i32(1), i32(0), i32(1), i32(0));
          if (version >= 5) parts.push(i32(0));
          resp = Buffer.concat(parts);
        } else if (key === 1) {
          // replica, max_wait, min_bytes, [max_bytes v3+], [isolation v4+], topics[1], name, partitions[1], partition, offset
          let pos = 12 + (version >= 3 ? 4 : 0) + (version >= 4 ? 1 : 0) + 4;
          pos += 2 + body.readInt16BE(pos) + 4 + 4;
          const fetchOffset = Number(body.readBigInt64BE(pos));
          const data = fetchOffset <= lastOffset ? records : Buffer.alloc(0);
          const partition = [i32(0), i16(0), i64(lastOffset + 1)];
          if (version >= 4) partition.push(i64(lastOffset + 1), i32(-1)); // last stable offset, aborted: null
          partition.push(i32(data.length), data);
          resp = Buffer.concat([...(version >= 1 ? [i32(0)] : []), i32(1), str(TOPIC), i32(1), ...partition]);
        } else {
          sock.destroy();
          return;
        }
        body = Buffer.concat([i32(correlation), resp]);
        sock.write(Buffer.concat([i32(body.length), body]));
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () => {
          for (const s of sockets) s.destroy();
          server.close();
        },
      });
    });
  });
}
