// AlterConfigs (key 33), v0-2: replaces a topic's config overrides, or the dynamic broker configs
// of this node ('1') or the cluster ('') with those given (Kafka's legacy semantics: keys not
// given are removed). validate_only checks without changing. Changes apply to the logs at once
// and survive restarts.

import type { AlterConfigsRequest, AlterConfigsResponse } from '../codec/index.js';
import { alterConfigsHandlerFor } from './config-alter.js';

export const alterConfigsHandler = alterConfigsHandlerFor<AlterConfigsRequest, AlterConfigsResponse>(33, 'legacy');
