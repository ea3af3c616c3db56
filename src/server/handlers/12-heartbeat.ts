/**
 * Heartbeat (key 12), versions 0-4.
 *
 * Behavior: keeps a member's session alive (GroupCoordinator.heartbeat).
 * REBALANCE_IN_PROGRESS tells a member of a rebalancing group to rejoin;
 * ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID and FENCED_INSTANCE_ID that it is
 * no longer part of the group as it thinks.
 *
 * Version notes: v1 throttle time; v3 groupInstanceId; v4 flexible.
 */
import { heartbeatRequest, heartbeatResponse } from '../../protocol/messages';
import { defineHandler } from '../handler';

export const heartbeatHandler = defineHandler({
  apiKey: 12,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 4,
  request: heartbeatRequest,
  response: heartbeatResponse,
  handle(req, ctx) {
    const errorCode = ctx.broker.groups.heartbeat(req.groupId, req.memberId, req.groupInstanceId, req.generationId);
    return { throttleTimeMs: 0, errorCode };
  },
});
