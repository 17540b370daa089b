// Public entry point of the tributary package: the embedded broker and the codec.
export { startBroker, startBrokerWithConfig, type BrokerOptions, type RunningBroker } from './broker.js';
export { loadConfig, type BrokerConfig } from './config/load.js';
export { startCluster, startClusterWithConfig, type ClusterOptions, type ClusterBroker, type RunningCluster } from './cluster-broker.js';
