// Every metric the broker exports: name, type, labels, what it counts and the Kafka JMX metric with
// the same meaning, where Kafka has one. The instruments (src/metrics/broker-metrics.ts) and the
// README's metrics table are built from this one list.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

export interface MetricDef {
  readonly name: string;
  readonly type: MetricType;
  readonly labels: readonly string[];
  readonly help: string;
  /** The Kafka JMX metric of the same meaning, or '' where Kafka has none. */
  readonly kafka: string;
}

const def = (name: string, type: MetricType, labels: readonly string[], help: string, kafka = ''): MetricDef => ({ name, type, labels, help, kafka });

export const METRICS = {
  // --- requests (counted when the response is ready, or the request is dropped)
  requests: def('tributary_requests_total', 'counter', ['request', 'version'], 'Requests handled, per API and version.', 'kafka.network:type=RequestMetrics,name=RequestsPerSec,request=*,version=*'),
  requestErrors: def('tributary_request_errors_total', 'counter', ['request', 'error'], 'Error codes in responses (each partition\'s or resource\'s error counts once; NONE is not counted), per API and error.', 'kafka.network:type=RequestMetrics,name=ErrorsPerSec,request=*,error=*'),
  requestDuration: def('tributary_request_duration_seconds', 'histogram', ['request', 'version'], 'Time from a request\'s arrival on its connection to its response being ready (queue and wait included), per API and version.', 'kafka.network:type=RequestMetrics,name=TotalTimeMs,request=*'),
  // --- topics
  bytesIn: def('tributary_topic_bytes_in_total', 'counter', ['topic'], 'Record batch bytes appended by Produce, per topic.', 'kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec,topic=*'),
  recordsIn: def('tributary_topic_records_in_total', 'counter', ['topic'], 'Records appended by Produce (from each batch header\'s record count), per topic.', 'kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec,topic=*'),
  bytesOut: def('tributary_topic_bytes_out_total', 'counter', ['topic'], 'Record bytes returned by Fetch, per topic.', 'kafka.server:type=BrokerTopicMetrics,name=BytesOutPerSec,topic=*'),
  recordsOut: def('tributary_topic_records_out_total', 'counter', ['topic'], 'Records returned by Fetch (from each batch header\'s record count; a down-converted v0/v1 message counts once), per topic.'),
  fetchWait: def('tributary_fetch_wait_seconds', 'histogram', [], 'Time each Fetch was held waiting for min.bytes of new records (its long poll, at most max.wait.ms; 0 when answered at once).', 'kafka.network:type=RequestMetrics,name=RemoteTimeMs,request=FetchConsumer'),
  produceBatchSize: def('tributary_produce_batch_size_bytes', 'histogram', [], 'Size of each record batch appended by Produce.'),
  // --- connections
  connectionsOpen: def('tributary_connections_open', 'gauge', ['listener'], 'Client connections open now, per listener.', 'kafka.server:type=socket-server-metrics,listener=*,networkProcessor=*,name=connection-count'),
  connectionsCreated: def('tributary_connections_created_total', 'counter', ['listener'], 'Client connections accepted, per listener.', 'kafka.server:type=socket-server-metrics,listener=*,networkProcessor=*,name=connection-creation-total'),
  connectionsClosed: def('tributary_connections_closed_total', 'counter', ['listener'], 'Client connections closed, per listener.', 'kafka.server:type=socket-server-metrics,listener=*,networkProcessor=*,name=connection-close-total'),
  connectionsRefused: def('tributary_connections_refused_total', 'counter', ['listener', 'reason'], 'Client connections closed as soon as accepted, per listener and reason: max_connections_per_ip, max_connections (too many waiting for a slot), ip_connection_rate (over the connection_creation_rate quota of its ip entity).'),
  memoryInUse: def('tributary_request_memory_used_bytes', 'gauge', [], 'Request bytes held in memory now, against queued.max.request.bytes.', 'kafka.network:type=SocketServer,name=MemoryPoolUsed'),
  memoryLimit: def('tributary_request_memory_limit_bytes', 'gauge', [], 'queued.max.request.bytes: request bytes held before reading pauses.'),
  // --- log
  fsyncDuration: def('tributary_log_fsync_duration_seconds', 'histogram', [], 'Duration of each group-commit fsync of a partition log (its count is the number of fsyncs).', 'kafka.log:type=LogFlushStats,name=LogFlushRateAndTimeMs'),
  fsyncAppends: def('tributary_log_fsync_appends', 'histogram', [], 'Appends waiting for durability that one group-commit fsync completed.'),
  logStartOffset: def('tributary_partition_log_start_offset', 'gauge', ['topic', 'partition'], 'First offset of a partition log.', 'kafka.log:type=Log,name=LogStartOffset,topic=*,partition=*'),
  logEndOffset: def('tributary_partition_log_end_offset', 'gauge', ['topic', 'partition'], 'Next offset a partition log will assign.', 'kafka.log:type=Log,name=LogEndOffset,topic=*,partition=*'),
  highWatermark: def('tributary_partition_high_watermark', 'gauge', ['topic', 'partition'], 'High watermark of a partition: records below it are visible to consumers.'),
  logSize: def('tributary_partition_size_bytes', 'gauge', ['topic', 'partition'], 'Bytes of a partition log\'s segments.', 'kafka.log:type=Log,name=Size,topic=*,partition=*'),
  // --- groups (computed when scraped)
  groups: def('tributary_groups', 'gauge', ['state'], 'Consumer groups per state.', 'kafka.coordinator.group:type=GroupMetadataManager,name=NumGroups{State}'),
  groupState: def('tributary_group_state', 'gauge', ['group', 'state'], 'The state of each group: 1 for its current state.'),
  groupMembers: def('tributary_group_members', 'gauge', ['group'], 'Members of each group.'),
  groupLag: def('tributary_group_lag', 'gauge', ['group', 'topic', 'partition'], 'High watermark minus the group\'s committed offset, per partition it committed.', 'kafka.consumer:type=consumer-fetch-manager-metrics,client-id=*,topic=*,partition=* records-lag (the consumer\'s own view; brokers export none)'),
  // --- transactions (computed when scraped)
  transactions: def('tributary_transactions', 'gauge', ['state'], 'Transactional ids the transaction coordinator holds, per state (Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort, PrepareEpochFence).'),
  // --- process
  eventLoopDelay: def('tributary_event_loop_delay_seconds', 'summary', [], 'Event-loop delay (perf_hooks monitorEventLoopDelay) since the previous scrape; quantile 1 is the maximum.'),
  residentMemory: def('tributary_process_resident_memory_bytes', 'gauge', [], 'Resident set size of the process.'),
  heapUsed: def('tributary_process_heap_used_bytes', 'gauge', [], 'V8 heap in use.', 'java.lang:type=Memory HeapMemoryUsage.used'),
  heapTotal: def('tributary_process_heap_total_bytes', 'gauge', [], 'V8 heap allocated.', 'java.lang:type=Memory HeapMemoryUsage.committed'),
  externalMemory: def('tributary_process_external_memory_bytes', 'gauge', [], 'Memory of Buffers and other objects outside the V8 heap.'),
  cpu: def('tributary_process_cpu_seconds_total', 'counter', ['mode'], 'CPU time of the process, user and system.', 'java.lang:type=OperatingSystem ProcessCpuTime (both modes)'),
  gcDuration: def('tributary_process_gc_duration_seconds', 'histogram', ['kind'], 'Garbage collection pauses, per kind (minor, major, incremental, weakcb).', 'java.lang:type=GarbageCollector,name=* CollectionCount, CollectionTime'),
  startTime: def('tributary_process_start_time_seconds', 'gauge', [], 'When the process started, in seconds since the Unix epoch.', 'java.lang:type=Runtime StartTime'),
} as const satisfies Record<string, MetricDef>;

export const METRIC_DEFINITIONS: readonly MetricDef[] = Object.values(METRICS);
