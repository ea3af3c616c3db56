/**
 * DeleteTopics (key 20), versions 1-6.
 *
 * Behavior:
 * - v1-5 name topics (topicNames); v6 names them by name or by topic id
 *   (exactly one of the two, else INVALID_REQUEST);
 * - a name or id given twice gets one INVALID_REQUEST answer and is not
 *   deleted;
 * - an unknown name gets UNKNOWN_TOPIC_OR_PARTITION, an unknown id
 *   UNKNOWN_TOPIC_ID; internal topics cannot be deleted
 *   (TOPIC_AUTHORIZATION_FAILED, as Kafka answers);
 * - the topic leaves the metadata first, then its partition directories
 *   are removed; fetches waiting on it are woken; groups' committed
 *   offsets for it are deleted.
 *
 * Version notes: v4 flexible; v5 errorMessage; v6 topic ids (KIP-516).
 */
import { KafkaError } from '../../cluster/kafka-error';
import { ErrorCode } from '../../protocol/error-codes';
import { deleteTopicsRequest, deleteTopicsResponse } from '../../protocol/messages';
import { ZERO_UUID } from '../../protocol/primitives';
import { defineHandler } from '../handler';

export const deleteTopicsHandler = defineHandler({
  apiKey: 20,
  name: 'DeleteTopics',
  minVersion: 1,
  maxVersion: 6,
  request: deleteTopicsRequest,
  response: deleteTopicsResponse,
  async handle(req, ctx) {
    const topics = ctx.broker.topics;
    const asked =
      ctx.apiVersion >= 6 ? req.topics.map((t) => ({ name: t.name, topicId: t.topicId })) : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    // A name or id given twice is refused (once, INVALID_REQUEST) and not deleted, as Kafka does.
    const keyOf = (a: { name: string | null; topicId: string }) => (a.name !== null ? `name:${a.name}` : `id:${a.topicId}`);
    const seen = new Map<string, number>();
    for (const a of asked) seen.set(keyOf(a), (seen.get(keyOf(a)) ?? 0) + 1);
    const answered = new Set<string>();
    const responses = [];
    for (const a of asked) {
      const key = keyOf(a);
      if (answered.has(key)) continue;
      answered.add(key);
      const result = { name: a.name, topicId: a.topicId, errorCode: ErrorCode.NONE as number, errorMessage: null as string | null };
      if (seen.get(key)! > 1) {
        result.errorCode = ErrorCode.INVALID_REQUEST;
        result.errorMessage = a.name !== null ? 'Duplicate topic name.' : 'Duplicate topic id.';
        responses.push(result);
        continue;
      }
      try {
        let name = a.name;
        if ((name === null) === (a.topicId === ZERO_UUID)) {
          throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Exactly one of a topic name or a topic id must be given');
        }
        if (name === null) {
          const t = topics.getById(a.topicId);
          if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_ID, 'This server does not host this topic ID.');
          name = t.name;
          result.name = name;
        }
        const t = topics.get(name);
        if (t?.internal) throw new KafkaError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, `Topic ${name} is internal and cannot be deleted`);
        const deleted = await topics.delete(name);
        result.topicId = deleted.topicId;
        ctx.log.info({ topic: name }, 'topic deleted');
        // Committed offsets of a deleted topic go too, as in Kafka, so a new topic of that name starts afresh.
        await ctx.broker.groups.onTopicsDeleted([name]);
      } catch (err) {
        if (!(err instanceof KafkaError)) throw err;
        result.errorCode = err.code;
        result.errorMessage = err.message;
      }
      responses.push(result);
    }
    return { throttleTimeMs: 0, responses };
  },
});
