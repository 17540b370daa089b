// Start-up declarations (create.topics, create.acls; src/declarations.ts) over real sockets: the
// declared topics exist with their partitions and configs, a restart with the same declarations
// changes nothing, a differing declaration leaves the topic as it is with a warning, a refused one
// stops start-up naming it, and declared ACLs are in force. Embedded and through the CLI.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker.js';
import { ErrorCode } from '../../src/codec/index.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { CLI, ROOT, startBrokerProcess } from '../helpers/broker-process.js';
import { RawClient } from '../helpers/raw-client.js';

const STANDARD = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';
const TOPIC_RESOURCE = 2;

async function describeTopics(port: number, names: string[]) {
  const c = await RawClient.connect(port);
  try {
    const md = await c.request(3, 12, { topics: names.map((name) => ({ name, topicId: undefined })), allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const cfg = await c.request(32, 4, {
      resources: names.map((name) => ({ resourceType: TOPIC_RESOURCE, resourceName: name, configurationKeys: null })),
      includeSynonyms: false, includeDocumentation: false,
    });
    return names.map((name) => {
      const t = md.topics.find((x: { name: string }) => x.name === name);
      const r = cfg.results.find((x: { resourceName: string }) => x.resourceName === name);
      const configs = Object.fromEntries(r.configs.map((e: { name: string; value: string | null }) => [e.name, e.value]));
      return { name, errorCode: t.errorCode as number, topicId: String(t.topicId), partitions: t.partitions.length as number, configs: configs as Record<string, string> };
    });
  } finally {
    c.close();
  }
}

describe('start-up declarations (embedded)', () => {
  it('creates declared topics with their partitions and configs; a restart changes nothing; a difference is a warning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-decl-'));
    const decls = 'orders:partitions=6,cleanup.policy=compact;events; audit:retention.ms=-1,cleanup.policy="compact,delete"';
    const start = (createTopics: string, logger = new MemoryLogger('info')) =>
      startBroker({ storage: `file://${dir}`, logger, config: { 'num.partitions': 2, 'create.topics': createTopics } });

    const first = await start(decls);
    const created = await describeTopics(first.port, ['orders', 'events', 'audit']);
    await first.close();
    expect(created.map((t) => [t.name, t.errorCode, t.partitions])).toEqual([['orders', 0, 6], ['events', 0, 2], ['audit', 0, 2]]);
    expect(created[0].configs['cleanup.policy']).toBe('compact');
    expect(created[1].configs['cleanup.policy']).toBe('delete');
    expect(created[2].configs).toMatchObject({ 'retention.ms': '-1', 'cleanup.policy': 'compact,delete' });

    const sameLog = new MemoryLogger('info');
    const same = await start(decls, sameLog);
    const again = await describeTopics(same.port, ['orders', 'events', 'audit']);
    await same.close();
    expect(again).toEqual(created); // same ids, partitions and configs
    expect(sameLog.lines.filter((l) => /declar/.test(l))).toEqual([]);

    const differentLog = new MemoryLogger('info');
    const different = await start('orders:partitions=3,cleanup.policy=delete,retention.ms=1000;events:partitions=2', differentLog);
    const after = await describeTopics(different.port, ['orders']);
    await different.close();
    expect(after[0]).toEqual(created[0]);
    const warnings = differentLog.lines.filter((l) => /declared topic exists and differs/.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/WARN/i);
    expect(warnings[0]).toContain('orders');
    expect(warnings[0]).toContain('partitions: 6 (declared 3)');
    expect(warnings[0]).toContain('cleanup.policy: compact (declared delete)');
    expect(warnings[0]).toContain('retention.ms: 604800000 (declared 1000)');
  });

  it('stops start-up on a declaration CreateTopics would refuse, naming it, and creates nothing', async () => {
    const refused: [string, RegExp][] = [
      ['good;bad!name:partitions=2', /create\.topics: 'bad!name:partitions=2': Topic name "bad!name" is illegal/],
      ['good;x:no.such.config=1', /create\.topics: 'x:no\.such\.config=1': Unknown topic config name: no\.such\.config/],
      ['good;x:retention.ms=soon', /create\.topics: 'x:retention\.ms=soon': Invalid value soon for configuration retention\.ms/],
      ['good;x:partitions=zero', /create\.topics: "good;x:partitions=zero" cannot be read: 'x:partitions=zero': partitions 'zero' is not a positive integer/],
      ['good;x:partitions', /create\.topics: "good;x:partitions" cannot be read: 'x:partitions': 'partitions' has no value/],
      ['good;__cluster_metadata', /create\.topics: '__cluster_metadata': Creation of internal topic __cluster_metadata is prohibited\./],
      ['good;x:min.compaction.lag.ms=10,max.compaction.lag.ms=5', /conflict topic config setting min\.compaction\.lag\.ms \(10\) > max\.compaction\.lag\.ms \(5\)/],
      ['good;good:partitions=2', /create\.topics: 'good:partitions=2': topic good is declared twice/],
    ];
    for (const [decl, message] of refused) {
      const dir = mkdtempSync(join(tmpdir(), 'tributary-decl-bad-'));
      await expect(startBroker({ storage: `file://${dir}`, config: { 'create.topics': decl } }), decl).rejects.toThrow(message);
      // Nothing was created: a broker without declarations on the same directory has no topic 'good'.
      const b = await startBroker({ storage: `file://${dir}` });
      expect(b.services.topics.topic('good'), decl).toBeUndefined();
      await b.close();
    }
  });

  it('puts declared ACLs in force (with authorizer.class.name)', async () => {
    const broker = await startBroker({
      config: {
        'authorizer.class.name': STANDARD,
        'create.topics': 'visible;hidden;pre-a;pre-b',
        'create.acls': 'principal=User:ANONYMOUS,operation=DESCRIBE,topic=visible; principal=User:ANONYMOUS,operation=read,topic=pre-,pattern=prefixed;principal=User:*,operation=DESCRIBE,topic=pre-b,permission=deny',
      },
    });
    try {
      const md = await describeTopics(broker.port, ['visible', 'hidden', 'pre-a', 'pre-b']);
      expect(md.map((t) => [t.name, t.errorCode])).toEqual([
        ['visible', ErrorCode.NONE],
        ['hidden', ErrorCode.TOPIC_AUTHORIZATION_FAILED],
        ['pre-a', ErrorCode.NONE], // READ implies DESCRIBE
        ['pre-b', ErrorCode.TOPIC_AUTHORIZATION_FAILED], // DENY wins
      ]);
      expect(broker.services.authorizer!.acls({ resourceType: 1, resourceName: null, patternType: 1, principal: null, host: null, operation: 1, permission: 1 })).toHaveLength(3);
    } finally {
      await broker.close();
    }
  });

  it('a restart with the same ACL declarations adds nothing; a refused ACL declaration stops start-up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-decl-acl-'));
    const config = { 'authorizer.class.name': STANDARD, 'create.acls': 'principal=User:alice,operation=WRITE,topic=orders;principal=User:admin,operation=ALTER,cluster' };
    for (let i = 0; i < 2; i++) {
      const b = await startBroker({ storage: `file://${dir}`, config });
      expect(b.services.cluster.acls).toHaveLength(2);
      await b.close();
    }
    const refused: [Record<string, string>, RegExp][] = [
      [{ 'create.acls': 'principal=User:alice,operation=READ,topic=orders' }, /create\.acls: ACLs are declared but authorizer\.class\.name is empty/],
      [{ ...config, 'create.acls': 'principal=User:alice,operation=FLY,topic=orders' }, /create\.acls: 'principal=User:alice,operation=FLY,topic=orders': unknown operation 'FLY'/],
      [{ ...config, 'create.acls': 'principal=alice,operation=READ,topic=orders' }, /create\.acls: 'principal=alice,operation=READ,topic=orders': Could not parse principal from `alice`/],
      [{ ...config, 'create.acls': 'principal=User:alice,operation=READ,cluster=other' }, /The only valid name for the CLUSTER resource is kafka-cluster/],
      [{ ...config, 'create.acls': 'principal=User:alice,operation=READ' }, /create\.acls: "principal=User:alice,operation=READ" cannot be read: 'principal=User:alice,operation=READ': name exactly one resource/],
      [{ ...config, 'create.acls': 'principal=User:alice,operation=READ,topic=orders,pattern=match' }, /pattern must be literal or prefixed, not 'match'/],
    ];
    for (const [c, message] of refused) await expect(startBroker({ config: c }), c['create.acls']).rejects.toThrow(message);
  });
});

describe('start-up declarations (CLI)', () => {
  it('reads create.topics from the properties file, the environment and flags (flags win, and may be repeated)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-decl-cli-'));
    const props = join(dir, 'server.properties');
    writeFileSync(props, 'create.topics=from-file:partitions=3\nauthorizer.class.name=' + STANDARD + '\nallow.everyone.if.no.acl.found=false\n');
    const cli = await startBrokerProcess(
      ['--config', props, '--port', '0', '--storage', 'memory://', '--create-topics', 'from-flag:partitions=4,cleanup.policy=compact', '--create-topics=from-flag-2'],
      { TRIBUTARY_CREATE_ACLS: 'principal=User:ANONYMOUS,operation=ALL,topic=from-,pattern=prefixed' },
    );
    try {
      const md = await describeTopics(cli.port, ['from-flag', 'from-file', 'from-flag-2']);
      expect(md.map((t) => [t.name, t.errorCode, t.partitions])).toEqual([
        ['from-flag', ErrorCode.NONE, 4],
        ['from-file', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0], // the flags replaced the file's value
        ['from-flag-2', ErrorCode.NONE, 1], // the flag is repeatable
      ]);
      expect(md[0].configs['cleanup.policy']).toBe('compact');
      expect(cli.stderr()).toContain('created declared topic');
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
  });

  it('exits non-zero with a one-line message naming a refused declaration', () => {
    const r = spawnSync(process.execPath, [CLI, '--port', '0', '--storage', 'memory://', '--create-topics', 'ok;no good'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/create\.topics: 'no good': Topic name \\?"no good\\?" is illegal/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
