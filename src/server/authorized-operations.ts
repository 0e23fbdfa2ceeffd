/**
 * Authorized-operations bit fields (KIP-430), as Metadata, DescribeCluster and DescribeGroups
 * report them: bit n set means AclOperation n is allowed. Without an authorizer every operation
 * a resource type supports is allowed; "not requested" is Integer.MIN_VALUE.
 */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** AclOperation codes (org.apache.kafka.common.acl.AclOperation). */
export const AclOperation = {
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
} as const;

function bits(...ops: number[]): number {
  return ops.reduce((acc, op) => acc | (1 << op), 0);
}

const A = AclOperation;
export const TOPIC_OPERATIONS = bits(A.READ, A.WRITE, A.CREATE, A.DELETE, A.ALTER, A.DESCRIBE, A.DESCRIBE_CONFIGS, A.ALTER_CONFIGS);
export const CLUSTER_OPERATIONS = bits(A.CREATE, A.ALTER, A.DESCRIBE, A.CLUSTER_ACTION, A.DESCRIBE_CONFIGS, A.ALTER_CONFIGS, A.IDEMPOTENT_WRITE);
// DESCRIBE_CONFIGS and ALTER_CONFIGS: the GROUP config resource (type 32).
export const GROUP_OPERATIONS = bits(A.READ, A.DELETE, A.DESCRIBE, A.DESCRIBE_CONFIGS, A.ALTER_CONFIGS);
