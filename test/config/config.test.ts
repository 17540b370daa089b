import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { parseTopicConfig, resolveTopicConfig } from '../../src/config/topic-configs.js';
import { ConfigError } from '../../src/config/types.js';

describe('broker configuration', () => {
  it('has Kafka defaults', () => {
    const c = loadConfig();
    expect(c.listener).toEqual({ name: 'PLAINTEXT', host: '', port: 9092 });
    expect(c.advertised.host).toBe('localhost');
    expect(c.storageUrl).toBe('file://./data');
    expect(c.int('num.partitions')).toBe(1);
    expect(c.bool('auto.create.topics.enable')).toBe(true);
    expect(c.int('message.max.bytes')).toBe(1048588);
    expect(c.retentionMs).toBe(168 * 3600_000);
    expect(c.str('durability')).toBe('fsync');
  });

  it('applies file < env < flags < embedded overrides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-config-'));
    const file = join(dir, 'server.properties');
    writeFileSync(file, '# comment\nnum.partitions=3\nlog.retention.hours = 1\nlisteners=PLAINTEXT://127.0.0.1:9093\nprocess.roles=broker\n');
    const c = loadConfig({
      argv: ['--config', file, '--port', '0', '--log.segment.bytes=1000', '--advertised-host', 'kafka.example'],
      env: { TRIBUTARY_NUM_PARTITIONS: '4', TRIBUTARY_DATA_DIR: '/tmp/x', PATH: '/bin' },
      overrides: { 'auto.create.topics.enable': false },
    });
    expect(c.int('num.partitions')).toBe(4);
    expect(c.source('num.partitions')).toBe('env');
    expect(c.retentionMs).toBe(3600_000);
    expect(c.listener).toEqual({ name: 'PLAINTEXT', host: '127.0.0.1', port: 0 });
    expect(c.advertised.host).toBe('kafka.example');
    expect(c.int('log.segment.bytes')).toBe(1000);
    expect(c.str('log.dirs')).toBe('/tmp/x');
    expect(c.bool('auto.create.topics.enable')).toBe(false);
    expect(c.ignored).toEqual(['process.roles']);
  });

  it('stops on an unknown or invalid setting, naming it', () => {
    expect(() => loadConfig({ argv: ['--no.such.key', '1'] })).toThrow(/no\.such\.key/);
    expect(() => loadConfig({ env: { TRIBUTARY_NO_SUCH: '1' } })).toThrow(/TRIBUTARY_NO_SUCH/);
    expect(() => loadConfig({ argv: ['--num.partitions', 'many'] })).toThrow(/num\.partitions.*not an integer/);
    expect(() => loadConfig({ argv: ['--num.partitions', '0'] })).toThrow(/num\.partitions.*at least 1/);
    expect(() => loadConfig({ argv: ['--durability', 'maybe'] })).toThrow(ConfigError);
    expect(() => loadConfig({ argv: ['--port', '70000'] })).toThrow(/port/);
  });
});

describe('topic configs', () => {
  it('resolve from broker defaults and overrides', () => {
    const broker = loadConfig({ argv: ['--log.retention.ms', '5000'] });
    const t = resolveTopicConfig({ 'cleanup.policy': ['compact'] }, broker);
    expect(t['retention.ms']).toBe(5000);
    expect(t['cleanup.policy']).toEqual(['compact']);
    expect(t['max.message.bytes']).toBe(1048588);
    expect(t['segment.ms']).toBe(168 * 3600_000);
  });

  it('reject bad values with a message naming the key', () => {
    expect(() => parseTopicConfig('retention.ms', 'soon')).toThrow(/retention\.ms/);
    expect(() => parseTopicConfig('cleanup.policy', 'shred')).toThrow(/cleanup\.policy/);
    expect(() => parseTopicConfig('no.such', '1')).toThrow(/unknown topic config 'no\.such'/);
    expect(parseTopicConfig('segment.bytes', '1048576')).toBe(1048576);
  });
});
