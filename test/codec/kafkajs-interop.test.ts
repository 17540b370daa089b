// Cross-check with an independent implementation: kafkajs's own protocol encoders and decoders
// (old, non-flexible versions). Requests kafkajs encodes must decode with our codec and re-encode to
// the same bytes; responses we encode must decode with kafkajs to the values we put in.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ApiKey, decodeRequest, encodeBody, encodeResponse } from '../../src/codec/index.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const kjs = (p: string): any => require(`kafkajs/src/protocol/requests/${p}`);

/** kafkajs request args for (module, version). */
const REQUESTS: [string, number, Record<string, unknown>][] = [
  ['apiVersions', 2, {}],
  ['metadata', 0, { topics: ['a', 'b'] }],
  ['metadata', 6, { topics: ['a'], allowAutoTopicCreation: false }],
  ['produce', 3, { acks: -1, timeout: 1000, transactionalId: 'tx', topicData: [{ topic: 't', partitions: [{ partition: 2, messages: [{ key: 'k', value: 'v', timestamp: 1700000000000 }] }] }] }],
  ['produce', 7, { acks: 1, timeout: 5000, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ value: 'hello', timestamp: 1700000000000 }] }] }] }],
  ['fetch', 4, { replicaId: -1, maxWaitTime: 500, minBytes: 1, maxBytes: 1048576, isolationLevel: 1, topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: '12', maxBytes: 1000 }] }] }],
  ['fetch', 11, { replicaId: -1, maxWaitTime: 500, minBytes: 1, maxBytes: 1048576, isolationLevel: 1, sessionId: 0, sessionEpoch: -1, rackId: 'r', topics: [{ topic: 't', partitions: [{ partition: 0, currentLeaderEpoch: 3, fetchOffset: '9007199254740991', logStartOffset: '-1', maxBytes: 1000 }] }], forgottenTopics: [] }],
  ['listOffsets', 2, { replicaId: -1, isolationLevel: 1, topics: [{ topic: 't', partitions: [{ partition: 0, timestamp: -1 }] }] }],
  ['findCoordinator', 2, { coordinatorKey: 'g', coordinatorType: 0 }],
  ['joinGroup', 5, { groupId: 'g', sessionTimeout: 30000, rebalanceTimeout: 60000, memberId: '', groupInstanceId: null, protocolType: 'consumer', groupProtocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.from('0001', 'hex') }] }],
  ['syncGroup', 3, { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null, groupAssignment: [{ memberId: 'm', memberAssignment: Buffer.from('00', 'hex') }] }],
  ['heartbeat', 3, { groupId: 'g', groupGenerationId: 4, memberId: 'm', groupInstanceId: 'i' }],
  ['leaveGroup', 3, { groupId: 'g', members: [{ memberId: 'm', groupInstanceId: null }] }],
  ['offsetCommit', 5, { groupId: 'g', groupGenerationId: 3, memberId: 'm', topics: [{ topic: 't', partitions: [{ partition: 0, offset: '42', metadata: null }] }] }],
  ['offsetFetch', 4, { groupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0 }] }] }],
  ['offsetFetch', 1, { groupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0 }] }] }],
  ['describeGroups', 2, { groupIds: ['g1', 'g2'] }],
  ['listGroups', 2, {}],
  ['saslHandshake', 1, { mechanism: 'PLAIN' }],
  ['initProducerId', 1, { transactionalId: 'tx', transactionTimeout: 60000 }],
  ['addPartitionsToTxn', 1, { transactionalId: 'tx', producerId: '1000', producerEpoch: 2, topics: [{ topic: 't', partitions: [0, 1] }] }],
  ['endTxn', 1, { transactionalId: 'tx', producerId: '1000', producerEpoch: 2, transactionResult: true }],
  ['createTopics', 3, { topics: [{ topic: 't', numPartitions: 3, replicationFactor: 1, replicaAssignment: [], configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }], validateOnly: false, timeout: 5000 }],
  ['deleteTopics', 1, { topics: ['t'], timeout: 5000 }],
  ['deleteGroups', 1, ['g1', 'g2'] as unknown as Record<string, unknown>],
  ['describeConfigs', 2, { resources: [{ type: 2, name: 't', configNames: ['retention.ms'] }], includeSynonyms: true }],
];

const API_KEYS: Record<string, number> = {
  apiVersions: ApiKey.ApiVersions,
  metadata: ApiKey.Metadata,
  produce: ApiKey.Produce,
  fetch: ApiKey.Fetch,
  listOffsets: ApiKey.ListOffsets,
  findCoordinator: ApiKey.FindCoordinator,
  joinGroup: ApiKey.JoinGroup,
  syncGroup: ApiKey.SyncGroup,
  heartbeat: ApiKey.Heartbeat,
  leaveGroup: ApiKey.LeaveGroup,
  offsetCommit: ApiKey.OffsetCommit,
  offsetFetch: ApiKey.OffsetFetch,
  describeGroups: ApiKey.DescribeGroups,
  listGroups: ApiKey.ListGroups,
  saslHandshake: ApiKey.SaslHandshake,
  initProducerId: ApiKey.InitProducerId,
  addPartitionsToTxn: ApiKey.AddPartitionsToTxn,
  endTxn: ApiKey.EndTxn,
  createTopics: ApiKey.CreateTopics,
  deleteTopics: ApiKey.DeleteTopics,
  deleteGroups: ApiKey.DeleteGroups,
  describeConfigs: ApiKey.DescribeConfigs,
};

describe('requests encoded by kafkajs', () => {
  for (const [mod, v, args] of REQUESTS) {
    it(`${mod} v${v}`, async () => {
      const req = kjs(`${mod}/v${v}/request`)(args);
      expect(req.apiVersion).toBe(v);
      const body: Buffer = (await req.encode()).buffer;
      const key = API_KEYS[mod];
      expect(req.apiKey).toBe(key);
      const decoded = decodeRequest(key, v, body, 0);
      expect(encodeBody(key, v, 'request', decoded).toString('hex')).toBe(body.toString('hex'));
    });
  }

  it('field values of a Fetch v11 request', async () => {
    const body: Buffer = (await kjs('fetch/v11/request')(REQUESTS[6][2]).encode()).buffer;
    const d = decodeRequest(ApiKey.Fetch, 11, body, 0);
    expect(d).toMatchObject({ replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 1048576, isolationLevel: 1, sessionId: 0, sessionEpoch: -1, rackId: 'r' });
    expect(d.topics[0].topic).toBe('t');
    expect(d.topics[0].partitions[0]).toMatchObject({ partition: 0, currentLeaderEpoch: 3, fetchOffset: 9007199254740991, logStartOffset: -1, partitionMaxBytes: 1000 });
  });
});

describe('responses decoded by kafkajs', () => {
  const decode = async (mod: string, v: number, key: number, body: object) => {
    const bufs = encodeResponse(key, v, 1, body);
    const all = Buffer.concat(bufs);
    return kjs(`${mod}/v${v}/response`).decode(all.subarray(8)); // size + correlation id
  };

  it('ApiVersions v2', async () => {
    const r = await decode('apiVersions', 2, ApiKey.ApiVersions, { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }], throttleTimeMs: 5 });
    expect(r).toMatchObject({ errorCode: 0, apiVersions: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }], clientSideThrottleTime: 5 });
  });

  it('Metadata v6', async () => {
    const r = await decode('metadata', 6, ApiKey.Metadata, {
      throttleTimeMs: 0,
      brokers: [{ nodeId: 1, host: 'h', port: 9092, rack: 'r' }],
      clusterId: 'c',
      controllerId: 1,
      topics: [{ errorCode: 0, name: 't', isInternal: false, partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }] }],
    });
    expect(r.brokers).toEqual([{ nodeId: 1, host: 'h', port: 9092, rack: 'r' }]);
    expect(r.clusterId).toBe('c');
    expect(r.topicMetadata[0]).toMatchObject({ topic: 't', isInternal: false, partitionMetadata: [{ partitionId: 0, leader: 1, replicas: [1], isr: [1] }] });
  });

  it('Produce v7', async () => {
    const r = await decode('produce', 7, ApiKey.Produce, {
      responses: [{ name: 't', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 2 ** 40, logAppendTimeMs: -1, logStartOffset: 0 }] }],
      throttleTimeMs: 0,
    });
    expect(r.topics[0].partitions[0]).toMatchObject({ partition: 0, errorCode: 0, baseOffset: String(2 ** 40), logAppendTime: '-1', logStartOffset: '0' });
  });

  it('Fetch v11 with an empty record set and an aborted transaction', async () => {
    const r = await decode('fetch', 11, ApiKey.Fetch, {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 7,
      responses: [{ topic: 't', partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 10, lastStableOffset: 9, logStartOffset: 0, abortedTransactions: [{ producerId: 5, firstOffset: 3 }], preferredReadReplica: -1, records: Buffer.alloc(0) }] }],
    });
    expect(r.sessionId).toBe(7);
    expect(r.responses[0].partitions[0]).toMatchObject({ partition: 0, highWatermark: '10', lastStableOffset: '9', abortedTransactions: [{ producerId: '5', firstOffset: '3' }], preferredReadReplica: -1, messages: [] });
  });

  it('JoinGroup v5 and SyncGroup v3', async () => {
    const j = await decode('joinGroup', 5, ApiKey.JoinGroup, {
      throttleTimeMs: 0,
      errorCode: 0,
      generationId: 3,
      protocolName: 'RoundRobinAssigner',
      leader: 'm1',
      memberId: 'm1',
      members: [{ memberId: 'm1', groupInstanceId: null, metadata: Buffer.from('abcd', 'hex') }],
    });
    expect(j).toMatchObject({ generationId: 3, groupProtocol: 'RoundRobinAssigner', leaderId: 'm1', memberId: 'm1' });
    expect(j.members[0].memberMetadata.toString('hex')).toBe('abcd');
    const s = await decode('syncGroup', 3, ApiKey.SyncGroup, { throttleTimeMs: 0, errorCode: 0, assignment: Buffer.from('0102', 'hex') });
    expect(s.memberAssignment.toString('hex')).toBe('0102');
  });

  it('OffsetFetch v4 and FindCoordinator v2', async () => {
    const o = await decode('offsetFetch', 4, ApiKey.OffsetFetch, {
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: -1, metadata: '', errorCode: 0 }] }],
      errorCode: 0,
    });
    expect(o.responses[0]).toMatchObject({ topic: 't', partitions: [{ partition: 0, offset: '-1', metadata: '', errorCode: 0 }] });
    const f = await decode('findCoordinator', 2, ApiKey.FindCoordinator, { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 1, host: 'h', port: 9092 });
    expect(f).toMatchObject({ errorCode: 0, coordinator: { nodeId: 1, host: 'h', port: 9092 } });
  });
});
