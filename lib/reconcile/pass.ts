import createDebug from 'debug';
import type { Delivery } from '../delivery/deliver';
import { GROUP_INVALID_PARAMETER, GROUP_NO_PERMISSION, GROUP_NOT_FOUND } from '../protocol/chat-api-error-codes';
import { jobDeduplicationId } from '../protocol/recall-key';
import type { RecallQueue } from '../delivery/types';
import { describeConversation, reasonOf } from './events';
import { RECONCILED_KINDS } from './kinds';
import type {
  FoundRecall,
  HistoryClient,
  ReconciledConversation,
  ReconciledRecallEvent,
  ReconcileReport,
  ReconcileWindow,
} from './types';

const debug = createDebug('tencent-chat-recall-webhook:reconcile');

/**
 * Answers that say the conversation cannot be read however often it is asked: the group does
 * not exist, serves no history (AVChatRoom), or the topic is not one of the group's.
 */
const PERMANENT_ERROR_CODES: ReadonlySet<number> = new Set([
  GROUP_NOT_FOUND,
  GROUP_NO_PERMISSION,
  GROUP_INVALID_PARAMETER,
]);

/** Reading a conversation's history went wrong in a way Tencent's answer did not say: a cursor that does not advance, too many pages. */
export class HistoryPagingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The conversation was read, but some of its entries could not be: it is not taken as read. */
export class UnreadableHistoryError extends Error {
  constructor(readonly entries: readonly string[]) {
    super(`${entries.length} history ${entries.length === 1 ? 'entry' : 'entries'} could not be read: ${entries[0]}`);
    this.name = new.target.name;
  }
}

/** The pass was stopped (its `signal`) before the conversation was read to the end. */
export class PassStoppedError extends Error {
  constructor(started: boolean) {
    super(
      started
        ? 'the pass was stopped before this conversation was read to the end'
        : 'the pass was stopped before this conversation was read',
    );
    this.name = new.target.name;
  }
}

export interface PassSettings {
  queueTimeoutMs: number;
  maxPagesPerConversation: number;
  signal: AbortSignal | undefined;
}

/**
 * The queue as the delivery sees it, telling apart an add that created a job from one BullMQ
 * deduplicated (the job's deduplication id already named a job, and the add answered with it).
 */
export function observeDuplicateJobs(queue: RecallQueue, duplicates: Set<string>): RecallQueue {
  const lookup = (queue as { getDeduplicationJobId?: (id: string) => Promise<unknown> }).getDeduplicationJobId;
  return {
    defaultJobOptions: queue.defaultJobOptions,
    async add(name, data, options) {
      const id = options?.deduplication?.id;
      const existing = id !== undefined && typeof lookup === 'function' ? await lookup.call(queue, id) : undefined;
      const job = await queue.add(name, data, options);
      if (
        id !== undefined &&
        existing != null &&
        String((job as { id?: unknown } | undefined)?.id) === String(existing)
      ) {
        duplicates.add(id);
      }
      return job;
    },
  };
}

/** One pass's state: its window, its delivery and the report it fills. */
export class Pass {
  readonly report: ReconcileReport;
  readonly sdkAppId: string;
  readonly fromSeconds: number;
  readonly untilSeconds: number;

  constructor(
    private readonly client: HistoryClient,
    private readonly delivery: Delivery<ReconcileWindow>,
    private readonly window: ReconcileWindow,
    readonly settings: PassSettings,
    private readonly duplicateJobs: Set<string>,
  ) {
    this.sdkAppId = String(client.sdkAppId);
    this.fromSeconds = Math.floor(window.readFrom.getTime() / 1000);
    this.untilSeconds = Math.floor(window.until.getTime() / 1000);
    this.report = {
      since: window.since,
      until: window.until,
      readFrom: window.readFrom,
      scanned: { groups: 0, conversations: 0 },
      calls: 0,
      found: { group: 0, c2c: 0 },
      delivered: 0,
      duplicates: 0,
      unreadable: 0,
      recalls: [],
      failed: [],
    };
  }

  call<T extends object>(command: string, body: object): Promise<T> {
    this.report.calls += 1;
    return this.client.call<T>(command, body);
  }

  /** Throws when the pass was stopped; `page` counts the pages read so far, bounded too. */
  checkBeforePage(page: number): void {
    if (this.settings.signal?.aborted) throw new PassStoppedError(page > 0);
    if (page >= this.settings.maxPagesPerConversation) {
      throw new HistoryPagingError(
        `stopped after ${page} pages (maxPagesPerConversation) before reaching messages sent before ${this.window.readFrom.toISOString()}`,
      );
    }
  }

  get stopped(): boolean {
    return this.settings.signal?.aborted === true;
  }

  inWindow(sentSeconds: number): boolean {
    return sentSeconds >= this.fromSeconds && sentSeconds <= this.untilSeconds;
  }

  /** Ends a conversation's reading: scanned when every entry was read, else failed. */
  finish(conversation: ReconciledConversation, unreadable: readonly string[]): void {
    if (unreadable.length > 0) {
      this.report.unreadable += unreadable.length;
      this.fail(conversation, new UnreadableHistoryError(unreadable));
    } else if (conversation.kind === 'group') this.report.scanned.groups += 1;
    else this.report.scanned.conversations += 1;
  }

  async deliver(conversation: ReconciledConversation, event: ReconciledRecallEvent): Promise<void> {
    this.report.found[RECONCILED_KINDS[event.callbackCommand].found] += 1;
    const found: FoundRecall = { event, outcome: 'failed' };
    this.report.recalls.push(found);
    try {
      // The delivery's types speak of webhook events, those a receiver's onError hears of; a pass
      // takes no onError, and the delivery (its log lines too) reads only the command and the
      // key's fields, which both sources share.
      found.outcome = await this.delivery.deliver(event as never, {
        request: this.window,
        label: `reconcile ${describeConversation(conversation)}`,
        // A bound on the queue only: the pass waits for a handler however long it runs.
        queueWaitMs: this.settings.queueTimeoutMs,
      });
    } catch (error) {
      this.report.failed.push({ conversation, event, error, reason: reasonOf(error), permanent: false });
      return;
    }
    if (
      found.outcome === 'queued' &&
      this.duplicateJobs.size > 0 &&
      this.duplicateJobs.delete(jobDeduplicationId(event))
    ) {
      found.outcome = 'duplicate';
    }
    if (found.outcome === 'duplicate') this.report.duplicates += 1;
    else this.report.delivered += 1;
  }

  fail(conversation: ReconciledConversation, error: unknown): void {
    debug('%s: history not read: %s', describeConversation(conversation), reasonOf(error));
    const code = (error as { code?: unknown } | null)?.code;
    const permanent =
      (error as Error | null)?.name === 'ChatApiError' && typeof code === 'number' && PERMANENT_ERROR_CODES.has(code);
    this.report.failed.push({ conversation, error, reason: reasonOf(error), permanent });
  }
}
