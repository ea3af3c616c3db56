/**
 * The registry of supported messages: one compiled codec per request and
 * response, by API key, with a type alias for each decoded message.
 */
import { MessageCodec, codec } from '../codec';
import { MessageSpec, ValueOf } from '../schema';
import { ProduceRequest, ProduceResponse } from './00-produce';
import { FetchRequest, FetchResponse } from './01-fetch';
import { ListOffsetsRequest, ListOffsetsResponse } from './02-list-offsets';
import { MetadataRequest, MetadataResponse } from './03-metadata';
import { OffsetCommitRequest, OffsetCommitResponse } from './08-offset-commit';
import { OffsetFetchRequest, OffsetFetchResponse } from './09-offset-fetch';
import { FindCoordinatorRequest, FindCoordinatorResponse } from './10-find-coordinator';
import { JoinGroupRequest, JoinGroupResponse } from './11-join-group';
import { HeartbeatRequest, HeartbeatResponse } from './12-heartbeat';
import { LeaveGroupRequest, LeaveGroupResponse } from './13-leave-group';
import { SyncGroupRequest, SyncGroupResponse } from './14-sync-group';
import { DescribeGroupsRequest, DescribeGroupsResponse } from './15-describe-groups';
import { ListGroupsRequest, ListGroupsResponse } from './16-list-groups';
import { ApiVersionsRequest, ApiVersionsResponse } from './18-api-versions';
import { CreateTopicsRequest, CreateTopicsResponse } from './19-create-topics';
import { DeleteTopicsRequest, DeleteTopicsResponse } from './20-delete-topics';
import { DescribeConfigsRequest, DescribeConfigsResponse } from './32-describe-configs';
import { AlterConfigsRequest, AlterConfigsResponse } from './33-alter-configs';
import { DeleteGroupsRequest, DeleteGroupsResponse } from './42-delete-groups';
import { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from './44-incremental-alter-configs';
import { OffsetDeleteRequest, OffsetDeleteResponse } from './47-offset-delete';
import { DeleteRecordsRequest, DeleteRecordsResponse } from './21-delete-records';
import { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from './23-offset-for-leader-epoch';
import { DescribeLogDirsRequest, DescribeLogDirsResponse } from './35-describe-log-dirs';
import { CreatePartitionsRequest, CreatePartitionsResponse } from './37-create-partitions';
import { ElectLeadersRequest, ElectLeadersResponse } from './43-elect-leaders';
import { DescribeClusterRequest, DescribeClusterResponse } from './60-describe-cluster';
import { InitProducerIdRequest, InitProducerIdResponse } from './22-init-producer-id';
import { DescribeProducersRequest, DescribeProducersResponse } from './61-describe-producers';

export {
  ProduceRequest,
  ProduceResponse,
  FetchRequest,
  FetchResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  MetadataRequest,
  MetadataResponse,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetFetchRequest,
  OffsetFetchResponse,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  JoinGroupRequest,
  JoinGroupResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  LeaveGroupRequest,
  LeaveGroupResponse,
  SyncGroupRequest,
  SyncGroupResponse,
  DescribeGroupsRequest,
  DescribeGroupsResponse,
  ListGroupsRequest,
  ListGroupsResponse,
  ApiVersionsRequest,
  ApiVersionsResponse,
  CreateTopicsRequest,
  CreateTopicsResponse,
  DeleteTopicsRequest,
  DeleteTopicsResponse,
  DeleteGroupsRequest,
  DeleteGroupsResponse,
  OffsetDeleteRequest,
  OffsetDeleteResponse,
  DeleteRecordsRequest,
  DeleteRecordsResponse,
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse,
  DescribeLogDirsRequest,
  DescribeLogDirsResponse,
  CreatePartitionsRequest,
  CreatePartitionsResponse,
  ElectLeadersRequest,
  ElectLeadersResponse,
  DescribeClusterRequest,
  DescribeClusterResponse,
  InitProducerIdRequest,
  InitProducerIdResponse,
  DescribeProducersRequest,
  DescribeProducersResponse,
  DescribeConfigsRequest,
  DescribeConfigsResponse,
  AlterConfigsRequest,
  AlterConfigsResponse,
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse,
};

export const produceRequest = codec(ProduceRequest);
export const produceResponse = codec(ProduceResponse);
export const fetchRequest = codec(FetchRequest);
export const fetchResponse = codec(FetchResponse);
export const listOffsetsRequest = codec(ListOffsetsRequest);
export const listOffsetsResponse = codec(ListOffsetsResponse);
export const metadataRequest = codec(MetadataRequest);
export const metadataResponse = codec(MetadataResponse);
export const offsetCommitRequest = codec(OffsetCommitRequest);
export const offsetCommitResponse = codec(OffsetCommitResponse);
export const offsetFetchRequest = codec(OffsetFetchRequest);
export const offsetFetchResponse = codec(OffsetFetchResponse);
export const findCoordinatorRequest = codec(FindCoordinatorRequest);
export const findCoordinatorResponse = codec(FindCoordinatorResponse);
export const joinGroupRequest = codec(JoinGroupRequest);
export const joinGroupResponse = codec(JoinGroupResponse);
export const heartbeatRequest = codec(HeartbeatRequest);
export const heartbeatResponse = codec(HeartbeatResponse);
export const leaveGroupRequest = codec(LeaveGroupRequest);
export const leaveGroupResponse = codec(LeaveGroupResponse);
export const syncGroupRequest = codec(SyncGroupRequest);
export const syncGroupResponse = codec(SyncGroupResponse);
export const describeGroupsRequest = codec(DescribeGroupsRequest);
export const describeGroupsResponse = codec(DescribeGroupsResponse);
export const listGroupsRequest = codec(ListGroupsRequest);
export const listGroupsResponse = codec(ListGroupsResponse);
export const apiVersionsRequest = codec(ApiVersionsRequest);
export const apiVersionsResponse = codec(ApiVersionsResponse);
export const createTopicsRequest = codec(CreateTopicsRequest);
export const createTopicsResponse = codec(CreateTopicsResponse);
export const deleteTopicsRequest = codec(DeleteTopicsRequest);
export const deleteTopicsResponse = codec(DeleteTopicsResponse);
export const deleteGroupsRequest = codec(DeleteGroupsRequest);
export const deleteGroupsResponse = codec(DeleteGroupsResponse);
export const offsetDeleteRequest = codec(OffsetDeleteRequest);
export const offsetDeleteResponse = codec(OffsetDeleteResponse);
export const deleteRecordsRequest = codec(DeleteRecordsRequest);
export const deleteRecordsResponse = codec(DeleteRecordsResponse);
export const offsetForLeaderEpochRequest = codec(OffsetForLeaderEpochRequest);
export const offsetForLeaderEpochResponse = codec(OffsetForLeaderEpochResponse);
export const describeLogDirsRequest = codec(DescribeLogDirsRequest);
export const describeLogDirsResponse = codec(DescribeLogDirsResponse);
export const createPartitionsRequest = codec(CreatePartitionsRequest);
export const createPartitionsResponse = codec(CreatePartitionsResponse);
export const electLeadersRequest = codec(ElectLeadersRequest);
export const electLeadersResponse = codec(ElectLeadersResponse);
export const describeClusterRequest = codec(DescribeClusterRequest);
export const describeClusterResponse = codec(DescribeClusterResponse);
export const initProducerIdRequest = codec(InitProducerIdRequest);
export const initProducerIdResponse = codec(InitProducerIdResponse);
export const describeProducersRequest = codec(DescribeProducersRequest);
export const describeProducersResponse = codec(DescribeProducersResponse);
export const describeConfigsRequest = codec(DescribeConfigsRequest);
export const describeConfigsResponse = codec(DescribeConfigsResponse);
export const alterConfigsRequest = codec(AlterConfigsRequest);
export const alterConfigsResponse = codec(AlterConfigsResponse);
export const incrementalAlterConfigsRequest = codec(IncrementalAlterConfigsRequest);
export const incrementalAlterConfigsResponse = codec(IncrementalAlterConfigsResponse);

export type ProduceRequestValue = ValueOf<typeof ProduceRequest>;
export type ProduceResponseValue = ValueOf<typeof ProduceResponse>;
export type FetchRequestValue = ValueOf<typeof FetchRequest>;
export type FetchResponseValue = ValueOf<typeof FetchResponse>;
export type ListOffsetsRequestValue = ValueOf<typeof ListOffsetsRequest>;
export type ListOffsetsResponseValue = ValueOf<typeof ListOffsetsResponse>;
export type MetadataRequestValue = ValueOf<typeof MetadataRequest>;
export type MetadataResponseValue = ValueOf<typeof MetadataResponse>;
export type OffsetCommitRequestValue = ValueOf<typeof OffsetCommitRequest>;
export type OffsetCommitResponseValue = ValueOf<typeof OffsetCommitResponse>;
export type OffsetFetchRequestValue = ValueOf<typeof OffsetFetchRequest>;
export type OffsetFetchResponseValue = ValueOf<typeof OffsetFetchResponse>;
export type FindCoordinatorRequestValue = ValueOf<typeof FindCoordinatorRequest>;
export type FindCoordinatorResponseValue = ValueOf<typeof FindCoordinatorResponse>;
export type JoinGroupRequestValue = ValueOf<typeof JoinGroupRequest>;
export type JoinGroupResponseValue = ValueOf<typeof JoinGroupResponse>;
export type HeartbeatRequestValue = ValueOf<typeof HeartbeatRequest>;
export type HeartbeatResponseValue = ValueOf<typeof HeartbeatResponse>;
export type LeaveGroupRequestValue = ValueOf<typeof LeaveGroupRequest>;
export type LeaveGroupResponseValue = ValueOf<typeof LeaveGroupResponse>;
export type SyncGroupRequestValue = ValueOf<typeof SyncGroupRequest>;
export type SyncGroupResponseValue = ValueOf<typeof SyncGroupResponse>;
export type DescribeGroupsRequestValue = ValueOf<typeof DescribeGroupsRequest>;
export type DescribeGroupsResponseValue = ValueOf<typeof DescribeGroupsResponse>;
export type ListGroupsRequestValue = ValueOf<typeof ListGroupsRequest>;
export type ListGroupsResponseValue = ValueOf<typeof ListGroupsResponse>;
export type ApiVersionsRequestValue = ValueOf<typeof ApiVersionsRequest>;
export type ApiVersionsResponseValue = ValueOf<typeof ApiVersionsResponse>;
export type CreateTopicsRequestValue = ValueOf<typeof CreateTopicsRequest>;
export type CreateTopicsResponseValue = ValueOf<typeof CreateTopicsResponse>;
export type DeleteTopicsRequestValue = ValueOf<typeof DeleteTopicsRequest>;
export type DeleteTopicsResponseValue = ValueOf<typeof DeleteTopicsResponse>;
export type DeleteGroupsRequestValue = ValueOf<typeof DeleteGroupsRequest>;
export type DeleteGroupsResponseValue = ValueOf<typeof DeleteGroupsResponse>;
export type OffsetDeleteRequestValue = ValueOf<typeof OffsetDeleteRequest>;
export type OffsetDeleteResponseValue = ValueOf<typeof OffsetDeleteResponse>;
export type DeleteRecordsRequestValue = ValueOf<typeof DeleteRecordsRequest>;
export type DeleteRecordsResponseValue = ValueOf<typeof DeleteRecordsResponse>;
export type OffsetForLeaderEpochRequestValue = ValueOf<typeof OffsetForLeaderEpochRequest>;
export type OffsetForLeaderEpochResponseValue = ValueOf<typeof OffsetForLeaderEpochResponse>;
export type DescribeLogDirsRequestValue = ValueOf<typeof DescribeLogDirsRequest>;
export type DescribeLogDirsResponseValue = ValueOf<typeof DescribeLogDirsResponse>;
export type CreatePartitionsRequestValue = ValueOf<typeof CreatePartitionsRequest>;
export type CreatePartitionsResponseValue = ValueOf<typeof CreatePartitionsResponse>;
export type ElectLeadersRequestValue = ValueOf<typeof ElectLeadersRequest>;
export type ElectLeadersResponseValue = ValueOf<typeof ElectLeadersResponse>;
export type DescribeClusterRequestValue = ValueOf<typeof DescribeClusterRequest>;
export type DescribeClusterResponseValue = ValueOf<typeof DescribeClusterResponse>;
export type InitProducerIdRequestValue = ValueOf<typeof InitProducerIdRequest>;
export type InitProducerIdResponseValue = ValueOf<typeof InitProducerIdResponse>;
export type DescribeProducersRequestValue = ValueOf<typeof DescribeProducersRequest>;
export type DescribeProducersResponseValue = ValueOf<typeof DescribeProducersResponse>;
export type DescribeConfigsRequestValue = ValueOf<typeof DescribeConfigsRequest>;
export type DescribeConfigsResponseValue = ValueOf<typeof DescribeConfigsResponse>;
export type AlterConfigsRequestValue = ValueOf<typeof AlterConfigsRequest>;
export type AlterConfigsResponseValue = ValueOf<typeof AlterConfigsResponse>;
export type IncrementalAlterConfigsRequestValue = ValueOf<typeof IncrementalAlterConfigsRequest>;
export type IncrementalAlterConfigsResponseValue = ValueOf<typeof IncrementalAlterConfigsResponse>;

/** A request codec and its response codec. */
export interface MessagePair {
  readonly request: MessageCodec<MessageSpec>;
  readonly response: MessageCodec<MessageSpec>;
}

/** apiKey → codecs, for every API this broker speaks. */
export const MESSAGES = {
  0: { request: produceRequest, response: produceResponse },
  1: { request: fetchRequest, response: fetchResponse },
  2: { request: listOffsetsRequest, response: listOffsetsResponse },
  3: { request: metadataRequest, response: metadataResponse },
  8: { request: offsetCommitRequest, response: offsetCommitResponse },
  9: { request: offsetFetchRequest, response: offsetFetchResponse },
  10: { request: findCoordinatorRequest, response: findCoordinatorResponse },
  11: { request: joinGroupRequest, response: joinGroupResponse },
  12: { request: heartbeatRequest, response: heartbeatResponse },
  13: { request: leaveGroupRequest, response: leaveGroupResponse },
  14: { request: syncGroupRequest, response: syncGroupResponse },
  15: { request: describeGroupsRequest, response: describeGroupsResponse },
  16: { request: listGroupsRequest, response: listGroupsResponse },
  18: { request: apiVersionsRequest, response: apiVersionsResponse },
  19: { request: createTopicsRequest, response: createTopicsResponse },
  20: { request: deleteTopicsRequest, response: deleteTopicsResponse },
  42: { request: deleteGroupsRequest, response: deleteGroupsResponse },
  47: { request: offsetDeleteRequest, response: offsetDeleteResponse },
  21: { request: deleteRecordsRequest, response: deleteRecordsResponse },
  23: { request: offsetForLeaderEpochRequest, response: offsetForLeaderEpochResponse },
  35: { request: describeLogDirsRequest, response: describeLogDirsResponse },
  37: { request: createPartitionsRequest, response: createPartitionsResponse },
  43: { request: electLeadersRequest, response: electLeadersResponse },
  60: { request: describeClusterRequest, response: describeClusterResponse },
  22: { request: initProducerIdRequest, response: initProducerIdResponse },
  61: { request: describeProducersRequest, response: describeProducersResponse },
  32: { request: describeConfigsRequest, response: describeConfigsResponse },
  33: { request: alterConfigsRequest, response: alterConfigsResponse },
  44: { request: incrementalAlterConfigsRequest, response: incrementalAlterConfigsResponse },
} as const satisfies { readonly [apiKey: number]: MessagePair };

export type ApiKeyWithMessages = keyof typeof MESSAGES;

/** The codecs for an API key, or undefined when the broker does not speak it. */
export function messagesFor(apiKey: number): MessagePair | undefined {
  return Object.prototype.hasOwnProperty.call(MESSAGES, apiKey) ? (MESSAGES as Record<number, MessagePair>)[apiKey] : undefined;
}
