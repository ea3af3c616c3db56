/**
 * The one thing the broker reads from inside a group's protocol metadata:
 * which topics a member of a "consumer" group subscribes to. Kafka needs it
 * to refuse OffsetDelete for subscribed topics (GROUP_SUBSCRIBED_TO_TOPIC)
 * and to expire offsets of topics a live group no longer consumes.
 *
 * ConsumerProtocolSubscription (every version, 0-3) starts with an int16
 * version and the array of topic names (int32 count, int16-length strings);
 * the fields after it (user data, owned partitions, generation, rack) are
 * not needed here. Assignments are never read: the group leader computes
 * them and the broker passes them on as opaque bytes.
 */
import { Reader } from '../protocol/primitives';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/** The topics in a consumer subscription, or null when the bytes are not one. */
export function subscribedTopicsOf(metadata: Buffer): string[] | null {
  try {
    const r = new Reader(metadata);
    if (r.int16() < 0) return null;
    const n = r.int32();
    if (n < 0 || n > r.remaining) return null;
    const topics: string[] = [];
    for (let i = 0; i < n; i++) {
      const t = r.nullableString(false);
      if (t === null) return null;
      topics.push(t);
    }
    return topics;
  } catch {
    return null;
  }
}
