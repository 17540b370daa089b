// Child process for test/e2e/txn-crash.test.ts: a broker on file storage (dist/, built by the test
// setup) whose coordinator stops, for transactional id "crash-commit" only, after the commit decision
// is durable and before any marker is written — then says so on stdout and waits to be SIGKILLed.
import { startBroker } from '../../dist/broker.js';

const dir = process.argv[2];
const broker = await startBroker({ storage: `file://${dir}` });
await broker.services.txn.load();
await broker.services.topics.createTopic('crash', 2, {});
broker.services.txn.beforeMarkers = async (id) => {
  if (id !== 'crash-commit') return;
  process.stdout.write(`prepared ${id}\n`);
  await new Promise(() => {});
};
process.stdout.write(`port ${broker.port}\n`);
