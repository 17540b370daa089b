// DescribeLogDirs (key 35), v0-5: the one log directory of this broker (on postgres:// storage: the
// database, holding every partition) with the size of every partition log in it (all of them when topics is null, else the partitions asked for that exist
// here), offset lag 0 (the leader's own log) and, from v4, the volume's total and usable bytes
// (-1 on memory storage, as Kafka answers when it cannot tell).

import { statfsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { DescribeLogDirsRequest, DescribeLogDirsResponse, EncodeInput } from '../codec/index.js';
import { ErrorCode } from '../codec/index.js';
import type { RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorizeCluster, Op } from './authorize.js';

function logDirOf(storageUrl: string): { path: string; onDisk: boolean } {
  if (storageUrl.startsWith('file://')) return { path: resolvePath(storageUrl.slice('file://'.length)), onDisk: true };
  return { path: storageUrl, onDisk: false };
}

function volumeBytes(path: string, onDisk: boolean): { totalBytes: number; usableBytes: number } {
  if (!onDisk) return { totalBytes: -1, usableBytes: -1 };
  try {
    const s = statfsSync(path);
    return { totalBytes: s.blocks * s.bsize, usableBytes: s.bavail * s.bsize };
  } catch {
    return { totalBytes: -1, usableBytes: -1 };
  }
}

export const describeLogDirsHandler: ApiHandler<DescribeLogDirsRequest, EncodeInput<DescribeLogDirsResponse>> = {
  ...schemaVersions(35),
  async handle(request, ctx: RequestContext) {
    const { topics, config } = ctx.broker;
    if (!authorizeCluster(ctx, Op.DESCRIBE)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] };
    let logs: { topic: string; partition: number; size: number }[];
    const { pg } = ctx.broker;
    if (pg !== undefined) {
      // postgres:// storage: one "directory", the database, holding every partition (each live broker
      // is a replica of each), the sizes its batches take there.
      const asked = request.topics === null ? null : new Map(request.topics.map((t) => [t.topic, new Set(t.partitions)]));
      logs = (await pg.store.sizes(asked === null ? null : [...asked.keys()])).filter((l) => asked === null || asked.get(l.topic)?.has(l.partition) === true);
    } else if (request.topics === null) {
      // Every partition, dormant ones too (see LogManager.sizes).
      logs = await ctx.broker.logs.sizes((topic) => topics.topic(topic) !== undefined);
    } else {
      logs = [];
      for (const t of request.topics) {
        for (const p of new Set(t.partitions)) {
          const log = topics.topic(t.topic) !== undefined ? await topics.partitionLog(t.topic, p) : undefined;
          if (log !== undefined && !log.isOffline) logs.push({ topic: log.topic, partition: log.partition, size: log.size });
        }
      }
    }
    const byTopic = new Map<string, { topic: string; partition: number; size: number }[]>();
    for (const l of logs) {
      const list = byTopic.get(l.topic) ?? [];
      list.push(l);
      byTopic.set(l.topic, list);
    }
    const dir = pg !== undefined ? { path: pg.location, onDisk: false } : logDirOf(config.storageUrl);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: [
        {
          errorCode: ErrorCode.NONE,
          logDir: dir.path,
          topics: [...byTopic].map(([name, list]) => ({
            name,
            partitions: list
              .sort((a, b) => a.partition - b.partition)
              .map((l) => ({ partitionIndex: l.partition, partitionSize: l.size, offsetLag: 0, isFutureKey: false })),
          })),
          ...volumeBytes(dir.path, dir.onDisk),
          isCordoned: false,
        },
      ],
    };
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, results: [] };
  },
};
