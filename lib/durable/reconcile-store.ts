import type { Queue } from 'bullmq';
import type { ReconciledConversation } from '../reconcile/reconcile';

/** The last pass any process ran, as the store has it. */
export interface ReconcilePassStatus {
  startedAt: Date;
  endedAt: Date;
  /** The window the pass read (retried conversations reach further back, from where each was not read). */
  since: Date;
  until: Date;
  /** Every conversation read to the end and every recall delivered; false after a timeout or a failure. */
  ok: boolean;
  delivered: number;
  duplicates: number;
  /** Conversations not read to the end, and recalls not delivered. */
  failed: number;
}

/** What the store says of the schedule, the same from every process. */
export interface ReconcilerStatus {
  /** Where the last pass that read what it was given stopped reading: the next one starts there. */
  checkpoint?: Date;
  lastPass?: ReconcilePassStatus;
  /** Conversations waiting to be read again from where a pass could not read them. */
  retrying: number;
}

/** A conversation a pass could not read to the end: read again from `since` once `retryAt` has come. */
export interface RetryingConversation {
  conversation: ReconciledConversation;
  /** The start of the window still to read, ms. */
  since: number;
  attempts: number;
  retryAt: number;
  reason: string;
}

type RedisClient = Awaited<ReturnType<Queue['getBackend']>['client']>;

// Moves the checkpoint forward only: a pass that finishes late never takes it back.
const ADVANCE = `local current = redis.call('GET', KEYS[1])
if current == false or tonumber(current) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return 1`;

const ADVANCE_COMMAND = 'tencentChatRecallAdvanceCheckpoint';
const defined = new WeakSet<object>();

/** The conversation as a field name of the retry hash. */
export function conversationKey(conversation: ReconciledConversation): string {
  return conversation.kind === 'c2c'
    ? JSON.stringify(['c2c', conversation.account, conversation.peer])
    : JSON.stringify(['group', conversation.groupId, conversation.topicId ?? '']);
}

/**
 * The scheduler's bookkeeping, in the Redis of its queue under the queue's prefix: the checkpoint
 * (ms since the epoch), the last pass, the conversations to read again, and whether the schedule
 * was removed on purpose (so that no process re-creates it).
 */
export class ReconcileStore {
  private readonly keys: { checkpoint: string; lastPass: string; retrying: string; removed: string };

  constructor(private readonly queue: Queue) {
    this.keys = {
      checkpoint: queue.toKey('reconcile:checkpoint'),
      lastPass: queue.toKey('reconcile:last-pass'),
      retrying: queue.toKey('reconcile:retrying'),
      removed: queue.toKey('reconcile:removed'),
    };
  }

  private async client(): Promise<RedisClient> {
    const client = await this.queue.getBackend().client;
    if (!defined.has(client)) {
      client.defineCommand(ADVANCE_COMMAND, { numberOfKeys: 1, lua: ADVANCE });
      defined.add(client);
    }
    return client;
  }

  async checkpoint(): Promise<number | undefined> {
    const value = await (await this.client()).get(this.keys.checkpoint);
    const ms = Number(value);
    return value !== null && Number.isSafeInteger(ms) ? ms : undefined;
  }

  async advanceCheckpoint(ms: number): Promise<void> {
    await (await this.client()).runCommand(ADVANCE_COMMAND, [this.keys.checkpoint, String(ms)]);
  }

  async recordPass(pass: ReconcilePassStatus): Promise<void> {
    const { startedAt, endedAt, since, until, ...counts } = pass;
    const stored = { ...counts, startedAt: +startedAt, endedAt: +endedAt, since: +since, until: +until };
    await (await this.client()).set(this.keys.lastPass, JSON.stringify(stored));
  }

  async retrying(): Promise<Map<string, RetryingConversation>> {
    const all = await (await this.client()).hgetall(this.keys.retrying);
    const retrying = new Map<string, RetryingConversation>();
    for (const [key, value] of Object.entries(all as Record<string, string>)) {
      try {
        retrying.set(key, JSON.parse(value) as RetryingConversation);
      } catch {
        // Written only by this module; a field that does not parse is dropped with the next update.
      }
    }
    return retrying;
  }

  async updateRetrying(set: ReadonlyMap<string, RetryingConversation>, done: readonly string[]): Promise<void> {
    const client = await this.client();
    if (done.length > 0) await client.hdel(this.keys.retrying, ...done);
    if (set.size > 0) {
      const fields = Object.fromEntries([...set].map(([key, value]) => [key, JSON.stringify(value)]));
      await client.hset(this.keys.retrying, fields);
    }
  }

  async status(): Promise<ReconcilerStatus> {
    const client = await this.client();
    const [checkpoint, lastPass, retrying] = await Promise.all([
      this.checkpoint(),
      client.get(this.keys.lastPass),
      client.hgetall(this.keys.retrying),
    ]);
    const status: ReconcilerStatus = { retrying: Object.keys(retrying).length };
    if (checkpoint !== undefined) status.checkpoint = new Date(checkpoint);
    if (lastPass !== null) {
      const stored = JSON.parse(lastPass) as Record<string, unknown>;
      status.lastPass = {
        ...(stored as unknown as ReconcilePassStatus),
        startedAt: new Date(stored.startedAt as number),
        endedAt: new Date(stored.endedAt as number),
        since: new Date(stored.since as number),
        until: new Date(stored.until as number),
      };
    }
    return status;
  }

  async markRemoved(removed: boolean): Promise<void> {
    const client = await this.client();
    if (removed) await client.set(this.keys.removed, '1');
    else await client.del(this.keys.removed);
  }

  async removed(): Promise<boolean> {
    return (await (await this.client()).get(this.keys.removed)) !== null;
  }
}
