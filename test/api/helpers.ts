// Shared set-up for the admin API tests: one broker per file, raw clients over real sockets.

import { type BrokerOptions, type RunningBroker, startBroker } from '../../src/broker.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { RawClient } from '../helpers/raw-client.js';

export interface ApiTestBroker {
  broker: RunningBroker;
  logger: MemoryLogger;
  client(): Promise<RawClient>;
  close(): Promise<void>;
}

export async function startTestBroker(options: BrokerOptions = {}): Promise<ApiTestBroker> {
  const logger = new MemoryLogger('warn');
  const broker = await startBroker({ logger, ...options });
  const clients: RawClient[] = [];
  return {
    broker,
    logger,
    async client() {
      const c = await RawClient.connect(broker.port);
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await broker.close();
    },
  };
}

let seq = 0;
/** A fresh topic name for a test. */
export function topicName(prefix = 't'): string {
  return `${prefix}-${process.pid}-${++seq}`;
}
