// ACLs enforced over real sockets. Every connection is User:ANONYMOUS until SASL/TLS exist, so the
// cases grant and deny User:ANONYMOUS and User:*; the codes are Kafka's (TOPIC_/GROUP_/CLUSTER_/
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED).

import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/codec/index.js';
import { buildRecordBatch } from '../../src/codec/records/record.js';
import { type AclBinding, AclOperation as Op, AclPermission, PatternType, ResourceType } from '../../src/security/acl.js';
import { MemoryLogger } from '../../src/util/logger.js';
import type { RawClient } from '../helpers/raw-client.js';
import { type ApiTestBroker, startTestBroker } from '../api/helpers.js';

const STANDARD = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';
const ANON = 'User:ANONYMOUS';
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;
const bit = (...ops: number[]) => ops.reduce((a, op) => a | (1 << op), 0);

const acl = (o: Partial<AclBinding>): AclBinding => ({
  resourceType: ResourceType.TOPIC, resourceName: 'x', patternType: PatternType.LITERAL, principal: ANON, host: '*',
  operation: Op.READ, permission: AclPermission.ALLOW, ...o,
});
const allFilter = { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 };

function produce(c: RawClient, topic: string, transactionalId: string | null = null) {
  return c.request(0, 9, { transactionalId, acks: 1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ value: Buffer.from('v') }] }) }] }] });
}
const produceCode = async (c: RawClient, topic: string) => (await produce(c, topic)).responses[0].partitionResponses[0].errorCode;
async function fetchCode(c: RawClient, topic: string): Promise<number> {
  const r = await c.request(1, 11, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, rackId: '',
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }], forgottenTopicsData: [],
  });
  return r.responses[0].partitions[0].errorCode;
}
async function commitCode(c: RawClient, groupId: string, topic: string): Promise<number> {
  const r = await c.request(8, 2, { groupId, generationIdOrMemberEpoch: -1, memberId: '', retentionTimeMs: -1, topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 0, committedMetadata: '' }] }] });
  return r.topics[0].partitions[0].errorCode;
}
const metadata = (c: RawClient, topics: string[] | null, o: object = {}) =>
  c.request(3, 8, { topics: topics?.map((name) => ({ name })) ?? null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false, ...o });
const initPid = (c: RawClient, transactionalId: string | null) => c.request(22, 4, { transactionalId, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 });

describe('ACL enforcement (allow.everyone.if.no.acl.found=false, no super users)', () => {
  let b: ApiTestBroker;
  const audit = new MemoryLogger('info'); // Kafka's authorizer logs denials at INFO
  let c: RawClient;
  beforeAll(async () => {
    b = await startTestBroker({ config: { 'authorizer.class.name': STANDARD }, logger: audit });
    // Bootstrap ACLs in process: over the wire nobody may create them yet (ALTER on the cluster).
    await b.broker.services.authorizer!.create([
      acl({ resourceType: ResourceType.CLUSTER, resourceName: 'kafka-cluster', operation: Op.CREATE }),
      acl({ resourceName: 'readable-', patternType: PatternType.PREFIXED, operation: Op.READ }),
      acl({ resourceName: 'open', principal: 'User:*', operation: Op.ALL }),
      acl({ resourceName: 'open', operation: Op.WRITE, permission: AclPermission.DENY }),
      acl({ resourceType: ResourceType.GROUP, resourceName: 'g-ok', operation: Op.READ }),
    ]);
    c = await b.client();
    const created = await c.request(19, 4, {
      topics: ['readable-1', 'open', 'secret'].map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })),
      timeoutMs: 5000, validateOnly: false,
    });
    expect(created.topics.map((t: any) => t.errorCode)).toEqual([0, 0, 0]);
  });
  afterAll(() => b.close());

  it('Metadata hides topics the principal may not DESCRIBE and refuses them by name', async () => {
    const all = await metadata(c, null);
    expect(all.topics.map((t: any) => t.name).sort()).toEqual(['open', 'readable-1']);
    const named = await metadata(c, ['secret', 'readable-1']);
    expect(named.topics.map((t: any) => [t.name, t.errorCode])).toEqual([['secret', ErrorCode.TOPIC_AUTHORIZATION_FAILED], ['readable-1', 0]]);
    // Auto-creation needs CREATE (granted on the cluster here); DESCRIBE comes first.
    const auto = await c.request(3, 8, { topics: [{ name: 'not-yet' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    expect(auto.topics[0].errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  });

  it('fills the authorized-operations fields from the ACLs', async () => {
    const m = await metadata(c, ['readable-1', 'open', 'secret'], { includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true });
    const ops = Object.fromEntries(m.topics.map((t: any) => [t.name, t.topicAuthorizedOperations]));
    expect(ops['readable-1']).toBe(bit(Op.READ, Op.DESCRIBE));
    expect(ops.open).toBe(bit(Op.READ, Op.CREATE, Op.DELETE, Op.ALTER, Op.DESCRIBE, Op.DESCRIBE_CONFIGS, Op.ALTER_CONFIGS)); // ALL minus the denied WRITE
    expect(ops.secret).toBe(AUTHORIZED_OPERATIONS_OMITTED);
    expect(m.clusterAuthorizedOperations).toBe(0); // no DESCRIBE on the cluster
    const dc = await c.request(60, 0, { includeClusterAuthorizedOperations: true });
    expect(dc.clusterAuthorizedOperations).toBe(0);
    const dtp = await c.request(75, 0, { topics: [{ name: 'readable-1' }, { name: 'secret' }], responsePartitionLimit: 10, cursor: null });
    expect(dtp.topics.map((t: any) => [t.name, t.errorCode, t.topicAuthorizedOperations])).toEqual([
      ['readable-1', 0, bit(Op.READ, Op.DESCRIBE)], ['secret', ErrorCode.TOPIC_AUTHORIZATION_FAILED, AUTHORIZED_OPERATIONS_OMITTED],
    ]);
  });

  it('Produce needs WRITE and a DENY overrides an ALLOW; Fetch needs READ', async () => {
    expect(await produceCode(c, 'readable-1')).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED); // READ only
    expect(await produceCode(c, 'open')).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED); // ALLOW ALL to User:*, DENY WRITE to ANONYMOUS
    expect(await produceCode(c, 'secret')).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect(await produceCode(c, 'no-such-topic')).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED); // not even its existence is told
    expect(await fetchCode(c, 'readable-1')).toBe(0);
    expect(await fetchCode(c, 'open')).toBe(0);
    expect(await fetchCode(c, 'secret')).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    // ACL changes take effect at once.
    await b.broker.services.authorizer!.create([acl({ resourceName: 'readable-1', operation: Op.WRITE })]);
    expect(await produceCode(c, 'readable-1')).toBe(0);
    b.broker.services.authorizer!.delete([{ resourceType: ResourceType.TOPIC, resourceName: 'readable-1', patternType: PatternType.LITERAL, principal: null, host: null, operation: Op.WRITE, permission: AclPermission.ANY }]);
    expect(await produceCode(c, 'readable-1')).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  });

  it('logs each denial once with principal, host, operation, resource and API', () => {
    const line = audit.lines.find((l) => l.includes('on resource = Topic:LITERAL:secret for request = PRODUCE'));
    expect(line).toContain('Principal = User:ANONYMOUS is Denied operation = WRITE from host = 127.0.0.1');
    // Listings (Metadata for all topics) only filter: the two lines are the two requests naming it.
    expect(audit.lines.filter((l) => l.includes('Topic:LITERAL:secret for request = METADATA'))).toHaveLength(2);
    expect(audit.lines.join('\n')).not.toMatch(/password|secret=/i);
  });

  it('groups: READ on the group to commit, READ on the topic too; DESCRIBE to fetch offsets and find the coordinator', async () => {
    expect(await commitCode(c, 'g-ok', 'readable-1')).toBe(0);
    expect(await commitCode(c, 'g-no', 'readable-1')).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    expect(await commitCode(c, 'g-ok', 'secret')).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const fetched = await c.request(9, 7, { groupId: 'g-no', topics: null, requireStable: false });
    expect(fetched.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const ok = await c.request(9, 7, { groupId: 'g-ok', topics: null, requireStable: false });
    expect(ok.topics.map((t: any) => t.name)).toEqual(['readable-1']);
    const coord = await c.request(10, 4, { keyType: 0, coordinatorKeys: ['g-ok', 'g-no'] });
    expect(coord.coordinators.map((x: any) => x.errorCode)).toEqual([0, ErrorCode.GROUP_AUTHORIZATION_FAILED]);
    const join = await c.request(11, 5, { groupId: 'g-no', sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] });
    expect(join.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
  });

  it('an idempotent producer needs IDEMPOTENT_WRITE or WRITE on some topic; a transactional one WRITE on its id', async () => {
    expect((await initPid(c, null)).errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    expect((await initPid(c, 'tx-1')).errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    await b.broker.services.authorizer!.create([acl({ resourceName: 'w-', patternType: PatternType.PREFIXED, operation: Op.WRITE })]);
    expect((await initPid(c, null)).errorCode).toBe(0);
  });

  it('admin APIs check the cluster and the resource', async () => {
    expect((await c.request(29, 1, allFilter)).errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    expect((await c.request(30, 1, { creations: [{ resourceType: 2, resourceName: 'x', resourcePatternType: 3, principal: ANON, host: '*', operation: 2, permissionType: 3 }] })).results[0].errorCode).toBe(
      ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    );
    const dc = await c.request(32, 1, { resources: [{ resourceType: 2, resourceName: 'secret', configurationKeys: null }, { resourceType: 4, resourceName: '1', configurationKeys: null }], includeSynonyms: false });
    expect(dc.results.map((r: any) => [r.errorCode, r.errorMessage])).toEqual([
      [ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Topic authorization failed.'], [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.'],
    ]);
    const del = await c.request(20, 4, { topicNames: ['secret'], timeoutMs: 5000 });
    expect(del.responses[0].errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const listGroups = await c.request(16, 4, { statesFilter: [] });
    expect(listGroups.groups.map((g: any) => g.groupId)).toEqual(['g-ok']);
  });
});

describe('super.users and allow.everyone.if.no.acl.found', () => {
  it('a super user passes every check, even a DENY', async () => {
    const b = await startTestBroker({ config: { 'authorizer.class.name': STANDARD, 'super.users': `User:admin; ${ANON}` } });
    try {
      await b.broker.services.authorizer!.create([acl({ resourceName: 'denied', operation: Op.ALL, permission: AclPermission.DENY, principal: 'User:*' })]);
      const c = await b.client();
      expect((await metadata(c, ['denied'], { allowAutoTopicCreation: true })).topics[0].errorCode).toBe(0);
      expect(await produceCode(c, 'denied')).toBe(0);
      expect((await c.request(29, 1, allFilter)).errorCode).toBe(0);
      expect((await initPid(c, null)).errorCode).toBe(0);
    } finally {
      await b.close();
    }
  });

  it('allow.everyone.if.no.acl.found allows what no ACL names, and only that', async () => {
    const b = await startTestBroker({ config: { 'authorizer.class.name': STANDARD, 'allow.everyone.if.no.acl.found': true } });
    try {
      const c = await b.client();
      // No ACL names the cluster yet: anyone may manage ACLs, as in Kafka.
      const cr = await c.request(30, 2, { creations: [{ resourceType: 2, resourceName: 'guarded', resourcePatternType: 3, principal: 'User:alice', host: '*', operation: 2, permissionType: 3 }] });
      expect(cr.results[0].errorCode).toBe(0);
      const m = await metadata(c, ['free', 'guarded'], { allowAutoTopicCreation: true });
      expect(m.topics.map((t: any) => [t.name, t.errorCode])).toEqual([['free', 0], ['guarded', ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);
      expect(await produceCode(c, 'free')).toBe(0);
      expect(await produceCode(c, 'guarded')).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED); // an ACL names it (for alice only)
    } finally {
      await b.close();
    }
  });
});

describe('kafkajs under ACLs', () => {
  let b: ApiTestBroker;
  beforeAll(async () => {
    b = await startTestBroker({ config: { 'authorizer.class.name': STANDARD } });
    await b.broker.services.authorizer!.create([
      acl({ resourceType: ResourceType.CLUSTER, resourceName: 'kafka-cluster', operation: Op.CREATE }),
      acl({ resourceName: 'app-', patternType: PatternType.PREFIXED, principal: 'User:*', operation: Op.ALL }),
      acl({ resourceName: 'app-readonly', operation: Op.WRITE, permission: AclPermission.DENY }),
      acl({ resourceType: ResourceType.GROUP, resourceName: 'app-', patternType: PatternType.PREFIXED, principal: 'User:*', operation: Op.READ }),
    ]);
  });
  afterAll(() => b.close());

  it('produces and consumes where allowed and gets TOPIC_AUTHORIZATION_FAILED where denied', async () => {
    const kafka = new Kafka({ clientId: 'acl-e2e', brokers: [b.broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 50 } });
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    await producer.send({ topic: 'app-events', messages: [{ key: 'k', value: 'hello' }] });
    await expect(producer.send({ topic: 'app-readonly', messages: [{ value: 'no' }] })).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: 'app-group' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'app-events', fromBeginning: true });
    const got = await new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message.value!.toString()) });
    });
    expect(got).toBe('hello');
    await consumer.disconnect();
  });
});
