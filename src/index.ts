// Public entry point of the tributary package: the embedded broker and the codec.
export { startBroker, startBrokerWithConfig, type BrokerOptions, type RunningBroker } from './broker.js';
export { loadConfig, type BrokerConfig } from './config/load.js';
export type {
  ApiSelector,
  InterceptAction,
  InterceptContext,
  InterceptFunction,
  InterceptMatcher,
  InterceptorHandle,
  RequestFacts,
} from './server/interceptors.js';
export { type AclFixture, type TopicFixture } from './declarations.js';
export { type Clock, ManualClock, systemClock } from './util/clock.js';
export { Logger, type LogFormat, type LogLevel, type LogSink } from './util/logger.js';
export { startCluster, startClusterWithConfig, type ClusterOptions, type ClusterBroker, type RunningCluster } from './cluster-broker.js';
