/**
 * DescribeCluster (key 60), versions 0-2.
 *
 * Behavior (as Kafka's handleDescribeCluster / computeDescribeClusterResponse
 * on a broker listener):
 * - brokers: this one at its advertised address, never fenced; controllerId
 *   this broker (as in Metadata); clusterId the stored cluster id;
 * - clusterAuthorizedOperations: without an authorizer, every operation
 *   Kafka supports on the cluster resource when asked, else INT32_MIN;
 * - endpointType (v1+) 2 (controllers): MISMATCHED_ENDPOINT_TYPE; any value
 *   but 1 and 2: UNSUPPORTED_ENDPOINT_TYPE (INVALID_REQUEST at v0, which
 *   cannot send one), with Kafka's messages;
 * - includeFencedBrokers (v2) changes nothing: no broker is ever fenced.
 *
 * Version notes: v0 KIP-700; v1 endpointType (KIP-919); v2 fenced brokers
 * (KIP-1073).
 */
import { ErrorCode } from '../../protocol/error-codes';
import { describeClusterRequest, describeClusterResponse } from '../../protocol/messages';
import { defineHandler } from '../handler';

/** AclEntry.supportedOperations(CLUSTER): CREATE 5, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12. */
const CLUSTER_OPERATIONS = [5, 7, 8, 9, 10, 11, 12].reduce((a, b) => a | (1 << b), 0);
const OPERATIONS_NOT_REQUESTED = -2147483648;
const BROKER = 1;
const CONTROLLER = 2;

export const describeClusterHandler = defineHandler({
  apiKey: 60,
  name: 'DescribeCluster',
  minVersion: 0,
  maxVersion: 2,
  request: describeClusterRequest,
  response: describeClusterResponse,
  handle(req, ctx) {
    const broker = ctx.broker;
    const base = {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: BROKER,
      clusterId: '',
      controllerId: -1,
      brokers: [],
      clusterAuthorizedOperations: OPERATIONS_NOT_REQUESTED,
    };
    const v0 = ctx.apiVersion === 0;
    if (req.endpointType !== BROKER && req.endpointType !== CONTROLLER) {
      return {
        ...base,
        errorCode: v0 ? ErrorCode.INVALID_REQUEST : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
        errorMessage: `Unsupported endpoint type ${req.endpointType}`,
      };
    }
    if (req.endpointType === CONTROLLER) {
      return {
        ...base,
        errorCode: v0 ? ErrorCode.INVALID_REQUEST : ErrorCode.MISMATCHED_ENDPOINT_TYPE,
        errorMessage: 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER',
      };
    }
    const nodeId = broker.config.nodeId;
    return {
      ...base,
      clusterId: broker.clusterId,
      controllerId: nodeId,
      brokers: [{ brokerId: nodeId, host: broker.config.advertisedHost, port: broker.advertisedPort, rack: null, isFenced: false }],
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : OPERATIONS_NOT_REQUESTED,
    };
  },
});
