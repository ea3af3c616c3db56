/**
 * SyncGroup (key 14), versions 0-5.
 *
 * Behavior: the leader brings every member's assignment; they are written
 * to __consumer_offsets and then every member's SyncGroup is answered with
 * its own (GroupCoordinator.sync). A follower's SyncGroup is held until
 * then; members the leader left out get an empty assignment. In a stable
 * group the current assignment is answered at once.
 *
 * Version notes: v1 throttle time; v3 groupInstanceId; v4 flexible; v5
 * protocol type and name, checked against the group's
 * (INCONSISTENT_GROUP_PROTOCOL) and returned.
 */
import { syncGroupRequest, syncGroupResponse } from '../../protocol/messages';
import { defineHandler } from '../handler';

export const syncGroupHandler = defineHandler({
  apiKey: 14,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 5,
  request: syncGroupRequest,
  response: syncGroupResponse,
  async handle(req, ctx) {
    const assignments = new Map<string, Buffer>();
    for (const a of req.assignments) assignments.set(a.memberId, a.assignment);
    const result = await ctx.broker.groups.sync({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      protocolType: req.protocolType,
      protocolName: req.protocolName,
      assignments,
    });
    return { throttleTimeMs: 0, ...result };
  },
});
