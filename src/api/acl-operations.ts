// Authorized-operations bit sets (KIP-430) as Kafka reports them when every operation is allowed,
// which is the case on a broker without ACLs. INT32_MIN means "not requested".

export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

// AclOperation codes: READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9,
// DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12 — the operations each resource type has.
const bits = (...ops: number[]) => ops.reduce((acc, op) => acc | (1 << op), 0);

export const TOPIC_OPERATIONS = bits(3, 4, 5, 6, 7, 8, 10, 11);
export const GROUP_OPERATIONS = bits(3, 6, 8, 10, 11);
export const CLUSTER_OPERATIONS = bits(5, 7, 8, 9, 10, 11, 12);
