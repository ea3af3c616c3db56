/**
 * LeaveGroup (key 13), versions 0-5.
 *
 * Behavior: removes members at once (GroupCoordinator.leave) and starts a
 * rebalance for the rest. A static member may be removed by its instance
 * id alone (empty member id), as admin tools do.
 *
 * Version notes: v0-2 name one member and carry one error code (the first
 * member error when there is no group-level one, as Kafka answers); v3+
 * batch members with an error each; v4 flexible; v5 reason.
 */
import { ErrorCode } from '../../protocol/error-codes';
import { leaveGroupRequest, leaveGroupResponse } from '../../protocol/messages';
import { defineHandler } from '../handler';

export const leaveGroupHandler = defineHandler({
  apiKey: 13,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 5,
  request: leaveGroupRequest,
  response: leaveGroupResponse,
  handle(req, ctx) {
    const leaving = ctx.apiVersion >= 3 ? req.members : [{ memberId: req.memberId, groupInstanceId: null }];
    const result = ctx.broker.groups.leave(req.groupId, leaving);
    if (ctx.apiVersion >= 3) return { throttleTimeMs: 0, errorCode: result.errorCode, members: result.members };
    const memberError = result.members.find((m) => m.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE;
    return { throttleTimeMs: 0, errorCode: result.errorCode || memberError, members: [] };
  },
});
