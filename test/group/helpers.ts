// Helpers for coordinator unit tests: a loaded coordinator on a FakeClock and request builders.

import { encodeVersionedData, type JoinGroupRequest, type JoinGroupResponse, type SyncGroupResponse } from '../../src/codec/index.js';
import { GroupCoordinator, type GroupCoordinatorConfig, type GroupLog, type TopicDirectory } from '../../src/group/index.js';
import { FakeClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';

export async function newCoordinator(config: Partial<GroupCoordinatorConfig> = {}, log?: GroupLog, topics?: TopicDirectory, clock = new FakeClock()) {
  const c = new GroupCoordinator({ clock, logger: silentLogger, config, log, topics });
  await c.load();
  return { c, clock };
}

export function subscription(topics: string[]): Buffer {
  return encodeVersionedData('ConsumerProtocolSubscription', 0, { topics, userData: null });
}

export function joinReq(groupId: string, memberId = '', over: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(['t']) }],
    reason: null,
    ...over,
  };
}

export const client = (apiVersion = 5, clientId = 'c') => ({ clientId, clientHost: '/127.0.0.1', apiVersion });

/** Tracks a promise so a test can see whether it has settled yet. */
export function track<T>(p: Promise<T>): { readonly done: boolean; readonly value: T | undefined; promise: Promise<T> } {
  const state = { done: false, value: undefined as T | undefined, promise: p };
  p.then((v) => {
    state.done = true;
    state.value = v;
  });
  return state;
}

export const flush = () => new Promise<void>((r) => setImmediate(r));

/** Joins with v4+ semantics: MEMBER_ID_REQUIRED round trip, then the parked join. */
export async function joinNew(c: GroupCoordinator, groupId: string, over: Partial<JoinGroupRequest> = {}, apiVersion = 5) {
  const first = await c.joinGroup(joinReq(groupId, '', over), client(apiVersion));
  if (first.errorCode !== 79) throw new Error(`expected MEMBER_ID_REQUIRED, got ${first.errorCode}`);
  return { memberId: first.memberId, join: track(c.joinGroup(joinReq(groupId, first.memberId, over), client(apiVersion))) };
}

export async function settle<T>(t: { done: boolean; value: T | undefined; promise: Promise<T> }): Promise<T> {
  return t.promise;
}

export type { JoinGroupResponse, SyncGroupResponse };
