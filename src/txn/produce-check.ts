// The produce path's producer-id checks, Kafka's UnifiedLog.analyzeAndValidateProducerState and
// ProducerAppendInfo, run on the batch header against the partition's producer state, synchronously
// right before the append: a retried batch among the last five is a duplicate (answered with its
// original offsets, not appended); an older epoch is INVALID_PRODUCER_EPOCH; a sequence that does not
// follow is OUT_OF_ORDER_SEQUENCE_NUMBER; a transactional batch must belong to a partition of the
// producer's ongoing transaction, and a non-transactional one may not interleave with one.
// A producer the partition does not know may start at any sequence (Kafka since KIP-360: the broker
// no longer answers UNKNOWN_PRODUCER_ID on produce).

import { ErrorCode } from '../codec/index.js';
import { isTransactional, readBaseSequence, readLastSequence, readProducerEpoch, readProducerId } from '../codec/records/index.js';
import { INT32_MAX } from '../config/types.js';
import type { ProducerStateManager } from '../log/index.js';

export type ProducerCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; firstOffset: number; lastOffset: number }
  | { kind: 'error'; errorCode: number; message: string };

const APPEND: ProducerCheck = { kind: 'append' };

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

/**
 * Checks the v2 batch at offset 0 of `batch` against the partition's producer state.
 * verifyTxn answers whether the transactional producer has this partition in its ongoing transaction.
 */
export function checkProducerBatch(
  producers: ProducerStateManager,
  batch: Buffer,
  verifyTxn: (producerId: number, producerEpoch: number) => number,
): ProducerCheck {
  const producerId = readProducerId(batch, 0);
  if (producerId < 0) return APPEND;
  const epoch = readProducerEpoch(batch, 0);
  const firstSeq = readBaseSequence(batch, 0);
  const lastSeq = readLastSequence(batch, 0);
  const transactional = isTransactional(batch, 0);

  const dup = producers.findDuplicate(producerId, epoch, firstSeq, lastSeq);
  if (dup) return { kind: 'duplicate', firstOffset: dup.firstOffset, lastOffset: dup.lastOffset };

  const entry = producers.get(producerId);
  if (entry && entry.producerEpoch >= 0) {
    if (epoch < entry.producerEpoch) {
      return {
        kind: 'error',
        errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
        message: `Epoch of producer ${producerId} is ${epoch}, which is smaller than the last seen epoch ${entry.producerEpoch}`,
      };
    }
    if (epoch > entry.producerEpoch) {
      if (firstSeq !== 0) {
        return {
          kind: 'error',
          errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          message: `Invalid sequence number for new epoch of producer ${producerId}: ${epoch} (request epoch), ${firstSeq} (seq. number), ${entry.producerEpoch} (current producer epoch)`,
        };
      }
    } else {
      const last = entry.batches.length > 0 ? entry.batches[entry.batches.length - 1].lastSeq : -1;
      if (!inSequence(last, firstSeq)) {
        return {
          kind: 'error',
          errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          message: `Out of order sequence number for producer ${producerId} at offset-to-be: ${firstSeq} (incoming seq. number), ${last} (current end sequence number)`,
        };
      }
    }
  }

  const txnOpen = entry !== undefined && entry.currentTxnFirstOffset >= 0 && epoch === entry.producerEpoch;
  if (transactional && !txnOpen) {
    const code = verifyTxn(producerId, epoch);
    if (code !== ErrorCode.NONE) {
      return { kind: 'error', errorCode: code, message: `Producer ${producerId} with epoch ${epoch} has no ongoing transaction that includes this partition` };
    }
  } else if (!transactional && entry !== undefined && entry.currentTxnFirstOffset >= 0) {
    return { kind: 'error', errorCode: ErrorCode.INVALID_TXN_STATE, message: `Expected transactional write from producer ${producerId} at offset ${entry.currentTxnFirstOffset}` };
  }
  return APPEND;
}
