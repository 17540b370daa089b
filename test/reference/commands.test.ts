// The `tributary` admin commands against the real Kafka 4.3.1 and Tributary, same assertions (the
// commands must work against any broker), and their numbers beside Kafka's own kafka-consumer-groups.

import { describe, expect, it } from 'vitest';
import { commandScenarios, jsonOf, tributaryCommand, uniqueName } from '../helpers/command-scenarios.js';
import { groupMemberScenarios } from '../commands/group-member-scenarios.js';
import { describeAgainstBoth } from './brokers.js';
import { kafkaConsumerGroups } from './commands-tools.js';

describeAgainstBoth('tributary admin commands', (broker) => {
  commandScenarios(() => broker().bootstrap);

  describe('consume --group as a group member', () => {
    groupMemberScenarios(() => broker().bootstrap);
  });

  describe('beside kafka-consumer-groups', () => {
    it('reports the same committed offsets, log-end offsets and lag for a group', async () => {
      const b = broker().bootstrap;
      const topic = uniqueName('kcg');
      const group = uniqueName('kcg-group');
      await jsonOf(b, ['topic', 'create', topic, '-p', '3', '-r', '1']);
      await jsonOf(b, ['produce', topic, '--key-separator', ':'], Array.from({ length: 30 }, (_, i) => `k${i}:v${i}`).join('\n'));
      expect((await tributaryCommand(b, ['consume', topic, '-g', group, '-n', '11'])).code).toBe(0);
      const ours = await jsonOf<{ offsets: { partition: number; committed: number; logEnd: number; lag: number }[] }>(b, ['group', 'describe', group]);

      const theirs = await kafkaConsumerGroups(b, group, topic);
      expect(theirs).toHaveLength(ours.offsets.length);
      expect(ours.offsets.map(({ partition, committed, logEnd, lag }) => ({ partition, committed, logEnd, lag }))).toEqual(theirs);
      expect(theirs.reduce((s, r) => s + r.committed, 0)).toBe(11);
      expect(theirs.reduce((s, r) => s + r.lag, 0)).toBe(19);
    });
  });
});
