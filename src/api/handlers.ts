// Every handler the broker serves, one per API key. Adding an API is one line here.

import { apiVersionsHandler } from './18-api-versions.js';
import type { ApiHandler } from './registry.js';

export const allHandlers: readonly ApiHandler[] = [apiVersionsHandler];
