// Shared pieces of the corpus: one request at several versions (the codec skips fields a version
// lacks, so one body serves them all) and the record batches the sequences produce.

import { batch, type Marker, type RequestStep } from '../sequence.js';
import { apiInfo } from '../../../../src/codec/index.js';

/** The same request at each version, one step per version named `<Api>v<N><suffix>`. */
export function atVersions(api: number, versions: number[], body: Record<string, unknown>, extra: Partial<RequestStep> & { suffix?: string } = {}): RequestStep[] {
  const { suffix = '', ...rest } = extra;
  return versions.map((version) => ({ name: `${apiInfo(api)!.name}v${version}${suffix}`, ...rest, api, version, body }));
}

/** A plain two-record batch (no producer id). */
export const twoRecords = (): Marker => batch({ records: [{ key: Buffer.from('k1'), value: Buffer.from('v1') }, { key: Buffer.from('k2'), value: Buffer.from('v2') }] });

/** A one-record batch of an idempotent or transactional producer. */
export function producerRecord(producer: { id: unknown; epoch: unknown; sequence: number; transactional?: boolean }, value = 'p'): Marker {
  return batch({
    producerId: producer.id, producerEpoch: producer.epoch, baseSequence: producer.sequence,
    isTransactional: producer.transactional ?? false, records: [{ key: null, value: Buffer.from(value) }],
  });
}

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** Kafka loads a coordinator (or allocates a producer id block) on first use: retry, not part of the comparison. */
export const COORDINATOR_LOADING = { path: 'errorCode', in: [14, 15, 51] };
