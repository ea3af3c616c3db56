/**
 * JoinGroup (key 11), versions 0-9.
 *
 * Behavior: see GroupCoordinator.join. The answer is held until the
 * rebalance's join phase ends (every member rejoined, or the rebalance
 * timeout passed); the leader's answer lists every member's metadata.
 * Errors: INVALID_GROUP_ID (empty or oversized id), INVALID_SESSION_TIMEOUT
 * (outside group.min/max.session.timeout.ms), INCONSISTENT_GROUP_PROTOCOL,
 * UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID, MEMBER_ID_REQUIRED (v4+, new
 * member), GROUP_MAX_SIZE_REACHED, COORDINATOR_LOAD_IN_PROGRESS.
 *
 * Version notes: v0 has no rebalance timeout (the session timeout is used);
 * v4 MEMBER_ID_REQUIRED; v5 static membership (groupInstanceId); v6
 * flexible; v7 protocol type in the answer, nullable protocol name; v8
 * reason; v9 skipAssignment.
 */
import { joinGroupRequest, joinGroupResponse } from '../../protocol/messages';
import { defineHandler } from '../handler';

export const joinGroupHandler = defineHandler({
  apiKey: 11,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 9,
  request: joinGroupRequest,
  response: joinGroupResponse,
  async handle(req, ctx) {
    const v = ctx.apiVersion;
    const result = await ctx.broker.groups.join({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: v === 0 ? req.sessionTimeoutMs : req.rebalanceTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols,
      clientId: ctx.header.clientId ?? '',
      clientHost: ctx.clientHost,
      requireKnownMemberId: v >= 4,
      supportSkippingAssignment: v >= 9,
    });
    return {
      throttleTimeMs: 0,
      ...result,
      // Before v7 the protocol name cannot be null.
      protocolName: v < 7 ? (result.protocolName ?? '') : result.protocolName,
    };
  },
});
