/**
 * DescribeGroups (key 15), versions 0-6.
 *
 * Behavior: each group's state, protocol type, chosen protocol and members
 * (GroupCoordinator.describe). Member metadata and assignments, and the
 * protocol, are shown only while the group is Stable, as in Kafka. An
 * unknown group is described as Dead with no error up to v5; from v6 it
 * also carries GROUP_ID_NOT_FOUND and the message "Group <id> not found."
 * (KIP-1043; GroupMetadataManager.describeGroups).
 *
 * Version notes: v1 throttle time; v3 authorized operations (without an
 * authorizer: READ, DELETE and DESCRIBE, the operations a group has); v4
 * groupInstanceId; v5 flexible; v6 errorMessage.
 */
import { ErrorCode } from '../../protocol/error-codes';
import { describeGroupsRequest, describeGroupsResponse } from '../../protocol/messages';
import { defineHandler } from '../handler';

/** AclOperation bits a group supports: READ 3, DELETE 6, DESCRIBE 8. */
const GROUP_OPERATIONS = [3, 6, 8].reduce((a, b) => a | (1 << b), 0);
const OPERATIONS_NOT_REQUESTED = -2147483648;

export const describeGroupsHandler = defineHandler({
  apiKey: 15,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 6,
  request: describeGroupsRequest,
  response: describeGroupsResponse,
  handle(req, ctx) {
    const operations = req.includeAuthorizedOperations ? GROUP_OPERATIONS : OPERATIONS_NOT_REQUESTED;
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((groupId) => {
        const described = { groupId, ...ctx.broker.groups.describe(groupId), authorizedOperations: operations, errorMessage: null as string | null };
        if (ctx.apiVersion >= 6 && described.errorCode === ErrorCode.NONE && !ctx.broker.groups.group(groupId)) {
          described.errorCode = ErrorCode.GROUP_ID_NOT_FOUND;
          described.errorMessage = `Group ${groupId} not found.`;
        }
        return described;
      }),
    };
  },
});
