/** Every API handler this broker has; ApiVersions is built from this list. */
import { Handler } from '../handler';
import { produceHandler } from './00-produce';
import { fetchHandler } from './01-fetch';
import { listOffsetsHandler } from './02-list-offsets';
import { metadataHandler } from './03-metadata';
import { offsetCommitHandler } from './08-offset-commit';
import { offsetFetchHandler } from './09-offset-fetch';
import { findCoordinatorHandler } from './10-find-coordinator';
import { joinGroupHandler } from './11-join-group';
import { heartbeatHandler } from './12-heartbeat';
import { leaveGroupHandler } from './13-leave-group';
import { syncGroupHandler } from './14-sync-group';
import { describeGroupsHandler } from './15-describe-groups';
import { listGroupsHandler } from './16-list-groups';
import { apiVersionsHandler } from './18-api-versions';
import { createTopicsHandler } from './19-create-topics';
import { deleteTopicsHandler } from './20-delete-topics';
import { deleteGroupsHandler } from './42-delete-groups';
import { offsetDeleteHandler } from './47-offset-delete';
import { deleteRecordsHandler } from './21-delete-records';
import { offsetForLeaderEpochHandler } from './23-offset-for-leader-epoch';
import { describeLogDirsHandler } from './35-describe-log-dirs';
import { createPartitionsHandler } from './37-create-partitions';
import { electLeadersHandler } from './43-elect-leaders';
import { describeClusterHandler } from './60-describe-cluster';
import { initProducerIdHandler } from './22-init-producer-id';
import { describeProducersHandler } from './61-describe-producers';
import { describeConfigsHandler } from './32-describe-configs';
import { alterConfigsHandler } from './33-alter-configs';
import { incrementalAlterConfigsHandler } from './44-incremental-alter-configs';

export const HANDLERS: readonly Handler[] = [
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  metadataHandler,
  offsetCommitHandler,
  offsetFetchHandler,
  findCoordinatorHandler,
  joinGroupHandler,
  heartbeatHandler,
  leaveGroupHandler,
  syncGroupHandler,
  describeGroupsHandler,
  listGroupsHandler,
  apiVersionsHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  deleteGroupsHandler,
  offsetDeleteHandler,
  deleteRecordsHandler,
  offsetForLeaderEpochHandler,
  describeLogDirsHandler,
  createPartitionsHandler,
  electLeadersHandler,
  describeClusterHandler,
  initProducerIdHandler,
  describeProducersHandler,
  describeConfigsHandler,
  alterConfigsHandler,
  incrementalAlterConfigsHandler,
] as unknown as readonly Handler[];
