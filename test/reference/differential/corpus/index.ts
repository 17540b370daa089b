// The differential corpus, area by area.
import type { Sequence } from '../sequence.js';
import { ADMIN } from './admin.js';
import { DATA_PATH } from './data-path.js';
import { GROUPS } from './groups.js';
import { PROTOCOL } from './protocol.js';
import { TRANSACTIONS } from './transactions.js';

export const CORPUS: Sequence[] = [...DATA_PATH, ...GROUPS, ...TRANSACTIONS, ...ADMIN, ...PROTOCOL];
