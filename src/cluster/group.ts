/**
 * One classic consumer group as the coordinator holds it: its state, its
 * generation, its members and their protocols, and its committed offsets.
 * This module is the group's data and the rules that only look at the group
 * (legal state transitions, protocol choice, leader choice); what happens
 * on each request is in group-coordinator.ts.
 *
 * States and the transitions Kafka allows (GroupMetadata.scala):
 *   Empty               -> PreparingRebalance, Dead
 *   PreparingRebalance  -> CompletingRebalance, Empty, Dead
 *   CompletingRebalance -> Stable, PreparingRebalance, Dead
 *   Stable              -> PreparingRebalance, Dead
 *   Dead                -> Dead
 */
import { ErrorCode } from '../protocol/error-codes';
import { Timer } from './clock';
import { CONSUMER_PROTOCOL_TYPE, subscribedTopicsOf } from './consumer-protocol';

export enum GroupState {
  Empty = 'Empty',
  PreparingRebalance = 'PreparingRebalance',
  CompletingRebalance = 'CompletingRebalance',
  Stable = 'Stable',
  Dead = 'Dead',
}

const VALID_PREVIOUS: Record<GroupState, readonly GroupState[]> = {
  [GroupState.Empty]: [GroupState.PreparingRebalance],
  [GroupState.PreparingRebalance]: [GroupState.Empty, GroupState.CompletingRebalance, GroupState.Stable],
  [GroupState.CompletingRebalance]: [GroupState.PreparingRebalance],
  [GroupState.Stable]: [GroupState.CompletingRebalance],
  [GroupState.Dead]: [GroupState.Empty, GroupState.PreparingRebalance, GroupState.CompletingRebalance, GroupState.Stable, GroupState.Dead],
};

export interface Protocol {
  readonly name: string;
  readonly metadata: Buffer;
}

/** What a JoinGroup is answered with. */
export interface JoinResult {
  errorCode: ErrorCode;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

/** What a SyncGroup is answered with. */
export interface SyncResult {
  errorCode: ErrorCode;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export function joinError(memberId: string, errorCode: ErrorCode): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
}

export function syncError(errorCode: ErrorCode): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY };
}

const EMPTY = Buffer.alloc(0);

export class Member {
  assignment: Buffer = EMPTY;
  /** Resolves the member's parked JoinGroup; set while it waits for the rebalance. */
  awaitingJoin: ((r: JoinResult) => void) | null = null;
  /** Resolves the member's parked SyncGroup; set while it waits for the leader. */
  awaitingSync: ((r: SyncResult) => void) | null = null;
  /** Joined in the current rebalance and has not yet been answered once. */
  isNew = false;
  /** Fires when the member has been silent for its session timeout. */
  expiry: Timer | null = null;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    readonly protocolType: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    public protocols: readonly Protocol[],
  ) {}

  metadataFor(protocol: string): Buffer {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY;
  }

  /** Same protocols with the same metadata, in the same order. */
  matches(protocols: readonly Protocol[]): boolean {
    return (
      protocols.length === this.protocols.length &&
      protocols.every((p, i) => p.name === this.protocols[i].name && p.metadata.equals(this.protocols[i].metadata))
    );
  }

  /** The member's most preferred protocol among `candidates`. */
  vote(candidates: ReadonlySet<string>): string {
    const p = this.protocols.find((x) => candidates.has(x.name));
    if (!p) throw new Error(`member ${this.memberId} supports none of ${[...candidates].join(', ')}`);
    return p.name;
  }
}

/** A committed offset as stored. */
export interface CommittedOffset {
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** Set only by OffsetCommit v2-4 with a retention time; -1 otherwise. */
  expireTimestamp: number;
}

export class Group {
  state = GroupState.Empty;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, waiting for the member's second JoinGroup. */
  readonly pendingMembers = new Map<string, Timer>();
  /** groupInstanceId → memberId of static members. */
  readonly staticMembers = new Map<string, string>();
  /** Members of this generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  /** Topics the members subscribe to (consumer groups with readable metadata), else null. */
  subscribedTopics: Set<string> | null = null;
  /** A new member joined during the initial delay, so the delay may be extended. */
  newMemberAdded = false;
  currentStateTimestamp: number;
  /** The rebalance's join deadline, or the initial delay. */
  joinTimer: Timer | null = null;
  /** The join timer is the initial delay: the join phase ends only when it fires, not when everyone has joined. */
  initialJoinDelay = false;
  /** Deadline for every member of this generation to send SyncGroup. */
  syncTimer: Timer | null = null;
  /** topic → partition → committed offset. */
  readonly offsets = new Map<string, Map<number, CommittedOffset>>();

  constructor(
    readonly groupId: string,
    now: number,
  ) {
    this.currentStateTimestamp = now;
  }

  is(state: GroupState): boolean {
    return this.state === state;
  }

  transitionTo(state: GroupState, now: number): void {
    if (!VALID_PREVIOUS[state].includes(this.state)) {
      throw new Error(`group ${this.groupId}: illegal transition ${this.state} -> ${state}`);
    }
    this.state = state;
    this.currentStateTimestamp = now;
  }

  get size(): number {
    return this.members.size;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  /** A static member known under `groupInstanceId` has a different member id. */
  isStaticMemberFenced(groupInstanceId: string | null, memberId: string): boolean {
    if (groupInstanceId === null) return false;
    const current = this.staticMembers.get(groupInstanceId);
    return current !== undefined && current !== memberId;
  }

  /**
   * Kafka's validateMember: a request naming a static instance must come
   * from the member that holds it (FENCED_INSTANCE_ID) and the instance must
   * be known (UNKNOWN_MEMBER_ID); the member must be in the group.
   */
  validateMember(memberId: string, groupInstanceId: string | null): ErrorCode {
    if (groupInstanceId !== null) {
      const current = this.staticMembers.get(groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (current !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    return this.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  add(member: Member): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.cancelPending(member.memberId);
  }

  remove(memberId: string): Member | undefined {
    const member = this.members.get(memberId);
    if (member) {
      this.members.delete(memberId);
      member.expiry?.cancel();
      member.expiry = null;
      if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) {
        this.staticMembers.delete(member.groupInstanceId);
      }
    }
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
    this.cancelPending(memberId);
    this.pendingSyncMembers.delete(memberId);
    return member;
  }

  /** Moves a static member to a new member id (a restarted static member); its parked requests are fenced. */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): Member {
    const member = this.members.get(oldMemberId);
    if (!member) throw new Error(`static member ${groupInstanceId} has no member ${oldMemberId}`);
    member.awaitingJoin?.(joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
    member.awaitingJoin = null;
    member.awaitingSync?.(syncError(ErrorCode.FENCED_INSTANCE_ID));
    member.awaitingSync = null;
    this.members.delete(oldMemberId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId;
    this.staticMembers.set(groupInstanceId, newMemberId);
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    return member;
  }

  addPending(memberId: string, expiry: Timer): void {
    this.pendingMembers.set(memberId, expiry);
  }

  cancelPending(memberId: string): boolean {
    const t = this.pendingMembers.get(memberId);
    if (!t) return false;
    t.cancel();
    this.pendingMembers.delete(memberId);
    return true;
  }

  get awaitingJoinCount(): number {
    let n = 0;
    for (const m of this.members.values()) if (m.awaitingJoin) n++;
    return n;
  }

  /** Every member has sent its JoinGroup for this rebalance and no new member is still to come back. */
  get allMembersJoined(): boolean {
    return this.awaitingJoinCount === this.members.size && this.pendingMembers.size === 0;
  }

  /** The protocols every member supports. */
  private candidateProtocols(): Set<string> {
    const members = [...this.members.values()];
    if (members.length === 0) return new Set();
    const candidates = new Set(members[0].protocols.map((p) => p.name));
    for (const m of members.slice(1)) {
      const names = new Set(m.protocols.map((p) => p.name));
      for (const c of candidates) if (!names.has(c)) candidates.delete(c);
    }
    return candidates;
  }

  /** Whether a member with this protocol type and these protocols may join. */
  supportsProtocols(protocolType: string, protocols: readonly Protocol[]): boolean {
    if (this.is(GroupState.Empty)) return protocolType.length > 0 && protocols.length > 0;
    if (this.protocolType !== protocolType) return false;
    const candidates = this.candidateProtocols();
    return protocols.some((p) => candidates.has(p.name));
  }

  /**
   * The protocol of the next generation: among the protocols every member
   * supports, the one most members name first (ties go to the protocol
   * listed earliest by the longest-standing member).
   */
  selectProtocol(): string {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const v = m.vote(candidates);
      votes.set(v, (votes.get(v) ?? 0) + 1);
    }
    let best = '';
    let bestVotes = 0;
    const order = [...this.members.values()][0]?.protocols.map((p) => p.name) ?? [];
    for (const name of order) {
      const n = votes.get(name) ?? 0;
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    return best;
  }

  /**
   * If the leader did not rejoin this rebalance, make a member that did the
   * leader. False when no member rejoined at all.
   */
  electJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const leader = this.members.get(this.leaderId);
    if (leader?.awaitingJoin) return true;
    for (const m of this.members.values()) {
      if (m.awaitingJoin) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  /** Every member's metadata for the chosen protocol: what the leader's JoinGroup answer carries. */
  memberMetadata(): JoinResult['members'] {
    const protocol = this.protocolName ?? '';
    return [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadataFor(protocol) }));
  }

  /** The union of the members' subscriptions, when this is a consumer group whose metadata can be read. */
  computeSubscribedTopics(): Set<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE || this.protocolName === null || this.members.size === 0) return null;
    const topics = new Set<string>();
    for (const m of this.members.values()) {
      const t = subscribedTopicsOf(m.metadataFor(this.protocolName));
      if (t === null) return null;
      for (const name of t) topics.add(name);
    }
    return topics;
  }

  isSubscribedTo(topic: string): boolean {
    return this.subscribedTopics === null || this.subscribedTopics.has(topic);
  }

  // ------------------------------------------------------------ offsets

  offset(topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(topic)?.get(partition);
  }

  setOffset(topic: string, partition: number, value: CommittedOffset): void {
    let t = this.offsets.get(topic);
    if (!t) this.offsets.set(topic, (t = new Map()));
    t.set(partition, value);
  }

  deleteOffset(topic: string, partition: number): boolean {
    const t = this.offsets.get(topic);
    if (!t?.delete(partition)) return false;
    if (t.size === 0) this.offsets.delete(topic);
    return true;
  }

  /**
   * Kafka's validateOffsetCommit: who may commit to this group now. A member
   * commits with its member id and generation; a client outside group
   * management (generation -1, no member or instance id) only while the
   * group has no members.
   */
  validateOffsetCommit(memberId: string, groupInstanceId: string | null, generationId: number): ErrorCode {
    if (this.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (generationId >= 0 || memberId !== '' || groupInstanceId !== null) {
      const invalid = this.validateMember(memberId, groupInstanceId);
      if (invalid) return invalid;
      return generationId !== this.generationId ? ErrorCode.ILLEGAL_GENERATION : ErrorCode.NONE;
    }
    return this.is(GroupState.Empty) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /**
   * Offsets past their retention (Kafka's removeExpiredOffsets): an offset
   * committed with its own expire time goes at that time. Otherwise, for an
   * empty group, `retentionMs` after the group became empty; for a stable
   * consumer group, offsets of topics it no longer subscribes to,
   * `retentionMs` after their commit; for a group that only stores offsets
   * (no protocol type), `retentionMs` after the commit. Other groups keep
   * theirs.
   */
  expiredOffsets(now: number, retentionMs: number): { topic: string; partition: number }[] {
    let since: ((o: CommittedOffset) => number) | null = null;
    let keep: ReadonlySet<string> = new Set();
    if (this.protocolType !== null && this.is(GroupState.Empty)) {
      since = () => this.currentStateTimestamp;
    } else if (this.protocolType === CONSUMER_PROTOCOL_TYPE && this.subscribedTopics !== null && this.is(GroupState.Stable)) {
      since = (o) => o.commitTimestamp;
      keep = this.subscribedTopics;
    } else if (this.protocolType === null) {
      since = (o) => o.commitTimestamp;
    }
    const expired: { topic: string; partition: number }[] = [];
    if (!since) return expired;
    for (const [topic, parts] of this.offsets) {
      if (keep.has(topic)) continue;
      for (const [partition, o] of parts) {
        const gone = o.expireTimestamp >= 0 ? now >= o.expireTimestamp : now - since(o) >= retentionMs;
        if (gone) expired.push({ topic, partition });
      }
    }
    return expired;
  }

  get hasOffsets(): boolean {
    return this.offsets.size > 0;
  }

  /** Every committed (topic, partition). */
  offsetKeys(): { topic: string; partition: number }[] {
    const out: { topic: string; partition: number }[] = [];
    for (const [topic, parts] of this.offsets) for (const partition of parts.keys()) out.push({ topic, partition });
    return out;
  }
}
