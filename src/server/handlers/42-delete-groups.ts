/**
 * DeleteGroups (key 42), versions 0-2.
 *
 * Behavior: deletes empty groups with their committed offsets (tombstones
 * are written to __consumer_offsets). A group with members gets
 * NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND.
 *
 * Version notes: v2 flexible.
 */
import { deleteGroupsRequest, deleteGroupsResponse } from '../../protocol/messages';
import { defineHandler } from '../handler';

export const deleteGroupsHandler = defineHandler({
  apiKey: 42,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 2,
  request: deleteGroupsRequest,
  response: deleteGroupsResponse,
  async handle(req, ctx) {
    const codes = await ctx.broker.groups.deleteGroups(req.groupsNames);
    return { throttleTimeMs: 0, results: req.groupsNames.map((groupId, i) => ({ groupId, errorCode: codes[i] })) };
  },
});
