// IncrementalAlterConfigs (key 44), v0-1: SET, DELETE, APPEND and SUBTRACT (list configs only) on
// a topic's overrides or the dynamic broker configs, checked as Kafka checks them (INVALID_CONFIG
// naming the key and why, INVALID_REQUEST for malformed requests). validate_only changes nothing.

import type { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../codec/index.js';
import { alterConfigsHandlerFor } from './config-alter.js';

export const incrementalAlterConfigsHandler = alterConfigsHandlerFor<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>(44, 'incremental');
