// One kafkajs round trip through every kind of request a secured client makes: CreateTopics, a
// produce of two records, and a group consumer reading them back. Used by the SASL and TLS tests.
import type { Kafka } from 'kafkajs';

export async function produceAndConsume(client: Kafka, topic: string): Promise<string[]> {
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  await admin.disconnect();
  const producer = client.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ value: 'one' }, { value: 'two' }] });
  await producer.disconnect();
  const consumer = client.consumer({ groupId: `${topic}-g` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: string[] = [];
  await new Promise<void>((resolve, reject) => {
    consumer.run({ eachMessage: async ({ message }) => { got.push(String(message.value)); if (got.length === 2) resolve(); } }).catch(reject);
  });
  await consumer.disconnect();
  return got;
}
