/**
 * ListGroups (key 16), versions 0-5.
 *
 * Behavior: every group this broker coordinates, with its protocol type
 * ("consumer", or "" for a group that only stores offsets); while
 * __consumer_offsets is still loading, COORDINATOR_LOAD_IN_PROGRESS.
 *
 * Version notes: v1 throttle time; v3 flexible; v4 state in the answer
 * and a state filter; v5 group type ("classic"; KIP-848 groups do not
 * exist here) and a type filter. Filters compare case-insensitively.
 */
import { listGroupsRequest, listGroupsResponse } from '../../protocol/messages';
import { defineHandler } from '../handler';

export const listGroupsHandler = defineHandler({
  apiKey: 16,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 5,
  request: listGroupsRequest,
  response: listGroupsResponse,
  handle(req, ctx) {
    return { throttleTimeMs: 0, ...ctx.broker.groups.list(req.statesFilter, req.typesFilter) };
  },
});
