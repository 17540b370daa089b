// Hand-checked byte vectors built from the protocol reference (record-format.md sections 2-4 and the
// schema), independent of our encoder: decode them to exact values and encode back to the same bytes.
import { describe, expect, it } from 'vitest';
import {
  ApiKey,
  decodeRequest,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  ZERO_UUID,
  uuidFromBytes,
} from '../../src/codec/index.js';

/** Hex with spaces and `#` comments → Buffer. */
function hex(s: string): Buffer {
  return Buffer.from(
    s
      .split('\n')
      .map((l) => l.replace(/#.*$/, ''))
      .join('')
      .replace(/\s+/g, ''),
    'hex',
  );
}
const ascii = (s: string) => Buffer.from(s, 'latin1').toString('hex');
const framed = (body: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, 0].map((_, i) => (body.length >>> (24 - 8 * i)) & 0xff)), body]);

describe('golden bytes', () => {
  it('ApiVersions v3 request as the Java client sends it', () => {
    const frame = hex(`
      0012 0003 00000001          # api key 18, version 3, correlation id 1
      000d ${ascii('adminclient-1')}  # client id: classic NULLABLE_STRING even in header v2
      00                          # header tagged fields
      12 ${ascii('apache-kafka-java')} # compact string, length 17 + 1
      06 ${ascii('3.9.0')}
      00                          # body tagged fields
    `);
    const h = decodeRequestHeader(frame);
    expect(h).toEqual({ apiKey: 18, apiVersion: 3, correlationId: 1, clientId: 'adminclient-1', headerVersion: 2, bodyOffset: 24 });
    const body = decodeRequest(ApiKey.ApiVersions, 3, frame, h.bodyOffset);
    expect(body).toEqual({ clientSoftwareName: 'apache-kafka-java', clientSoftwareVersion: '3.9.0', _unknownTaggedFields: undefined });
    const enc = Buffer.concat(encodeRequest(ApiKey.ApiVersions, 3, { correlationId: 1, clientId: 'adminclient-1' }, body));
    expect(enc.equals(framed(frame))).toBe(true);
  });

  it('ApiVersions v3 response uses header v0 and tagged fields in the body', () => {
    const frame = hex(`
      00000001                    # correlation id; header v0: no tagged fields
      0000                        # error code
      03                          # compact array of 2
        0000 0000 000b 00         # Produce 0-11, tagged fields
        0012 0000 0004 00         # ApiVersions 0-4
      00000000                    # throttle
      01                          # one tagged field
        01 08 0000000000000005    # tag 1 FinalizedFeaturesEpoch = 5 (8 bytes)
    `);
    const { header, body } = decodeResponse(ApiKey.ApiVersions, 3, frame);
    expect(header).toEqual({ correlationId: 1, headerVersion: 0 });
    expect(body.errorCode).toBe(0);
    expect(body.apiKeys.map((k) => [k.apiKey, k.minVersion, k.maxVersion])).toEqual([[0, 0, 11], [18, 0, 4]]);
    expect(body.finalizedFeaturesEpoch).toBe(5);
    expect(body.supportedFeatures).toEqual([]);
    expect(body.zkMigrationReady).toBe(false);
    expect(Buffer.concat(encodeResponse(ApiKey.ApiVersions, 3, 1, body)).equals(framed(frame))).toBe(true);
  });

  it('ApiVersions v0 response (what a broker answers to an unknown version)', () => {
    const frame = hex('0000002a 0023 00000001 0012 0000 0004');
    const { body } = decodeResponse(ApiKey.ApiVersions, 0, frame);
    expect(body.errorCode).toBe(35);
    expect(body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 4, _unknownTaggedFields: undefined }]);
    const enc = encodeResponse(ApiKey.ApiVersions, 0, 42, { errorCode: 35, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }] });
    expect(Buffer.concat(enc).equals(framed(frame))).toBe(true);
  });

  it('Metadata v12 request and response', () => {
    const req = hex(`
      0003 000c 00000007 0004 ${ascii('rdkf')} 00
      02                          # one topic
        00000000000000000000000000000000  # topic id: zero uuid
        07 ${ascii('golden')}       # compact nullable string
        00
      01                          # allow auto topic creation
      00                          # include topic authorized operations
      00
    `);
    const h = decodeRequestHeader(req);
    expect(h.headerVersion).toBe(2);
    const body = decodeRequest(ApiKey.Metadata, 12, req, h.bodyOffset);
    expect(body.topics).toEqual([{ topicId: ZERO_UUID, name: 'golden', _unknownTaggedFields: undefined }]);
    expect(body.allowAutoTopicCreation).toBe(true);
    expect(body.includeTopicAuthorizedOperations).toBe(false);
    expect(body.includeClusterAuthorizedOperations).toBe(false); // absent in v12: default
    expect(Buffer.concat(encodeRequest(3, 12, { correlationId: 7, clientId: 'rdkf' }, body)).equals(framed(req))).toBe(true);

    const idBytes = hex('0123456789abcdef0123456789abcdef');
    const resp = hex(`
      00000007 00                 # correlation id, header v1 tagged fields
      00000000                    # throttle
      02                          # brokers: 1
        00000001 0a ${ascii('127.0.0.1')} 00002384 00 00   # node 1, host, port 9092, rack null
      02 ${ascii('c')}            # cluster id "c"
      00000001                    # controller id
      02                          # topics: 1
        0000 07 ${ascii('golden')} ${idBytes.toString('hex')} 00
        02                        # partitions: 1
          0000 00000000 00000001 00000000   # error, index 0, leader 1, epoch 0
          02 00000001             # replicas [1]
          02 00000001             # isr [1]
          01                      # offline []
          00
        80000000                  # topic authorized operations: INT32_MIN (not requested)
        00
      00
    `);
    const { header, body: mb } = decodeResponse(ApiKey.Metadata, 12, resp);
    expect(header.headerVersion).toBe(1);
    expect(mb.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: 9092, rack: null, _unknownTaggedFields: undefined }]);
    expect(mb.clusterId).toBe('c');
    expect(mb.topics[0].topicId).toBe(uuidFromBytes(idBytes));
    expect(mb.topics[0].partitions[0]).toMatchObject({ leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] });
    expect(mb.topics[0].topicAuthorizedOperations).toBe(-2147483648);
    expect(mb.clusterAuthorizedOperations).toBe(-2147483648); // absent in v12: default
    expect(Buffer.concat(encodeResponse(ApiKey.Metadata, 12, 7, mb)).equals(framed(resp))).toBe(true);
  });

  it('Produce v3 request: records stay a view into the frame', () => {
    const records = 'aa'.repeat(20);
    const frame = hex(`
      0000 0003 00000002 ffff      # produce v3, correlation 2, client id null
      ffff                         # transactional id null
      ffff 00007530                # acks -1, timeout 30000
      00000001 0006 ${ascii('golden')}
        00000001 00000000 00000014 ${records}
    `);
    const h = decodeRequestHeader(frame);
    expect(h).toMatchObject({ clientId: null, headerVersion: 1, bodyOffset: 10 });
    const body = decodeRequest(ApiKey.Produce, 3, frame, h.bodyOffset);
    const rec = body.topicData[0].partitionData[0].records!;
    expect(rec.length).toBe(20);
    expect(rec.buffer).toBe(frame.buffer);
    expect(rec.byteOffset).toBe(frame.byteOffset + frame.length - 20);
    const enc = encodeRequest(ApiKey.Produce, 3, { correlationId: 2, clientId: null }, body);
    expect(enc.some((b) => b === rec)).toBe(true); // records went out as their own chunk
    expect(Buffer.concat(enc).equals(framed(frame))).toBe(true);
  });

  it('Fetch v12 response with chunked records and int64 sentinels', () => {
    const a = Buffer.from('0102', 'hex');
    const b = Buffer.from('030405', 'hex');
    const enc = encodeResponse(ApiKey.Fetch, 12, 9, {
      responses: [{ topic: 't', partitions: [{ partitionIndex: 0, highWatermark: 2 ** 63, lastStableOffset: -1, logStartOffset: -(2 ** 63), records: [a, b] }] }],
    });
    expect(enc[1]).toBe(a);
    expect(enc[2]).toBe(b);
    const frame = Buffer.concat(enc);
    const expected = hex(`
      00000009 00                 # correlation id, header tagged fields
      00000000 0000 00000000      # throttle, error, session id
      02 02 ${ascii('t')}         # responses: 1, topic "t"
        02                        # partitions: 1
          00000000 0000           # index 0, error 0
          7fffffffffffffff        # high watermark: 2^63 saturates to INT64_MAX
          ffffffffffffffff        # last stable offset -1
          8000000000000000        # log start offset INT64_MIN
          01                      # aborted transactions: empty (nullable, empty)
          ffffffff                # preferred read replica -1
          06 0102030405           # records: compact, 5 bytes
          00
        00
      00
    `);
    expect(frame.subarray(4).equals(expected)).toBe(true);
    const { body } = decodeResponse(ApiKey.Fetch, 12, frame.subarray(4));
    const p = body.responses[0].partitions[0];
    expect(p.highWatermark).toBe(2 ** 63);
    expect(p.lastStableOffset).toBe(-1);
    expect(p.logStartOffset).toBe(-(2 ** 63));
    expect(p.abortedTransactions).toEqual([]);
    expect(p.divergingEpoch).toEqual({ epoch: -1, endOffset: -1 });
  });
  it('Produce v10 response with tagged CurrentLeader and NodeEndpoints (KIP-951)', () => {
    const frame = hex(`
      00000001 00                 # correlation id, header v1 tagged fields
      02                          # responses: 1
        02 74                     # name "t"
        02                        # partition responses: 1
          00000000 0006           # index 0, NOT_LEADER_OR_FOLLOWER
          ffffffffffffffff ffffffffffffffff ffffffffffffffff  # base offset, log append time, log start offset: -1
          01                      # record errors: empty
          00                      # error message: null
          01 00 09                # one tagged field: tag 0 (CurrentLeader), 9 bytes
            00000002 00000005 00  #   leader 2, epoch 5, its own tagged fields
        00                        # topic tagged fields
      00000000                    # throttle
      01 00 0d                    # one tagged field: tag 0 (NodeEndpoints), 13 bytes
        02 00000002 02 68 00002384 00 00   # [{node 2, host "h", port 9092, rack null}]
    `);
    const { body } = decodeResponse(ApiKey.Produce, 10, frame);
    const p = body.responses[0].partitionResponses[0];
    expect(p).toMatchObject({ index: 0, errorCode: 6, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage: null });
    expect(p.currentLeader).toMatchObject({ leaderId: 2, leaderEpoch: 5 });
    expect(body.nodeEndpoints).toEqual([{ nodeId: 2, host: 'h', port: 9092, rack: null, _unknownTaggedFields: undefined }]);
    expect(Buffer.concat(encodeResponse(ApiKey.Produce, 10, 1, body)).equals(framed(frame))).toBe(true);
    // Defaults are not written: a partition without a current leader has no tagged field.
    const plain = Buffer.concat(encodeResponse(ApiKey.Produce, 10, 1, { responses: [{ name: 't', partitionResponses: [{ index: 0 }] }] }));
    expect(plain.subarray(4).toString('hex')).toBe('0000000100' + '02' + '0274' + '02' + '00000000' + '0000' + '0000000000000000' + 'ffffffffffffffff' + 'ffffffffffffffff' + '01' + '00' + '00' + '00' + '00000000' + '00');
  });
});
