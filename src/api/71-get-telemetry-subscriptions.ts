// GetTelemetrySubscriptions (key 71) and PushTelemetry (key 72), v0 (KIP-714), answered as a Kafka
// broker with no client-metrics subscriptions answers: a client instance id (a new one for the zero
// UUID), no requested metrics, the default 5-minute push interval. Requests sooner than the
// interval are THROTTLING_QUOTA_EXCEEDED, pushes for another subscription UNKNOWN_SUBSCRIPTION_ID,
// as in Kafka's ClientMetricsManager. Pushed metrics are accepted and dropped (no exporter).

import type { EncodeInput, GetTelemetrySubscriptionsRequest, GetTelemetrySubscriptionsResponse, PushTelemetryRequest, PushTelemetryResponse } from '../codec/index.js';
import { ErrorCode, randomUuid, ZERO_UUID } from '../codec/index.js';
import { crc32c } from '../codec/records/index.js';
import type { BrokerServices, RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';

const PUSH_INTERVAL_MS = 300_000; // ClientMetricsConfigs.DEFAULT_INTERVAL_MS
const TELEMETRY_MAX_BYTES = 1024 * 1024; // telemetry.max.bytes
const ACCEPTED_COMPRESSION = [4, 3, 1, 2]; // zstd, lz4, gzip, snappy
const CACHE_MAX = 16384;
const RESERVED_IDS = new Set([ZERO_UUID, 'AAAAAAAAAAAAAAAAAAAAAQ']);

interface ClientInstance {
  subscriptionId: number;
  lastGet: number;
  lastPush: number;
  terminating: boolean;
}

/** Client instances per broker (kept off the services so many brokers can share a process). */
const instancesByBroker = new WeakMap<BrokerServices, Map<string, ClientInstance>>();

function instances(broker: BrokerServices): Map<string, ClientInstance> {
  let m = instancesByBroker.get(broker);
  if (m === undefined) instancesByBroker.set(broker, (m = new Map()));
  return m;
}

function instanceFor(broker: BrokerServices, id: string): ClientInstance {
  const m = instances(broker);
  let inst = m.get(id);
  if (inst === undefined) {
    if (m.size >= CACHE_MAX) m.delete(m.keys().next().value!);
    // Kafka: CRC-32C of the (empty) metric set and the interval, XORed with the instance id's hash.
    const crc = crc32c(Buffer.from(`[]${PUSH_INTERVAL_MS}`));
    const idBytes = Buffer.from(id, 'base64url');
    const hash = idBytes.readInt32BE(0) ^ idBytes.readInt32BE(4) ^ idBytes.readInt32BE(8) ^ idBytes.readInt32BE(12);
    inst = { subscriptionId: (crc ^ hash) | 0, lastGet: -Infinity, lastPush: -Infinity, terminating: false };
    m.set(id, inst);
  }
  return inst;
}

export const getTelemetrySubscriptionsHandler: ApiHandler<GetTelemetrySubscriptionsRequest, EncodeInput<GetTelemetrySubscriptionsResponse>> = {
  ...schemaVersions(71),
  handle(request, ctx: RequestContext) {
    const id = request.clientInstanceId === ZERO_UUID ? randomUuid() : request.clientInstanceId;
    const inst = instanceFor(ctx.broker, id);
    const now = ctx.broker.clock.now();
    if (now - Math.max(inst.lastGet, inst.lastPush) < PUSH_INTERVAL_MS) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.THROTTLING_QUOTA_EXCEEDED };
    }
    inst.lastGet = now;
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      clientInstanceId: id,
      subscriptionId: inst.subscriptionId,
      acceptedCompressionTypes: ACCEPTED_COMPRESSION,
      pushIntervalMs: PUSH_INTERVAL_MS,
      telemetryMaxBytes: TELEMETRY_MAX_BYTES,
      deltaTemporality: true,
      requestedMetrics: [],
    };
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode };
  },
};

export const pushTelemetryHandler: ApiHandler<PushTelemetryRequest, EncodeInput<PushTelemetryResponse>> = {
  ...schemaVersions(72),
  handle(request, ctx: RequestContext) {
    const fail = (errorCode: number) => ({ throttleTimeMs: 0, errorCode });
    if (RESERVED_IDS.has(request.clientInstanceId)) return fail(ErrorCode.INVALID_REQUEST);
    const inst = instanceFor(ctx.broker, request.clientInstanceId);
    const now = ctx.broker.clock.now();
    if (inst.terminating) return fail(ErrorCode.INVALID_REQUEST);
    if (now - inst.lastPush < PUSH_INTERVAL_MS && !request.terminating) return fail(ErrorCode.THROTTLING_QUOTA_EXCEEDED);
    inst.lastPush = now;
    if (request.subscriptionId !== inst.subscriptionId) return fail(ErrorCode.UNKNOWN_SUBSCRIPTION_ID);
    if (request.compressionType < 0 || request.compressionType > 4) return fail(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    if (request.metrics.length > TELEMETRY_MAX_BYTES) return fail(ErrorCode.TELEMETRY_TOO_LARGE);
    if (request.terminating) inst.terminating = true;
    return fail(ErrorCode.NONE);
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode };
  },
};
