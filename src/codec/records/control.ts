// Control batches: the transaction markers (COMMIT/ABORT) a partition leader writes, with their versioned key
// (INT16 version, INT16 type) and EndTxnMarker value (INT16 version, INT32 coordinatorEpoch).

import { RecordFormatError } from './errors.js';
import { isControl } from './record-batch.js';
import { buildRecordBatch, readBatchRecords } from './record.js';

export const ControlRecordType = {
  abort: 0,
  commit: 1,
  leaderChange: 2,
  snapshotHeader: 3,
  snapshotFooter: 4,
  kraftVersion: 5,
  kraftVoters: 6,
} as const;
export type ControlRecordType = (typeof ControlRecordType)[keyof typeof ControlRecordType];

export const CONTROL_KEY_SIZE = 4;
export const END_TXN_MARKER_SIZE = 6;

export interface ControlRecordKey {
  version: number;
  /** May be a type this build does not know: callers must ignore unknown types. */
  type: number;
}

export interface EndTxnMarker {
  version: number;
  coordinatorEpoch: number;
}

export function encodeControlKey(type: number, version = 0): Buffer {
  const b = Buffer.allocUnsafe(CONTROL_KEY_SIZE);
  b.writeInt16BE(version, 0);
  b.writeInt16BE(type, 2);
  return b;
}

/** Parses a control record key (Kafka's ControlRecordType.parse: at least 4 bytes, version >= 0). */
export function decodeControlKey(key: Buffer | null): ControlRecordKey {
  if (key === null || key.length < CONTROL_KEY_SIZE) throw new RecordFormatError(`control record key of ${key?.length ?? 'null'} bytes, need 4`);
  const version = key.readInt16BE(0);
  if (version < 0) throw new RecordFormatError(`invalid control record key version ${version}`);
  return { version, type: key.readInt16BE(2) };
}

export function encodeEndTxnMarker(coordinatorEpoch: number, version = 0): Buffer {
  const b = Buffer.allocUnsafe(END_TXN_MARKER_SIZE);
  b.writeInt16BE(version, 0);
  b.writeInt32BE(coordinatorEpoch, 2);
  return b;
}

/** Parses an EndTxnMarker value. Later versions may append fields; they are ignored, as Kafka does. */
export function decodeEndTxnMarker(value: Buffer | null): EndTxnMarker {
  if (value === null || value.length < END_TXN_MARKER_SIZE) throw new RecordFormatError(`end transaction marker of ${value?.length ?? 'null'} bytes, need 6`);
  const version = value.readInt16BE(0);
  if (version < 0) throw new RecordFormatError(`invalid end transaction marker version ${version}`);
  return { version, coordinatorEpoch: value.readInt32BE(2) };
}

export interface BuildControlBatchOptions {
  /** 'commit' / 'abort' or a ControlRecordType value (0 or 1 for markers). */
  type: 'commit' | 'abort' | ControlRecordType;
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  /** Record timestamp (Kafka uses the time the marker is written); default Date.now(). */
  timestamp?: number;
}

/** Builds a transaction-marker control batch: one record, isControl + isTransactional, baseSequence -1. */
export function buildControlBatch(opts: BuildControlBatchOptions): Buffer {
  const type = opts.type === 'commit' ? ControlRecordType.commit : opts.type === 'abort' ? ControlRecordType.abort : opts.type;
  return buildRecordBatch({
    baseOffset: opts.baseOffset ?? 0,
    partitionLeaderEpoch: opts.partitionLeaderEpoch ?? -1,
    producerId: opts.producerId,
    producerEpoch: opts.producerEpoch,
    baseSequence: -1,
    isTransactional: true,
    isControl: true,
    records: [
      {
        key: encodeControlKey(type),
        value: encodeEndTxnMarker(opts.coordinatorEpoch),
        timestamp: opts.timestamp ?? Date.now(),
      },
    ],
  });
}

/** A recognised control record. */
export interface ControlRecordInfo {
  offset: number;
  key: ControlRecordKey;
  /** Set for COMMIT and ABORT. */
  marker?: EndTxnMarker;
  /** 'commit', 'abort', or 'other' for the KRaft-only and unknown types (to be ignored). */
  kind: 'commit' | 'abort' | 'other';
}

/**
 * Recognises the control batch at batch[offset]: null when the isControl bit is clear; otherwise the decoded
 * control record. Throws RecordFormatError for a control batch whose record is malformed.
 */
export function readControlRecord(batch: Buffer, offset = 0): ControlRecordInfo | null {
  if (!isControl(batch, offset)) return null;
  const { records } = readBatchRecords(batch, offset);
  if (records.length !== 1) throw new RecordFormatError(`control batch holds ${records.length} records, expected 1`);
  const r = records[0];
  const key = decodeControlKey(r.key);
  if (key.type === ControlRecordType.commit || key.type === ControlRecordType.abort) {
    return { offset: r.offset, key, marker: decodeEndTxnMarker(r.value), kind: key.type === ControlRecordType.commit ? 'commit' : 'abort' };
  }
  return { offset: r.offset, key, kind: 'other' };
}
