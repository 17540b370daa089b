// The records the coordinator keeps in __consumer_offsets, in Kafka's own binary layout
// (OffsetCommitKey v1 / OffsetCommitValue v3, GroupMetadataKey v2 / GroupMetadataValue v3): an int16
// schema version, then the fields as classic (non-flexible) protocol types. A null value is a tombstone.
// We read value versions 0-3 (what Kafka's 3.x brokers write for these records).

import { Reader, Writer } from '../codec/index.js';

export interface OffsetCommitKey {
  type: 'offset';
  group: string;
  topic: string;
  partition: number;
}

export interface GroupMetadataKey {
  type: 'group';
  group: string;
}

/**
 * A KIP-848 consumer group's state as one record (Tributary's own: key version 0x7F01, a JSON value).
 * Kafka spreads it over several record types; one snapshot per change is enough for one node.
 */
export interface ConsumerGroupKey {
  type: 'consumer';
  group: string;
}

export const CONSUMER_GROUP_KEY_VERSION = 0x7f01;

export type RecordKey = OffsetCommitKey | GroupMetadataKey | ConsumerGroupKey;

export interface OffsetCommitValue {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** Only in v1 (explicit retention of OffsetCommit v2-4); -1 otherwise. */
  expireTimestamp: number;
}

export interface GroupMemberValue {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeout: number;
  sessionTimeout: number;
  subscription: Buffer;
  assignment: Buffer;
}

export interface GroupMetadataValue {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  currentStateTimestamp: number;
  members: GroupMemberValue[];
}

export function encodeKey(key: RecordKey): Buffer {
  const w = new Writer(64);
  if (key.type === 'offset') {
    w.int16(1);
    w.string(key.group);
    w.string(key.topic);
    w.int32(key.partition);
  } else {
    w.int16(key.type === 'group' ? 2 : CONSUMER_GROUP_KEY_VERSION);
    w.string(key.group);
  }
  return w.toBuffer();
}

/** Null for key versions we do not own (e.g. KIP-848 records written by a Kafka broker). */
export function decodeKey(buf: Buffer): RecordKey | null {
  const r = new Reader(buf);
  const version = r.int16();
  if (version === 0 || version === 1) {
    return { type: 'offset', group: r.string(), topic: r.string(), partition: r.int32() };
  }
  if (version === 2) return { type: 'group', group: r.string() };
  if (version === CONSUMER_GROUP_KEY_VERSION) return { type: 'consumer', group: r.string() };
  return null;
}

export function encodeOffsetValue(v: OffsetCommitValue): Buffer {
  const w = new Writer(64 + v.metadata.length * 3);
  if (v.expireTimestamp >= 0) {
    // v1 is the only version that can carry an explicit expiry.
    w.int16(1);
    w.int64(v.offset);
    w.string(v.metadata);
    w.int64(v.commitTimestamp);
    w.int64(v.expireTimestamp);
  } else {
    w.int16(3);
    w.int64(v.offset);
    w.int32(v.leaderEpoch);
    w.string(v.metadata);
    w.int64(v.commitTimestamp);
  }
  return w.toBuffer();
}

export function decodeOffsetValue(buf: Buffer): OffsetCommitValue {
  const r = new Reader(buf);
  const version = r.int16();
  if (version < 0 || version > 3) throw new Error(`OffsetCommitValue v${version} is not supported`);
  const offset = r.int64();
  const leaderEpoch = version >= 3 ? r.int32() : -1;
  const metadata = r.string();
  const commitTimestamp = r.int64();
  const expireTimestamp = version === 1 ? r.int64() : -1;
  return { offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp };
}

export function encodeGroupValue(v: GroupMetadataValue): Buffer {
  const w = new Writer(256);
  w.int16(3);
  w.string(v.protocolType);
  w.int32(v.generation);
  w.nullableString(v.protocol);
  w.nullableString(v.leader);
  w.int64(v.currentStateTimestamp);
  w.int32(v.members.length);
  for (const m of v.members) {
    w.string(m.memberId);
    w.nullableString(m.groupInstanceId);
    w.string(m.clientId);
    w.string(m.clientHost);
    w.int32(m.rebalanceTimeout);
    w.int32(m.sessionTimeout);
    w.bytes(m.subscription);
    w.bytes(m.assignment);
  }
  return w.toBuffer();
}

export function decodeGroupValue(buf: Buffer): GroupMetadataValue {
  const r = new Reader(buf);
  const version = r.int16();
  if (version < 0 || version > 3) throw new Error(`GroupMetadataValue v${version} is not supported`);
  const protocolType = r.string();
  const generation = r.int32();
  const protocol = r.nullableString();
  const leader = r.nullableString();
  const currentStateTimestamp = version >= 2 ? r.int64() : -1;
  const n = r.arrayLength();
  const members: GroupMemberValue[] = [];
  for (let i = 0; i < n; i++) {
    const memberId = r.string();
    const groupInstanceId = version >= 3 ? r.nullableString() : null;
    const clientId = r.string();
    const clientHost = r.string();
    const rebalanceTimeout = version >= 1 ? r.int32() : -1;
    const sessionTimeout = r.int32();
    const subscription = Buffer.from(r.bytes());
    const assignment = Buffer.from(r.bytes());
    members.push({ memberId, groupInstanceId, clientId, clientHost, rebalanceTimeout, sessionTimeout, subscription, assignment });
  }
  return { protocolType, generation, protocol, leader, currentStateTimestamp, members };
}

/** Java's String.hashCode, so a group lands on the same __consumer_offsets partition as in Kafka. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's partitionFor: Utils.abs(groupId.hashCode) % partitions (abs of MIN_VALUE is 0). */
export function offsetsPartitionFor(groupId: string, partitions: number): number {
  const h = javaStringHash(groupId);
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions;
}

/**
 * Group ids are int16-length strings in __consumer_offsets keys and in the non-flexible versions of
 * every group API (ListGroups v0-2 ...): a longer id (possible through flexible versions) could be
 * neither stored nor listed, so no group is created under it (Kafka fails such writes).
 */
export function groupIdTooLong(groupId: string): boolean {
  return groupId.length > 10_922 && Buffer.byteLength(groupId, 'utf8') > 32_767;
}
