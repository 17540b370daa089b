// Types for kafka.mjs (a plain script so that `node test/reference/kafka.mjs` runs without a build).
export declare const REFERENCE_LIBS: string;
export declare const REFERENCE_CLASSPATH: string;
export declare const REFERENCE_DEFAULTS: Record<string, string>;
export declare function referenceUnavailable(): string | null;
export interface ReferenceKafka {
  bootstrap: string;
  /** The SASL_PLAINTEXT listener's host:port when started with saslPlainUsers, else null. */
  saslBootstrap: string | null;
  /** The `listeners` option's listeners, by name: host:port. */
  listenerBootstraps: Record<string, string>;
  host: string;
  port: number;
  clusterId: string;
  pid: number;
  dataDir: string;
  startupMs: number;
  settings: Record<string, string>;
  stop(): Promise<void>;
}
export declare function startReferenceKafka(options?: {
  config?: Record<string, string | number | boolean>;
  /** PLAIN users (name → password) of an added SASL_PLAINTEXT listener. */
  saslPlainUsers?: Record<string, string>;
  listeners?: Record<string, string>;
  addScram?: string[];
  jvmArgs?: string[];
  heap?: string;
  timeoutMs?: number;
  log?: (line: string) => void;
}): Promise<ReferenceKafka>;
export interface ReferenceKafkaCluster {
  /** Every node's host:port, comma-separated. */
  bootstrap: string;
  nodes: { nodeId: number; port: number; pid: number }[];
  clusterId: string;
  startupMs: number;
  stop(): Promise<void>;
}
export declare function startReferenceKafkaCluster(options?: {
  nodes?: number;
  config?: Record<string, string | number | boolean>;
  heap?: string;
  timeoutMs?: number;
  log?: (line: string) => void;
}): Promise<ReferenceKafkaCluster>;
