// DescribeCluster (key 60), v0-2: the live brokers (this one alone, or the cluster's), the cluster
// id, and the controller id (a single broker names itself, as a KRaft broker answers). Only the broker endpoint type exists here: asking for controllers
// is MISMATCHED_ENDPOINT_TYPE (INVALID_REQUEST at v0), an unknown type UNSUPPORTED_ENDPOINT_TYPE.

import type { DescribeClusterRequest, DescribeClusterResponse, EncodeInput } from '../codec/index.js';
import { ErrorCode } from '../codec/index.js';
import type { RequestContext } from './context.js';
import { controllerId, listedBrokers } from './cluster-view.js';
import { type ApiHandler, schemaVersions } from './registry.js';
import { authorizeCluster, authorizedOperations, CLUSTER_NAME, Op, ResourceType } from './authorize.js';

const BROKERS = 1;
const CONTROLLERS = 2;
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

export const describeClusterHandler: ApiHandler<DescribeClusterRequest, EncodeInput<DescribeClusterResponse>> = {
  ...schemaVersions(60),
  handle(request, ctx: RequestContext) {
    const v = ctx.apiVersion;
    const type = request.endpointType;
    if (type !== BROKERS && type !== CONTROLLERS) {
      return {
        throttleTimeMs: 0,
        errorCode: v === 0 ? ErrorCode.INVALID_REQUEST : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
        errorMessage: `Unsupported endpoint type ${type}`,
        endpointType: type,
        clusterId: '',
      };
    }
    if (type === CONTROLLERS) {
      return {
        throttleTimeMs: 0,
        errorCode: v === 0 ? ErrorCode.INVALID_REQUEST : ErrorCode.MISMATCHED_ENDPOINT_TYPE,
        errorMessage: 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER',
        endpointType: type,
        clusterId: '',
      };
    }
    const { cluster } = ctx.broker;
    // KIP-430: the operations allowed on the cluster, 0 without DESCRIBE on it (as Kafka).
    let clusterAuthorizedOperations = AUTHORIZED_OPERATIONS_OMITTED;
    if (request.includeClusterAuthorizedOperations) {
      clusterAuthorizedOperations = authorizeCluster(ctx, Op.DESCRIBE) ? authorizedOperations(ctx, ResourceType.CLUSTER, CLUSTER_NAME) : 0;
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: BROKERS,
      clusterId: cluster.clusterId,
      controllerId: controllerId(ctx),
      // The live brokers: this one alone, the in-process identities, or the database's members.
      brokers: listedBrokers(ctx).map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack, isFenced: false })),
      clusterAuthorizedOperations,
    };
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, errorMessage: null, clusterId: '' };
  },
};
