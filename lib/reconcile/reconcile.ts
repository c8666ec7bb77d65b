import createDebug from 'debug';
import Joi from 'joi';
import { createDelivery, type Delivery, type DeliveryOptions, type DeliveryOutcome } from '../delivery/deliver';
import { deliverySettings } from '../delivery/options';
import { traceReconcilePass } from '../observability/channels';
import { deliveryKeys, HANDLER_REQUIRED, timerMs } from '../delivery/options-schema';
import {
  C2C_RECALL_COMMAND,
  RECALL_COMMAND,
  type C2CHistoryMessage,
  type GroupHistoryMessage,
  type ReconciledC2CRecallEvent,
  type ReconciledGroupRecallEvent,
} from '../protocol/types';
import type { DedupeOptions, RecallLog, RecallQueue } from '../delivery/types';

const debug = createDebug('tencent-chat-recall-webhook:reconcile');

export const GROUP_HISTORY_COMMAND = 'group_open_http_svc/group_msg_get_simple';
export const C2C_HISTORY_COMMAND = 'openim/admin_getroammsg';

/**
 * Tencent's default recall time limit: a client may recall its own message within 2 minutes of
 * sending it (changeable in the console).
 */
export const DEFAULT_RECALL_TIME_LIMIT_SECONDS = 120;

/** How long a pass waits for the queue to acknowledge an add: a healthy one answers in milliseconds. */
export const DEFAULT_QUEUE_TIMEOUT_MS = 10_000;

/** group_msg_get_simple answers at most 20 messages a call. */
const GROUP_PAGE_SIZE = 20;
/** admin_getroammsg answers about 13 KB a call, whatever MaxCnt asks beyond that. */
const C2C_PAGE_SIZE = 100;
const IS_PLACE_MSG_RECALLED = 2;
/** The MsgFlagBits bit of a recalled one-to-one message. */
const MSG_FLAG_RECALLED = 8;

/** What a pass needs of a `ChatApiClient`: the app and signed calls. */
export interface HistoryClient {
  readonly sdkAppId: number;
  call<T extends object = Record<string, unknown>>(command: string, body: object): Promise<T>;
}

/** A group by id, or one topic of a topic-enabled community. */
export type GroupToReconcile = string | { groupId: string; topicId?: string | undefined };

/** A one-to-one conversation: `account`'s history with `peer` (it holds both directions). */
export interface ConversationToReconcile {
  account: string;
  peer: string;
}

type Source<T> = Iterable<T> | AsyncIterable<T>;

/** The window of one pass: handlers get it as their second argument. */
export interface ReconcileWindow {
  since: Date;
  until: Date;
  /** The earliest send time read: `since` minus the recall time limit. */
  readFrom: Date;
}

export interface ReconcileOptions {
  /** A `createChatApiClient(...)`, or anything with its `sdkAppId` and `call`. */
  client: HistoryClient;
  /** Start of the window: recalls from then on are looked for. A `Date` or ms since the epoch. */
  since: Date | number;
  /** End of the window; default now. */
  until?: Date | number | undefined;
  /** The groups (or community topics) to read. */
  groups?: Source<GroupToReconcile> | undefined;
  /** The one-to-one conversations to read. */
  conversations?: Source<ConversationToReconcile> | undefined;
  /** Called once per group recall found (a handler taking `AnyGroupRecallEvent` serves the receiver too). */
  onRecall?: ((event: ReconciledGroupRecallEvent, window: ReconcileWindow) => unknown) | undefined;
  /** Called once per one-to-one recall found. */
  onC2CRecall?: ((event: ReconciledC2CRecallEvent, window: ReconcileWindow) => unknown) | undefined;
  /** The receiver's queue: each recall found becomes a job there, for `createRecallWorker`. */
  queue?: RecallQueue | undefined;
  /** As the receiver's option: how long copies of one recall become one job, in seconds. Default 86400. */
  queueDeduplicationSeconds?: number | undefined;
  /** As the receiver's option: the commands that go to `queue` (default both); the others go to their handler. */
  queueCommands?: ReadonlyArray<typeof RECALL_COMMAND | typeof C2C_RECALL_COMMAND> | undefined;
  /** As the receiver's option: how many adds may wait for the queue at once. */
  queueMaxPendingAdds?: number | undefined;
  /**
   * How long to wait for the queue to acknowledge each add, in ms, before the recall counts as not
   * queued (reported failed, or handed to its handler when there is one). Default 10000.
   */
  queueTimeoutMs?: number | undefined;
  /**
   * As the receiver's option: where the delivery writes what a report cannot show (a dedupe store
   * that failed, a queue that failed over to the handler). Default: warnings and errors to the console.
   */
  log?: Partial<RecallLog> | undefined;
  /** The receiver's dedupe store, so a recall it (or an earlier pass) delivered is not delivered again. */
  dedupe?: DedupeOptions | undefined;
  /** The app's recall time limit, in seconds; default 120 (Tencent's default). */
  recallTimeLimitSeconds?: number | undefined;
  /** How many conversations are read at once; default 4. The client's `maxCallsPerSecond` bounds the calls. */
  concurrency?: number | undefined;
}

/** A conversation a pass read, or tried to. */
export type ReconciledConversation =
  { kind: 'group'; groupId: string; topicId?: string } | { kind: 'c2c'; account: string; peer: string };

export type ReconciledRecallEvent = ReconciledGroupRecallEvent | ReconciledC2CRecallEvent;

/** A recall a pass found, and what became of it. */
export interface FoundRecall {
  event: ReconciledRecallEvent;
  /** `'ok'`: a handler ran; `'queued'`: stored in the queue; `'duplicate'`: the dedupe store had it; `'failed'`: see `failed`. */
  outcome: DeliveryOutcome | 'failed';
}

/** A conversation whose history could not be read to the end, or a recall that could not be delivered. */
export interface ReconcileFailure {
  conversation: ReconciledConversation;
  /** The recall whose delivery failed; absent when reading the history failed. */
  event?: ReconciledRecallEvent;
  error: unknown;
  /** The error's message, for logs. */
  reason: string;
}

export interface ReconcileReport {
  since: Date;
  until: Date;
  readFrom: Date;
  /** Conversations whose history was read back to `readFrom` without error. */
  scanned: { groups: number; conversations: number };
  /** REST calls this pass made (frequency-limit retries inside the client not counted). */
  calls: number;
  /** Recalls found, by kind. */
  found: { group: number; c2c: number };
  /** Recalls handed to a handler that succeeded, or stored in the queue. */
  delivered: number;
  /** Recalls the dedupe store said were delivered already (by the webhook or an earlier pass). */
  duplicates: number;
  /** Every recall found, in the order found. */
  recalls: FoundRecall[];
  /** What failed; the pass went on past each. */
  failed: ReconcileFailure[];
}

// A string is iterable too, but as characters: never a list of groups.
const iterable = Joi.any().custom((value: unknown) => {
  const source = value as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown } | null;
  const isIterable =
    typeof source?.[Symbol.iterator] === 'function' || typeof source?.[Symbol.asyncIterator] === 'function';
  if (!isIterable || typeof value === 'string') throw new Error('not iterable');
  return value;
}, 'iterable');

// The receiver's delivery options, checked the same way, but onError: a pass reports its failures.
const DELIVERY_KEYS = Object.fromEntries(Object.entries(deliveryKeys).filter(([name]) => name !== 'onError'));

const client = Joi.object({ sdkAppId: Joi.number().integer().positive().required(), call: Joi.function().required() })
  .unknown(true)
  .required();

// What every pass of a scheduler shares: all but the window and what the pass reads.
const passKeys = {
  recallTimeLimitSeconds: Joi.number().integer().min(0).default(DEFAULT_RECALL_TIME_LIMIT_SECONDS),
  concurrency: Joi.number().integer().min(1).default(4),
  queueTimeoutMs: timerMs.default(DEFAULT_QUEUE_TIMEOUT_MS),
  ...DELIVERY_KEYS,
};

function reconcileSchema(keys: Joi.PartialSchemaMap): Joi.ObjectSchema {
  return Joi.object(keys)
    .or('onRecall', 'onC2CRecall', 'queue')
    .required()
    .messages({ ...HANDLER_REQUIRED, 'any.custom': '{{#label}} must be an iterable or an async iterable' })
    .prefs({ abortEarly: true, errors: { label: 'path' } });
}

const optionsSchema = reconcileSchema({
  client,
  since: Joi.date().required(),
  until: Joi.date(),
  groups: iterable,
  conversations: iterable,
  ...passKeys,
});
const passOptionsSchema = reconcileSchema({ client, ...passKeys });

const groupItem = Joi.alternatives(
  Joi.string().min(1),
  Joi.object({ groupId: Joi.string().min(1).required(), topicId: Joi.string().min(1) }),
);
const conversationItem = Joi.object({ account: Joi.string().min(1).required(), peer: Joi.string().min(1).required() });

const FACTORY = 'reconcileRecalls';

/**
 * Checks the options every pass of a scheduler shares (`reconcileRecalls`'s but the window and
 * what it reads), so that a mistake is found at start rather than at the first pass. Throws the
 * `TypeError` a pass would, naming `caller`.
 */
export function checkPassOptions(
  options: Omit<ReconcileOptions, 'since' | 'until' | 'groups' | 'conversations'>,
  caller: string,
): void {
  validOptions(passOptionsSchema, options, caller);
}

function validOptions<T>(schema: Joi.ObjectSchema<T>, options: object, caller: string): T {
  const { error, value } = schema.validate(options);
  if (error) throw new TypeError(`${caller}: invalid options: ${error.message}`);
  return value;
}

/**
 * One reconciliation pass: reads the history of the given groups and one-to-one conversations
 * for messages sent from `since` minus the recall time limit to `until`, and delivers each one
 * marked recalled like the receiver would (handler, queue, dedupe). A conversation that fails is
 * reported and the pass goes on. Rejects on invalid options or an invalid group or conversation
 * item (a `TypeError`), and when an async source of groups or conversations itself throws.
 */
export async function reconcileRecalls(options: ReconcileOptions): Promise<ReconcileReport> {
  const value = validOptions(optionsSchema, options, FACTORY);
  const delivery = createDelivery<ReconcileWindow>(
    deliverySettings(value as DeliveryOptions<ReconcileWindow>, 'after-callback'),
  );
  requireTaker(delivery, options.groups, RECALL_COMMAND, '"groups"', '"onRecall"');
  requireTaker(delivery, options.conversations, C2C_RECALL_COMMAND, '"conversations"', '"onC2CRecall"');

  const until: Date = value.until ?? new Date();
  const since: Date = value.since;
  if (until.getTime() < since.getTime()) throw new TypeError(`${FACTORY}: invalid options: "until" is before "since"`);
  const window: ReconcileWindow = {
    since,
    until,
    readFrom: new Date(since.getTime() - value.recallTimeLimitSeconds * 1000),
  };
  // The caller's client itself, not Joi's copy of it: its state (the call spacing) is shared.
  const pass = new Pass(options.client, delivery, window, value.queueTimeoutMs);
  return await traceReconcilePass({ sdkAppId: String(options.client.sdkAppId) }, async (trace) => {
    if (options.groups !== undefined) {
      await forEachConcurrently(options.groups, value.concurrency, (item) => pass.readGroup(toGroup(item)));
    }
    if (options.conversations !== undefined) {
      await forEachConcurrently(options.conversations, value.concurrency, (item) =>
        pass.readConversation(toConversation(item)),
      );
    }
    trace.recovered = pass.report.delivered;
    return pass.report;
  });
}

function requireTaker(
  delivery: Delivery<ReconcileWindow>,
  source: unknown,
  command: typeof RECALL_COMMAND | typeof C2C_RECALL_COMMAND,
  sourceName: string,
  handlerName: string,
): void {
  if (source !== undefined && !delivery.accepts(command)) {
    throw new TypeError(
      `${FACTORY}: invalid options: ${sourceName} needs ${handlerName} or "queue" to take the recalls found`,
    );
  }
}

function toGroup(item: unknown): { groupId: string; topicId?: string } {
  const { error } = groupItem.validate(item);
  if (error) {
    throw new TypeError(`${FACTORY}: a group must be a GroupId or { groupId, topicId? }, got ${JSON.stringify(item)}`);
  }
  if (typeof item === 'string') return { groupId: item };
  const { groupId, topicId } = item as { groupId: string; topicId?: string };
  return topicId === undefined ? { groupId } : { groupId, topicId };
}

function toConversation(item: unknown): ConversationToReconcile {
  const { error } = conversationItem.validate(item);
  if (error) {
    throw new TypeError(`${FACTORY}: a conversation must be { account, peer }, got ${JSON.stringify(item)}`);
  }
  const { account, peer } = item as ConversationToReconcile;
  return { account, peer };
}

interface GroupHistoryPage {
  RspMsgList?: GroupHistoryMessage[];
}

interface C2CHistoryPage {
  Complete?: number;
  LastMsgTime?: number;
  LastMsgKey?: string;
  MsgList?: C2CHistoryMessage[];
}

/** One pass's state: its window, its delivery and the report it fills. */
class Pass {
  readonly report: ReconcileReport;
  private readonly sdkAppId: string;
  private readonly fromSeconds: number;
  private readonly untilSeconds: number;

  constructor(
    private readonly client: HistoryClient,
    private readonly delivery: Delivery<ReconcileWindow>,
    private readonly window: ReconcileWindow,
    private readonly queueTimeoutMs: number,
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
      recalls: [],
      failed: [],
    };
  }

  /**
   * Pages back from the newest message (20 a call, `ReqMsgSeq` = the page's lowest MsgSeq − 1)
   * until a page reaches messages sent before `readFrom` or the group's first message.
   */
  async readGroup(group: { groupId: string; topicId?: string }): Promise<void> {
    const conversation: ReconciledConversation = { kind: 'group', ...group };
    let reqMsgSeq: number | undefined;
    try {
      for (;;) {
        const page = await this.call<GroupHistoryPage>(GROUP_HISTORY_COMMAND, {
          GroupId: group.groupId,
          ReqMsgNumber: GROUP_PAGE_SIZE,
          WithRecalledMsg: 1,
          ...(group.topicId !== undefined && { TopicId: group.topicId }),
          ...(reqMsgSeq !== undefined && { ReqMsgSeq: reqMsgSeq }),
        });
        // Only what was asked for: an answer that ignored ReqMsgSeq would repeat a page forever.
        const messages = (page.RspMsgList ?? []).filter(
          (message) => reqMsgSeq === undefined || message.MsgSeq <= reqMsgSeq,
        );
        for (const message of messages) {
          if (message.IsPlaceMsg === IS_PLACE_MSG_RECALLED && this.inWindow(message.MsgTimeStamp)) {
            await this.deliver(conversation, this.groupEvent(group, message));
          }
        }
        const lowestSeq = Math.min(...messages.map((message) => message.MsgSeq));
        const atStart = messages.length === 0 || !Number.isSafeInteger(lowestSeq) || lowestSeq <= 1;
        if (atStart || this.reachedStart(messages)) break;
        reqMsgSeq = lowestSeq - 1;
      }
      this.report.scanned.groups += 1;
    } catch (error) {
      this.fail(conversation, error);
    }
  }

  /**
   * Pages back through `account`'s history with `peer` within the window, newest first, with
   * `LastMsgKey` and `LastMsgTime`, until Tencent says it is complete.
   */
  async readConversation({ account, peer }: ConversationToReconcile): Promise<void> {
    const conversation: ReconciledConversation = { kind: 'c2c', account, peer };
    // A page boundary may hand a message twice; it is delivered once.
    const seen = new Set<string>();
    let maxTime = this.untilSeconds;
    let lastMsgKey: string | undefined;
    try {
      for (;;) {
        const page = await this.call<C2CHistoryPage>(C2C_HISTORY_COMMAND, {
          Operator_Account: account,
          Peer_Account: peer,
          MaxCnt: C2C_PAGE_SIZE,
          MinTime: this.fromSeconds,
          MaxTime: maxTime,
          ...(lastMsgKey !== undefined && { LastMsgKey: lastMsgKey }),
        });
        const messages = page.MsgList ?? [];
        for (const message of messages) {
          if ((message.MsgFlagBits & MSG_FLAG_RECALLED) === 0 || seen.has(message.MsgKey)) continue;
          seen.add(message.MsgKey);
          if (this.inWindow(message.MsgTimeStamp)) await this.deliver(conversation, this.c2cEvent(message));
        }
        if (page.Complete === 1 || messages.length === 0 || !page.LastMsgKey || page.LastMsgKey === lastMsgKey) break;
        lastMsgKey = page.LastMsgKey;
        maxTime = page.LastMsgTime ?? maxTime;
      }
      this.report.scanned.conversations += 1;
    } catch (error) {
      this.fail(conversation, error);
    }
  }

  private call<T extends object>(command: string, body: object): Promise<T> {
    this.report.calls += 1;
    return this.client.call<T>(command, body);
  }

  private inWindow(sentSeconds: number): boolean {
    return sentSeconds >= this.fromSeconds && sentSeconds <= this.untilSeconds;
  }

  /** The page holds a message sent before the window (placeholders without a time do not count). */
  private reachedStart(messages: readonly GroupHistoryMessage[]): boolean {
    return messages.some((message) => message.MsgTimeStamp > 0 && message.MsgTimeStamp < this.fromSeconds);
  }

  private groupEvent(
    group: { groupId: string; topicId?: string },
    message: GroupHistoryMessage,
  ): ReconciledGroupRecallEvent {
    const event: ReconciledGroupRecallEvent = {
      callbackCommand: RECALL_COMMAND,
      source: 'reconciliation',
      sdkAppId: this.sdkAppId,
      groupId: group.groupId,
      messages: [{ msgSeq: message.MsgSeq }],
      senderAccount: message.From_Account,
      sentTime: message.MsgTimeStamp * 1000,
      raw: message,
    };
    if (group.topicId !== undefined) event.topicId = group.topicId;
    return event;
  }

  private c2cEvent(message: C2CHistoryMessage): ReconciledC2CRecallEvent {
    return {
      callbackCommand: C2C_RECALL_COMMAND,
      source: 'reconciliation',
      sdkAppId: this.sdkAppId,
      fromAccount: message.From_Account,
      toAccount: message.To_Account,
      msgKey: message.MsgKey,
      sentTime: message.MsgTimeStamp * 1000,
      raw: message,
    };
  }

  private async deliver(conversation: ReconciledConversation, event: ReconciledRecallEvent): Promise<void> {
    if (event.callbackCommand === RECALL_COMMAND) this.report.found.group += 1;
    else this.report.found.c2c += 1;
    const found: FoundRecall = { event, outcome: 'failed' };
    this.report.recalls.push(found);
    try {
      // The delivery's types speak of webhook events, those a receiver's onError hears of; a pass
      // takes no onError, and the delivery (its log lines too) reads only the command and the
      // key's fields, which both sources share.
      found.outcome = await this.delivery.deliver(event as never, {
        request: this.window,
        label: `reconcile ${describe(conversation)}`,
        // A bound on the queue only: the pass waits for a handler however long it runs.
        queueWaitMs: this.queueTimeoutMs,
      });
    } catch (error) {
      this.report.failed.push({ conversation, event, error, reason: reasonOf(error) });
      return;
    }
    if (found.outcome === 'duplicate') this.report.duplicates += 1;
    else this.report.delivered += 1;
  }

  private fail(conversation: ReconciledConversation, error: unknown): void {
    debug('%s: history not read: %s', describe(conversation), reasonOf(error));
    this.report.failed.push({ conversation, error, reason: reasonOf(error) });
  }
}

function describe(conversation: ReconciledConversation): string {
  if (conversation.kind === 'c2c') return `one-to-one ${conversation.account} / ${conversation.peer}`;
  return `group ${conversation.groupId}${conversation.topicId === undefined ? '' : ` topic ${conversation.topicId}`}`;
}

/** The error's message, and its cause's (the delivery wraps a handler's error). */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause === undefined ? error.message : `${error.message}: ${reasonOf(error.cause)}`;
}

/**
 * Runs `work` on each item, at most `concurrency` at a time, pulling items only as workers free
 * up (an async source is read lazily). The first rejection stops the pulling; it is rethrown
 * once the work under way has settled.
 */
async function forEachConcurrently<T>(
  source: Source<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const iterator =
    Symbol.asyncIterator in source
      ? (source as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (source as Iterable<T>)[Symbol.iterator]();
  let failure: { error: unknown } | undefined;
  async function worker(): Promise<void> {
    while (failure === undefined) {
      try {
        const next = await iterator.next();
        if (next.done) return;
        await work(next.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failure === undefined) return;
  await iterator.return?.();
  throw failure.error;
}
