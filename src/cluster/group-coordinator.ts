/**
 * The group coordinator: what happens to a group on each JoinGroup,
 * SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch,
 * DescribeGroups, ListGroups, DeleteGroups and OffsetDelete, and on each
 * timeout. It follows Kafka's classic group protocol (GroupCoordinator.scala
 * in Kafka 3.x) step for step, including the error code on every wrong path.
 *
 * The rebalance, in short: a member's JoinGroup moves the group to
 * PreparingRebalance and is parked; once every known member has rejoined
 * (or the rebalance timeout passes and the stragglers are dropped) the next
 * generation starts: a protocol every member supports is chosen, every
 * parked JoinGroup is answered (the leader's answer carries every member's
 * metadata) and the group waits in CompletingRebalance. Followers' SyncGroups
 * are parked until the leader's SyncGroup brings the assignments, which are
 * written to __consumer_offsets before anyone is answered; then the group is
 * Stable. The broker never computes assignments.
 *
 * Nothing can hold a group in a rebalance forever: the join phase ends at
 * the rebalance timeout, the sync phase too (members that never sent
 * SyncGroup are removed and the group rebalances again), silent members
 * expire after their session timeout and member ids handed out with
 * MEMBER_ID_REQUIRED lapse after it.
 *
 * Everything a group must remember is written to __consumer_offsets (through
 * GroupLog) before it is acknowledged, and loaded back at start-up; until
 * then group requests get COORDINATOR_LOAD_IN_PROGRESS.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ErrorCode } from '../protocol/error-codes';
import { Clock, Timer } from './clock';
import { CONSUMER_PROTOCOL_TYPE } from './consumer-protocol';
import { CommittedOffset, Group, GroupState, JoinResult, Member, Protocol, SyncResult, joinError, syncError } from './group';
import { KafkaError } from './kafka-error';
import {
  GroupMetadataRecordValue,
  OffsetsTopicRecord,
  groupMetadataRecord,
  offsetCommitRecord,
} from './offsets-topic-records';

export interface GroupCoordinatorSettings {
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  initialRebalanceDelayMs: number;
  maxGroupSize: number;
  offsetMetadataMaxBytes: number;
  offsetsRetentionMs: number;
}

/** Where the coordinator's records go: the __consumer_offsets partition of the group. */
export interface GroupLog {
  append(groupId: string, records: { key: Buffer; value: Buffer | null }[]): Promise<void>;
}

export interface JoinRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: readonly Protocol[];
  clientId: string;
  clientHost: string;
  /** JoinGroup v4+: a new member is first given an id (MEMBER_ID_REQUIRED) and must come back with it. */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+: a static leader rejoining a stable group may be told to skip the assignment. */
  supportSkippingAssignment: boolean;
}

export interface SyncRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: ReadonlyMap<string, Buffer>;
}

export interface MemberRef {
  memberId: string;
  groupInstanceId: string | null;
}

export interface OffsetToCommit {
  topic: string;
  partition: number;
  offset: bigint;
  leaderEpoch: number;
  metadata: string | null;
}

export interface CommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** OffsetCommit v2-4 retention time; -1 for the broker's. */
  retentionTimeMs: number;
  /** The OffsetCommit version (the error for a missing group changed in v9). */
  apiVersion: number;
  offsets: readonly OffsetToCommit[];
}

export interface FetchedOffset {
  partition: number;
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
}

export interface GroupDescription {
  errorCode: ErrorCode;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    memberMetadata: Buffer;
    memberAssignment: Buffer;
  }[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: string;
  groupType: string;
}

/** Kafka's limit on strings that go into a record key (an int16 length). */
const MAX_GROUP_ID_BYTES = 32767;
/** A new member's JoinGroup is given up after this (Kafka's NewMemberJoinTimeoutMs). */
const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;
const EMPTY = Buffer.alloc(0);

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private loading = true;
  private active = true;
  /** Records read from __consumer_offsets at start-up, replayed in order. */
  private staged: {
    groups: Map<string, GroupMetadataRecordValue | null>;
    offsets: Map<string, Map<string, { topic: string; partition: number; value: CommittedOffset | null }>>;
  } | null = { groups: new Map(), offsets: new Map() };

  constructor(
    private readonly settings: GroupCoordinatorSettings,
    private readonly store: GroupLog,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** The group, for tests and admin views; undefined when unknown. */
  group(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  get isLoading(): boolean {
    return this.loading;
  }

  // ------------------------------------------------------------ loading

  /** Applies one record read back from __consumer_offsets (in log order). */
  loadRecord(record: OffsetsTopicRecord): void {
    const s = this.staged;
    if (!s) throw new Error('group coordinator already loaded');
    if (record.kind === 'group') {
      s.groups.set(record.group, record.value);
    } else if (record.kind === 'offset') {
      let g = s.offsets.get(record.group);
      if (!g) s.offsets.set(record.group, (g = new Map()));
      const v = record.value;
      g.set(`${record.topic}\u0000${record.partition}`, {
        topic: record.topic,
        partition: record.partition,
        value: v && {
          offset: v.offset,
          leaderEpoch: v.leaderEpoch,
          metadata: v.metadata,
          commitTimestamp: Number(v.commitTimestamp),
          expireTimestamp: Number(v.expireTimestamp),
        },
      });
    }
  }

  /** Builds the groups from what was loaded; from now on group requests are answered. */
  finishLoading(): void {
    const s = this.staged;
    if (!s) return;
    this.staged = null;
    const now = this.clock.now();
    for (const [groupId, meta] of s.groups) {
      if (!meta) continue;
      const group = new Group(groupId, meta.currentStateTimestamp >= 0n ? Number(meta.currentStateTimestamp) : now);
      group.generationId = meta.generation;
      group.protocolType = meta.protocolType === '' ? null : meta.protocolType;
      group.protocolName = meta.protocol;
      for (const m of meta.members) {
        const member = new Member(m.memberId, m.groupInstanceId, m.clientId, m.clientHost, meta.protocolType, m.rebalanceTimeout < 0 ? m.sessionTimeout : m.rebalanceTimeout, m.sessionTimeout, [
          { name: meta.protocol ?? '', metadata: m.subscription },
        ]);
        member.assignment = m.assignment;
        group.members.set(m.memberId, member);
        if (m.groupInstanceId !== null) group.staticMembers.set(m.groupInstanceId, m.memberId);
      }
      group.leaderId = group.members.size > 0 ? meta.leader : null;
      group.state = group.members.size > 0 ? GroupState.Stable : GroupState.Empty;
      group.subscribedTopics = group.computeSubscribedTopics();
      this.groups.set(groupId, group);
      // Loaded members must heartbeat within their session timeout, as after any rebalance.
      for (const m of group.members.values()) this.scheduleExpiry(group, m, m.sessionTimeoutMs);
    }
    for (const [groupId, offsets] of s.offsets) {
      let group = this.groups.get(groupId);
      for (const o of offsets.values()) {
        if (!o.value) continue;
        if (!group) this.groups.set(groupId, (group = new Group(groupId, now)));
        group.setOffset(o.topic, o.partition, o.value);
      }
    }
    this.loading = false;
    this.log.info({ groups: this.groups.size }, 'group coordinator loaded');
  }

  /** Stops: parked JoinGroups and SyncGroups are answered NOT_COORDINATOR, as when Kafka unloads a group. */
  shutdown(): void {
    this.active = false;
    for (const group of this.groups.values()) {
      group.joinTimer?.cancel();
      group.syncTimer?.cancel();
      for (const t of group.pendingMembers.values()) t.cancel();
      for (const m of group.members.values()) {
        m.expiry?.cancel();
        invokeJoin(m, joinError(m.memberId, ErrorCode.NOT_COORDINATOR));
        invokeSync(m, syncError(ErrorCode.NOT_COORDINATOR));
      }
    }
  }

  // ------------------------------------------------------------ checks

  /**
   * Kafka's validateGroupStatus: an empty group id is allowed only for the
   * offset APIs, DescribeGroups and DeleteGroups.
   */
  private status(groupId: string | null, allowEmpty: boolean): ErrorCode {
    if (groupId === null || (!allowEmpty && groupId.length === 0) || Buffer.byteLength(groupId) > MAX_GROUP_ID_BYTES) {
      return ErrorCode.INVALID_GROUP_ID;
    }
    if (!this.active) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (this.loading) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  // ------------------------------------------------------------ JoinGroup

  join(req: JoinRequest): Promise<JoinResult> {
    const error = this.status(req.groupId, false);
    if (error) return Promise.resolve(joinError(req.memberId, error));
    if (req.sessionTimeoutMs < this.settings.minSessionTimeoutMs || req.sessionTimeoutMs > this.settings.maxSessionTimeoutMs) {
      return Promise.resolve(joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    const isUnknownMember = req.memberId === '';
    let group = this.groups.get(req.groupId);
    if (!group) {
      if (!isUnknownMember) return Promise.resolve(joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      group = new Group(req.groupId, this.clock.now());
      this.groups.set(req.groupId, group);
    }
    const g = group;
    return new Promise<JoinResult>((resolve) => {
      if (!this.acceptJoiningMember(g, req.memberId)) {
        const member = g.members.get(req.memberId);
        if (member) this.removeMemberAndUpdateGroup(g, member, 'the group is full');
        resolve(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED));
      } else if (isUnknownMember) {
        this.joinNewMember(g, req, resolve);
      } else {
        this.joinKnownMember(g, req, resolve);
      }
      if (g.is(GroupState.PreparingRebalance)) this.tryCompleteJoin(g);
    });
  }

  private acceptJoiningMember(group: Group, memberId: string): boolean {
    switch (group.state) {
      case GroupState.Empty:
      case GroupState.Dead:
        return true;
      case GroupState.PreparingRebalance:
        return Boolean(group.members.get(memberId)?.awaitingJoin) || group.awaitingJoinCount < this.settings.maxGroupSize;
      default:
        return group.members.has(memberId) || group.size < this.settings.maxGroupSize;
    }
  }

  private joinNewMember(group: Group, req: JoinRequest, resolve: (r: JoinResult) => void): void {
    if (group.is(GroupState.Dead)) return resolve(joinError('', ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (!group.supportsProtocols(req.protocolType, req.protocols)) return resolve(joinError('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    const newMemberId = `${req.groupInstanceId ?? req.clientId}-${randomUUID()}`;
    if (req.groupInstanceId !== null) {
      const oldMemberId = group.staticMembers.get(req.groupInstanceId);
      if (oldMemberId !== undefined) {
        this.log.info({ group: group.groupId, instance: req.groupInstanceId, oldMemberId, newMemberId }, 'static member rejoined with a new member id');
        this.updateStaticMemberAndRebalance(group, oldMemberId, newMemberId, req, resolve);
      } else {
        this.addMemberAndRebalance(group, newMemberId, req, resolve);
      }
    } else if (req.requireKnownMemberId) {
      // The member must come back with this id; until then it holds up the rebalance, for at most its session timeout.
      group.addPending(newMemberId, this.schedule(req.sessionTimeoutMs, 'pending member expiry', () => this.expirePendingMember(group, newMemberId)));
      resolve(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
    } else {
      this.addMemberAndRebalance(group, newMemberId, req, resolve);
    }
  }

  private joinKnownMember(group: Group, req: JoinRequest, resolve: (r: JoinResult) => void): void {
    const memberId = req.memberId;
    if (group.is(GroupState.Dead)) return resolve(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (!group.supportsProtocols(req.protocolType, req.protocols)) return resolve(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    if (group.pendingMembers.has(memberId)) return this.addMemberAndRebalance(group, memberId, req, resolve);
    if (group.isStaticMemberFenced(req.groupInstanceId, memberId)) return resolve(joinError(memberId, ErrorCode.FENCED_INSTANCE_ID));
    const member = group.members.get(memberId);
    if (!member || (req.groupInstanceId !== null && !group.staticMembers.has(req.groupInstanceId))) {
      return resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
    switch (group.state) {
      case GroupState.PreparingRebalance:
        return this.updateMemberAndRebalance(group, member, req, resolve, 'member rejoined');
      case GroupState.CompletingRebalance:
        // The same metadata again: the member missed its JoinGroup answer, so repeat it.
        if (member.matches(req.protocols)) return resolve(this.currentGeneration(group, member, group.isLeader(memberId)));
        return this.updateMemberAndRebalance(group, member, req, resolve, 'member changed its metadata');
      case GroupState.Stable:
        // A leader's JoinGroup always rebalances (it may have seen a topic change); a follower's only if its metadata changed.
        if (group.isLeader(memberId)) return this.updateMemberAndRebalance(group, member, req, resolve, 'leader rejoined');
        if (!member.matches(req.protocols)) return this.updateMemberAndRebalance(group, member, req, resolve, 'member changed its metadata');
        return resolve(this.currentGeneration(group, member, false));
      default:
        return resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private currentGeneration(group: Group, member: Member, withMembers: boolean): JoinResult {
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment: false,
      memberId: member.memberId,
      members: withMembers ? group.memberMetadata() : [],
    };
  }

  private addMemberAndRebalance(group: Group, memberId: string, req: JoinRequest, resolve: (r: JoinResult) => void): void {
    const member = new Member(memberId, req.groupInstanceId, req.clientId, req.clientHost, req.protocolType, req.rebalanceTimeoutMs, req.sessionTimeoutMs, req.protocols);
    member.isNew = true;
    if (group.is(GroupState.PreparingRebalance) && group.generationId === 0) group.newMemberAdded = true;
    group.add(member);
    member.awaitingJoin = resolve;
    // A new member cannot heartbeat yet; its JoinGroup is given up after a while so a vanished client does not linger.
    this.scheduleExpiry(group, member, NEW_MEMBER_JOIN_TIMEOUT_MS);
    this.maybePrepareRebalance(group, `member ${memberId} joined`);
  }

  private updateMember(member: Member, req: JoinRequest, resolve: ((r: JoinResult) => void) | null): void {
    member.protocols = req.protocols;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    // A JoinGroup parked for this member from before is superseded; its client gave up on it.
    if (resolve && member.awaitingJoin) invokeJoin(member, joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
    member.awaitingJoin = resolve;
  }

  private updateMemberAndRebalance(group: Group, member: Member, req: JoinRequest, resolve: (r: JoinResult) => void, reason: string): void {
    this.updateMember(member, req, resolve);
    this.maybePrepareRebalance(group, `${reason}: ${member.memberId}`);
  }

  private updateStaticMemberAndRebalance(
    group: Group,
    oldMemberId: string,
    newMemberId: string,
    req: JoinRequest,
    resolve: (r: JoinResult) => void,
  ): void {
    const instanceId = req.groupInstanceId!;
    const currentLeader = group.leaderId ?? '';
    const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
    this.scheduleExpiry(group, member, member.sessionTimeoutMs);
    const old = { protocols: member.protocols, rebalanceTimeoutMs: member.rebalanceTimeoutMs, sessionTimeoutMs: member.sessionTimeoutMs };
    this.updateMember(member, req, resolve);
    switch (group.state) {
      case GroupState.Stable: {
        if (group.protocolName !== group.selectProtocol()) {
          this.maybePrepareRebalance(group, `static member ${instanceId} rejoined with a change of protocol`);
          return;
        }
        // Same protocol: keep the assignment, persist the new member id, answer without a rebalance.
        const generation = group.generationId;
        this.afterWrite(this.storeGroup(group, currentAssignment(group)), 'static member rejoin', (error) => {
          if (group.members.get(newMemberId) !== member || !member.awaitingJoin) return;
          if (error) {
            member.protocols = old.protocols;
            member.rebalanceTimeoutMs = old.rebalanceTimeoutMs;
            member.sessionTimeoutMs = old.sessionTimeoutMs;
            member.awaitingJoin = null;
            group.replaceStaticMember(instanceId, newMemberId, oldMemberId);
            this.scheduleExpiry(group, member, member.sessionTimeoutMs);
            resolve({ ...joinError('', error), generationId: generation, protocolType: group.protocolType, protocolName: group.protocolName, leader: currentLeader });
            return;
          }
          const isLeader = group.isLeader(newMemberId);
          if (req.supportSkippingAssignment) {
            invokeJoin(member, {
              ...this.currentGeneration(group, member, isLeader),
              skipAssignment: isLeader,
            });
          } else {
            // The old leader id is returned so a rejoining static leader does not compute an assignment nobody would receive.
            invokeJoin(member, { ...this.currentGeneration(group, member, false), leader: currentLeader });
          }
        });
        return;
      }
      case GroupState.CompletingRebalance:
        this.maybePrepareRebalance(group, `static member ${instanceId} rejoined during CompletingRebalance`);
        return;
      default:
        // PreparingRebalance: the member's JoinGroup is parked with the others.
        return;
    }
  }

  private maybePrepareRebalance(group: Group, reason: string): void {
    if (group.is(GroupState.Stable) || group.is(GroupState.CompletingRebalance) || group.is(GroupState.Empty)) {
      this.prepareRebalance(group, reason);
    }
  }

  private prepareRebalance(group: Group, reason: string): void {
    if (group.is(GroupState.CompletingRebalance)) this.resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    group.syncTimer?.cancel();
    group.syncTimer = null;
    const wasEmpty = group.is(GroupState.Empty);
    group.transitionTo(GroupState.PreparingRebalance, this.clock.now());
    this.log.info({ group: group.groupId, generation: group.generationId, reason }, 'preparing to rebalance');
    if (wasEmpty) {
      const delay = this.settings.initialRebalanceDelayMs;
      this.scheduleInitialJoin(group, delay, Math.max(rebalanceTimeoutOf(group) - delay, 0));
    } else {
      this.scheduleJoin(group, rebalanceTimeoutOf(group));
      // As Kafka's tryCompleteElseWatch: if nobody is left to wait for (the last member left), finish now.
      this.tryCompleteJoin(group);
    }
  }

  /** A new group waits group.initial.rebalance.delay.ms for more members, again while more arrive, up to the rebalance timeout. */
  private scheduleInitialJoin(group: Group, delayMs: number, remainingMs: number): void {
    group.joinTimer?.cancel();
    group.initialJoinDelay = true;
    group.joinTimer = this.schedule(delayMs, 'initial rebalance delay', () => {
      group.joinTimer = null;
      if (group.newMemberAdded && remainingMs > 0) {
        group.newMemberAdded = false;
        const next = Math.min(this.settings.initialRebalanceDelayMs, remainingMs);
        this.scheduleInitialJoin(group, next, remainingMs - next);
      } else {
        group.initialJoinDelay = false;
        this.completeJoin(group);
      }
    });
  }

  private scheduleJoin(group: Group, timeoutMs: number): void {
    group.joinTimer?.cancel();
    group.initialJoinDelay = false;
    group.joinTimer = this.schedule(timeoutMs, 'rebalance timeout', () => {
      group.joinTimer = null;
      this.completeJoin(group);
    });
  }

  private tryCompleteJoin(group: Group): void {
    if (group.is(GroupState.PreparingRebalance) && !group.initialJoinDelay && group.allMembersJoined) this.completeJoin(group);
  }

  /** Ends the join phase: drops members that did not rejoin and starts the next generation. */
  private completeJoin(group: Group): void {
    if (!group.is(GroupState.PreparingRebalance)) return;
    group.joinTimer?.cancel();
    group.joinTimer = null;
    group.initialJoinDelay = false;
    for (const m of [...group.members.values()]) {
      if (!m.awaitingJoin && m.groupInstanceId === null) {
        this.log.info({ group: group.groupId, member: m.memberId }, 'member did not rejoin in time and is removed');
        group.remove(m.memberId);
      }
    }
    if (!group.electJoinedLeader() && group.size > 0) {
      // Only static members that have not rejoined are left; give them another rebalance timeout (or their session).
      this.scheduleJoin(group, rebalanceTimeoutOf(group));
      return;
    }
    const now = this.clock.now();
    group.generationId++;
    group.pendingSyncMembers.clear();
    if (group.size === 0) {
      group.protocolName = null;
      group.subscribedTopics = null;
      group.transitionTo(GroupState.Empty, now);
      this.log.info({ group: group.groupId, generation: group.generationId }, 'group is empty');
      this.afterWrite(this.storeGroup(group, new Map()), 'empty group', (error) => {
        if (error) this.log.warn({ group: group.groupId, error: ErrorCode[error] }, 'could not store the empty group');
      });
      return;
    }
    group.protocolName = group.selectProtocol();
    group.subscribedTopics = group.computeSubscribedTopics();
    group.transitionTo(GroupState.CompletingRebalance, now);
    this.log.info(
      { group: group.groupId, generation: group.generationId, protocol: group.protocolName, members: group.size, leader: group.leaderId },
      'rebalance: join phase complete',
    );
    const all = group.memberMetadata();
    for (const m of group.members.values()) {
      // Only the leader's answer carries every member's metadata.
      invokeJoin(m, { ...this.currentGeneration(group, m, false), members: group.isLeader(m.memberId) ? all : [] });
      this.scheduleExpiry(group, m, m.sessionTimeoutMs);
      m.isNew = false;
      group.pendingSyncMembers.add(m.memberId);
    }
    this.schedulePendingSync(group);
  }

  private schedulePendingSync(group: Group): void {
    group.syncTimer?.cancel();
    const generation = group.generationId;
    group.syncTimer = this.schedule(rebalanceTimeoutOf(group), 'sync deadline', () => {
      group.syncTimer = null;
      if (generation !== group.generationId) return;
      if (!(group.is(GroupState.CompletingRebalance) || group.is(GroupState.Stable)) || group.pendingSyncMembers.size === 0) return;
      const missing = [...group.pendingSyncMembers];
      this.log.info({ group: group.groupId, members: missing }, 'members did not send SyncGroup in time and are removed');
      for (const id of missing) {
        const m = group.remove(id);
        if (m) invokeJoin(m, joinError('', ErrorCode.UNKNOWN_MEMBER_ID));
      }
      this.prepareRebalance(group, 'pending SyncGroup expired');
    });
  }

  // ------------------------------------------------------------ SyncGroup

  sync(req: SyncRequest): Promise<SyncResult> {
    const error = this.status(req.groupId, false);
    if (error) return Promise.resolve(syncError(error));
    const group = this.groups.get(req.groupId);
    if (!group) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (group.is(GroupState.Dead)) return Promise.resolve(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    const invalid = group.validateMember(req.memberId, req.groupInstanceId);
    if (invalid) return Promise.resolve(syncError(invalid));
    const member = group.members.get(req.memberId)!;
    if (req.generationId !== group.generationId) return Promise.resolve(syncError(ErrorCode.ILLEGAL_GENERATION));
    if ((req.protocolType !== null && req.protocolType !== group.protocolType) || (req.protocolName !== null && req.protocolName !== group.protocolName)) {
      return Promise.resolve(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    switch (group.state) {
      case GroupState.Empty:
        return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      case GroupState.PreparingRebalance:
        return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case GroupState.Stable:
        group.pendingSyncMembers.delete(member.memberId);
        this.scheduleExpiry(group, member, member.sessionTimeoutMs);
        return Promise.resolve({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
      default:
        break;
    }
    // CompletingRebalance: park until the leader's assignment is stored.
    return new Promise<SyncResult>((resolve) => {
      invokeSync(member, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      member.awaitingSync = resolve;
      group.pendingSyncMembers.delete(member.memberId);
      if (!group.isLeader(member.memberId)) return;
      const assignment = new Map<string, Buffer>();
      for (const id of group.members.keys()) assignment.set(id, req.assignments.get(id) ?? EMPTY);
      const generation = group.generationId;
      this.log.info({ group: group.groupId, generation, members: group.size }, 'assignment received from the leader');
      this.afterWrite(this.storeGroup(group, assignment), 'assignment', (storeError) => {
        // Another member may have joined meanwhile: only finish if nothing moved on.
        if (!group.is(GroupState.CompletingRebalance) || group.generationId !== generation) return;
        if (storeError) {
          this.resetAndPropagateAssignmentError(group, storeError);
          this.maybePrepareRebalance(group, 'could not store the assignment');
          return;
        }
        for (const m of group.members.values()) {
          m.assignment = assignment.get(m.memberId) ?? EMPTY;
          if (m.awaitingSync) {
            invokeSync(m, { errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: m.assignment });
            this.scheduleExpiry(group, m, m.sessionTimeoutMs);
          }
        }
        group.transitionTo(GroupState.Stable, this.clock.now());
        this.log.info({ group: group.groupId, generation }, 'group is stable');
      });
    });
  }

  private resetAndPropagateAssignmentError(group: Group, error: ErrorCode): void {
    for (const m of group.members.values()) {
      m.assignment = EMPTY;
      invokeSync(m, syncError(error));
    }
  }

  // ------------------------------------------------------------ Heartbeat

  heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): ErrorCode {
    const error = this.status(groupId, false);
    if (error) return error;
    const group = this.groups.get(groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const invalid = group.validateMember(memberId, groupInstanceId);
    if (invalid) return invalid;
    const member = group.members.get(memberId)!;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    switch (group.state) {
      case GroupState.Empty:
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case GroupState.PreparingRebalance:
        this.scheduleExpiry(group, member, member.sessionTimeoutMs);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      default:
        // Stable, and CompletingRebalance (a member may heartbeat between its JoinGroup and SyncGroup).
        this.scheduleExpiry(group, member, member.sessionTimeoutMs);
        return ErrorCode.NONE;
    }
  }

  private scheduleExpiry(group: Group, member: Member, timeoutMs: number): void {
    member.expiry?.cancel();
    member.expiry = this.schedule(timeoutMs, 'session expiry', () => {
      member.expiry = null;
      if (group.members.get(member.memberId) !== member) return;
      // A member parked in a rebalance is alive: the rebalance and sync deadlines deal with it.
      if (!member.isNew && (member.awaitingJoin || member.awaitingSync)) {
        this.scheduleExpiry(group, member, member.sessionTimeoutMs);
        return;
      }
      this.log.info({ group: group.groupId, member: member.memberId, sessionTimeoutMs: member.sessionTimeoutMs }, 'member session expired');
      this.removeMemberAndUpdateGroup(group, member, 'session expired');
    });
  }

  private expirePendingMember(group: Group, memberId: string): void {
    if (group.cancelPending(memberId) && group.is(GroupState.PreparingRebalance)) this.tryCompleteJoin(group);
  }

  // ------------------------------------------------------------ LeaveGroup

  leave(groupId: string, leaving: readonly MemberRef[]): { errorCode: ErrorCode; members: (MemberRef & { errorCode: ErrorCode })[] } {
    const error = this.status(groupId, false);
    if (error) return { errorCode: error, members: [] };
    const group = this.groups.get(groupId);
    if (!group) return { errorCode: ErrorCode.NONE, members: leaving.map((m) => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) };
    if (group.is(GroupState.Dead)) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const members = leaving.map((m) => ({ ...m, errorCode: this.leaveOne(group, m) }));
    return { errorCode: ErrorCode.NONE, members };
  }

  private leaveOne(group: Group, ref: MemberRef): ErrorCode {
    if (ref.memberId === '') {
      // Administrative removal of a static member by its instance id.
      const current = ref.groupInstanceId === null ? undefined : group.staticMembers.get(ref.groupInstanceId);
      const member = current === undefined ? undefined : group.members.get(current);
      if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
      this.removeMemberAndUpdateGroup(group, member, 'left the group');
      return ErrorCode.NONE;
    }
    if (group.cancelPending(ref.memberId)) {
      if (group.is(GroupState.PreparingRebalance)) this.tryCompleteJoin(group);
      return ErrorCode.NONE;
    }
    if (group.isStaticMemberFenced(ref.groupInstanceId, ref.memberId)) return ErrorCode.FENCED_INSTANCE_ID;
    const member = group.members.get(ref.memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.log.info({ group: group.groupId, member: ref.memberId }, 'member left the group');
    this.removeMemberAndUpdateGroup(group, member, 'left the group');
    return ErrorCode.NONE;
  }

  private removeMemberAndUpdateGroup(group: Group, member: Member, reason: string): void {
    // Its parked requests are answered so the client (if still there) rejoins as a new member.
    invokeJoin(member, joinError('', ErrorCode.UNKNOWN_MEMBER_ID));
    invokeSync(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
    switch (group.state) {
      case GroupState.Stable:
      case GroupState.CompletingRebalance:
        this.maybePrepareRebalance(group, `member ${member.memberId}: ${reason}`);
        break;
      case GroupState.PreparingRebalance:
        this.tryCompleteJoin(group);
        break;
      default:
        break;
    }
  }

  // ------------------------------------------------------------ offsets

  /** Stores committed offsets; answers one error code per offset, in order. */
  async commitOffsets(req: CommitRequest): Promise<ErrorCode[]> {
    const all = (code: ErrorCode) => req.offsets.map(() => code);
    const error = this.status(req.groupId, true);
    if (error) return all(error);
    let group = this.groups.get(req.groupId);
    if (!group) {
      // A group that does not exist may only be given offsets by a client outside group management;
      // from OffsetCommit v9 Kafka says GROUP_ID_NOT_FOUND, before that ILLEGAL_GENERATION.
      if (req.generationId >= 0) return all(req.apiVersion >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION);
      group = new Group(req.groupId, this.clock.now());
      this.groups.set(req.groupId, group);
    }
    const invalid = group.validateOffsetCommit(req.memberId, req.groupInstanceId, req.generationId);
    if (invalid) return all(invalid);
    if (group.is(GroupState.CompletingRebalance)) return all(ErrorCode.REBALANCE_IN_PROGRESS);
    const member = group.members.get(req.memberId);
    if (member) this.scheduleExpiry(group, member, member.sessionTimeoutMs);
    return this.storeOffsets(group, req);
  }

  private async storeOffsets(group: Group, req: CommitRequest): Promise<ErrorCode[]> {
    const now = this.clock.now();
    const expireTimestamp = req.retentionTimeMs === -1 ? -1 : now + req.retentionTimeMs;
    const codes: ErrorCode[] = [];
    const accepted: { topic: string; partition: number; value: CommittedOffset; index: number }[] = [];
    req.offsets.forEach((o, index) => {
      const metadata = o.metadata ?? '';
      if (Buffer.byteLength(metadata) > this.settings.offsetMetadataMaxBytes) {
        codes.push(ErrorCode.OFFSET_METADATA_TOO_LARGE);
        return;
      }
      codes.push(ErrorCode.NONE);
      accepted.push({ topic: o.topic, partition: o.partition, index, value: { offset: o.offset, leaderEpoch: o.leaderEpoch, metadata, commitTimestamp: now, expireTimestamp } });
    });
    if (accepted.length === 0) return codes;
    const records = accepted.map((a) =>
      offsetCommitRecord(group.groupId, a.topic, a.partition, {
        offset: a.value.offset,
        leaderEpoch: a.value.leaderEpoch,
        metadata: a.value.metadata,
        commitTimestamp: BigInt(a.value.commitTimestamp),
        expireTimestamp: BigInt(a.value.expireTimestamp),
      }),
    );
    const error = await this.write(group.groupId, records, ErrorCode.INVALID_COMMIT_OFFSET_SIZE);
    for (const a of accepted) {
      if (error) codes[a.index] = error;
      else if (!group.is(GroupState.Dead)) group.setOffset(a.topic, a.partition, a.value);
    }
    return codes;
  }

  /**
   * Committed offsets of a group: of the given topics' partitions (-1 where
   * none is committed), or every committed one when `topics` is null.
   */
  fetchOffsets(
    groupId: string,
    topics: readonly { name: string; partitions: readonly number[] }[] | null,
  ): { errorCode: ErrorCode; topics: { name: string; partitions: FetchedOffset[] }[] } {
    const error = this.status(groupId, true);
    if (error) return { errorCode: error, topics: [] };
    const group = this.groups.get(groupId);
    const none = (partition: number): FetchedOffset => ({ partition, offset: -1n, leaderEpoch: -1, metadata: '' });
    const found = (partition: number, o: CommittedOffset): FetchedOffset => ({ partition, offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata });
    if (topics === null) {
      const out: { name: string; partitions: FetchedOffset[] }[] = [];
      if (group && !group.is(GroupState.Dead)) {
        for (const [name, parts] of group.offsets) out.push({ name, partitions: [...parts].map(([p, o]) => found(p, o)) });
      }
      return { errorCode: ErrorCode.NONE, topics: out };
    }
    return {
      errorCode: ErrorCode.NONE,
      topics: topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const o = group && !group.is(GroupState.Dead) ? group.offset(t.name, p) : undefined;
          return o ? found(p, o) : none(p);
        }),
      })),
    };
  }

  // ------------------------------------------------------------ admin views

  describe(groupId: string): GroupDescription {
    const error = this.status(groupId, true);
    if (error) return { errorCode: error, groupState: '', protocolType: '', protocolData: '', members: [] };
    const group = this.groups.get(groupId);
    if (!group) return { errorCode: ErrorCode.NONE, groupState: GroupState.Dead, protocolType: '', protocolData: '', members: [] };
    const stable = group.is(GroupState.Stable);
    return {
      errorCode: ErrorCode.NONE,
      groupState: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? (group.protocolName ?? '') : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        // Kafka shows metadata and assignment only once the group is stable.
        memberMetadata: stable ? m.metadataFor(group.protocolName ?? '') : EMPTY,
        memberAssignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  /** Groups in one of `states` (any when empty) of one of `types` (any when empty); both compared case-insensitively. */
  list(states: readonly string[], types: readonly string[]): { errorCode: ErrorCode; groups: ListedGroup[] } {
    if (!this.active) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
    if (this.loading) return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, groups: [] };
    const wantStates = new Set(states.map((s) => s.toLowerCase()));
    const wantTypes = new Set(types.map((s) => s.toLowerCase()));
    const groups: ListedGroup[] = [];
    for (const g of this.groups.values()) {
      if (g.is(GroupState.Dead)) continue;
      if (wantStates.size > 0 && !wantStates.has(g.state.toLowerCase())) continue;
      if (wantTypes.size > 0 && !wantTypes.has('classic')) continue;
      groups.push({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state, groupType: 'classic' });
    }
    return { errorCode: ErrorCode.NONE, groups };
  }

  /** Deletes empty groups and their offsets; one error code per group id, in order. */
  async deleteGroups(groupIds: readonly string[]): Promise<ErrorCode[]> {
    const codes: ErrorCode[] = [];
    const eligible: Group[] = [];
    for (const id of groupIds) {
      const error = this.status(id, true);
      const group = error ? undefined : this.groups.get(id);
      if (error) codes.push(error);
      else if (!group || group.is(GroupState.Dead)) codes.push(ErrorCode.GROUP_ID_NOT_FOUND);
      else if (!group.is(GroupState.Empty)) codes.push(ErrorCode.NON_EMPTY_GROUP);
      else {
        group.transitionTo(GroupState.Dead, this.clock.now());
        eligible.push(group);
        codes.push(ErrorCode.NONE);
      }
    }
    await Promise.all(eligible.map((g) => this.cleanupGroup(g, g.offsetKeys())));
    return codes;
  }

  /**
   * Deletes committed offsets of a group: all of them when the group is
   * empty; for a live consumer group only those of topics it does not
   * subscribe to (GROUP_SUBSCRIBED_TO_TOPIC for the others).
   */
  async deleteOffsets(
    groupId: string,
    partitions: readonly { topic: string; partition: number }[],
  ): Promise<{ errorCode: ErrorCode; partitionErrors: ErrorCode[] }> {
    const error = this.status(groupId, false);
    if (error) return { errorCode: error, partitionErrors: [] };
    const group = this.groups.get(groupId);
    if (!group || group.is(GroupState.Dead)) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, partitionErrors: [] };
    let partitionErrors: ErrorCode[];
    if (group.is(GroupState.Empty)) {
      partitionErrors = partitions.map(() => ErrorCode.NONE);
    } else if (group.protocolType === CONSUMER_PROTOCOL_TYPE) {
      partitionErrors = partitions.map((p) => (group.isSubscribedTo(p.topic) ? ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC : ErrorCode.NONE));
    } else {
      return { errorCode: ErrorCode.NON_EMPTY_GROUP, partitionErrors: [] };
    }
    const eligible = partitions.filter((_, i) => partitionErrors[i] === ErrorCode.NONE);
    if (eligible.length > 0) await this.cleanupGroup(group, eligible);
    return { errorCode: ErrorCode.NONE, partitionErrors };
  }

  /** Removes the offsets of deleted topics from every group, as Kafka does when a topic is deleted. */
  async onTopicsDeleted(topics: readonly string[]): Promise<void> {
    if (this.loading) return;
    const names = new Set(topics);
    const work: Promise<void>[] = [];
    for (const g of this.groups.values()) {
      const gone = g.offsetKeys().filter((k) => names.has(k.topic));
      if (gone.length > 0) work.push(this.cleanupGroup(g, gone));
    }
    await Promise.all(work);
  }

  /** Removes offsets past their retention (Group.expiredOffsets); empty groups left without offsets go too. */
  async expireOffsets(): Promise<void> {
    if (this.loading || !this.active) return;
    const now = this.clock.now();
    const retention = this.settings.offsetsRetentionMs;
    const work: Promise<void>[] = [];
    for (const g of this.groups.values()) {
      const expired = g.expiredOffsets(now, retention);
      if (expired.length > 0 || (g.is(GroupState.Empty) && !g.hasOffsets)) work.push(this.cleanupGroup(g, expired));
    }
    await Promise.all(work);
  }

  /**
   * Removes offsets from a group (and the group itself once it is empty
   * and has none left, or was deleted), writing tombstones for them.
   */
  private async cleanupGroup(group: Group, offsets: readonly { topic: string; partition: number }[]): Promise<void> {
    const records: { key: Buffer; value: Buffer | null }[] = [];
    for (const o of offsets) if (group.deleteOffset(o.topic, o.partition)) records.push(offsetCommitRecord(group.groupId, o.topic, o.partition, null));
    if (group.is(GroupState.Empty) && !group.hasOffsets) group.transitionTo(GroupState.Dead, this.clock.now());
    if (group.is(GroupState.Dead)) {
      if (this.groups.get(group.groupId) === group) this.groups.delete(group.groupId);
      records.push(groupMetadataRecord(group.groupId, null));
      this.log.info({ group: group.groupId }, 'group removed');
    }
    if (records.length === 0) return;
    const error = await this.write(group.groupId, records, ErrorCode.UNKNOWN_SERVER_ERROR);
    if (error) this.log.error({ group: group.groupId, error: ErrorCode[error] }, 'could not write tombstones to __consumer_offsets');
  }

  // ------------------------------------------------------------ plumbing

  /** A timer whose work can never throw into the event loop: a failure is logged. */
  private schedule(ms: number, what: string, fn: () => void): Timer {
    return this.clock.schedule(ms, () => {
      try {
        fn();
      } catch (err) {
        this.log.error({ err, step: what }, 'group coordinator step failed');
      }
    });
  }

  /** Runs `fn` once a write is done; a failure in it is logged, never left as an unhandled rejection. */
  private afterWrite<T>(write: Promise<T>, what: string, fn: (result: T) => void): void {
    write.then(fn).catch((err: unknown) => this.log.error({ err, step: what }, 'group coordinator step failed'));
  }

  // ------------------------------------------------------------ storage

  private storeGroup(group: Group, assignment: ReadonlyMap<string, Buffer>): Promise<ErrorCode> {
    const protocol = group.protocolName;
    const value: GroupMetadataRecordValue = {
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol,
      leader: group.size > 0 ? group.leaderId : null,
      currentStateTimestamp: BigInt(group.currentStateTimestamp),
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: m.metadataFor(protocol ?? ''),
        assignment: assignment.get(m.memberId) ?? EMPTY,
      })),
    };
    return this.write(group.groupId, [groupMetadataRecord(group.groupId, value)], ErrorCode.UNKNOWN_SERVER_ERROR);
  }

  /** Appends to __consumer_offsets; the error Kafka answers when that fails, or NONE. */
  private async write(groupId: string, records: { key: Buffer; value: Buffer | null }[], tooLarge: ErrorCode): Promise<ErrorCode> {
    try {
      await this.store.append(groupId, records);
      return ErrorCode.NONE;
    } catch (err) {
      this.log.error({ group: groupId, err: String(err) }, 'write to __consumer_offsets failed');
      if (err instanceof KafkaError) {
        if (err.code === ErrorCode.MESSAGE_TOO_LARGE || err.code === ErrorCode.RECORD_LIST_TOO_LARGE) return tooLarge;
        if (err.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || err.code === ErrorCode.COORDINATOR_NOT_AVAILABLE) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      }
      // A storage failure: the client looks for the coordinator again and retries.
      return ErrorCode.NOT_COORDINATOR;
    }
  }
}

function invokeJoin(member: Member, result: JoinResult): void {
  const resolve = member.awaitingJoin;
  if (!resolve) return;
  member.awaitingJoin = null;
  resolve(result);
}

function invokeSync(member: Member, result: SyncResult): void {
  const resolve = member.awaitingSync;
  if (!resolve) return;
  member.awaitingSync = null;
  resolve(result);
}

/** The group's rebalance timeout: the longest any member asked for. */
function rebalanceTimeoutOf(group: Group): number {
  let max = 0;
  for (const m of group.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
  return max;
}

function currentAssignment(group: Group): Map<string, Buffer> {
  return new Map([...group.members.values()].map((m) => [m.memberId, m.assignment]));
}
