// Every conformance case, in report order: handshake, metadata, data path, topic admin, groups,
// transactions, other admin APIs, flexible-version details, then ACL enforcement (needs SASL principals).

import type { ConformanceCase } from '../types.js';
import { apiVersionsCases } from './api-versions.js';
import { fetchCases } from './fetch.js';
import { listOffsetsCases } from './list-offsets.js';
import { metadataCases } from './metadata.js';
import { produceCases } from './produce.js';
import { topicCases } from './topics.js';
import { groupCases } from './groups.js';
import { transactionCases } from './transactions.js';
import { adminCases } from './admin.js';
import { flexibleCases } from './flexible.js';
import { aclCases } from './acls.js';

export const allCases: readonly ConformanceCase[] = [
  ...apiVersionsCases,
  ...metadataCases,
  ...produceCases,
  ...fetchCases,
  ...listOffsetsCases,
  ...topicCases,
  ...groupCases,
  ...transactionCases,
  ...adminCases,
  ...flexibleCases,
  ...aclCases,
];
