// A fake of Tencent Chat's server for tests: the REST API a reconciler reads (history, group
// lists) and recalls through, signed like the real one, rate-limited, and the recall webhooks it
// fires. It listens on 127.0.0.1 only. Built from Tencent's pages (see fake-chat-store.ts for the
// commands) and the REST API's call format (cloud.tencent.com/document/product/269/1519).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import getRawBody from 'raw-body';
import {
  ACCOUNT_OR_SIGNATURE_MISSING,
  ADMIN_REQUIRED,
  HTTP_PARSE_ERROR,
  JSON_PARSE_ERROR,
  RESOURCE_ERROR,
  REST_FREQUENCY_LIMIT,
  SDK_APP_ID_REQUIRED,
  SDK_APP_ID_UNKNOWN,
} from '../protocol/chat-api-error-codes';
import { DEFAULT_CALLS_PER_SECOND, DOCUMENTED_CALLS_PER_SECOND } from '../protocol/chat-api-rate-limits';
import type { OptPlatform } from '../protocol/types';
import { FakeChatFailure, FakeChatStore, type AnswerFields, type FakeGroupType } from './fake-chat-store';
import { decodeUserSig, userSigFailure } from './fake-chat-user-sig';
import { parseJson, WebhookSender, type FakeWebhookDelivery } from './fake-chat-webhooks';

export type { FakeGroupType } from './fake-chat-store';
export type { FakeWebhookDelivery } from './fake-chat-webhooks';

export interface FakeChatServerOptions {
  sdkAppId: number | string;
  /** The key UserSigs must be signed with. */
  secretKey: string;
  /** The App admin account; default `administrator`. */
  identifier?: string | undefined;
  /**
   * Calls a second each command accepts, as Tencent's 200 a second per API (the default); over
   * it, the call is answered ErrorCode 60007. get_appid_group_list keeps its documented 1 a second.
   */
  maxCallsPerSecond?: number | undefined;
  /** Where recall webhooks are sent; none are sent without it (each is recorded as not sent). */
  callbackUrl?: string | undefined;
  /** Signs webhooks like Tencent: `Sign = sha256(token + RequestTime)` with RequestTime in seconds. */
  callbackToken?: string | undefined;
  /** Tencent's clock in ms: message times, UserSig expiry, webhook EventTime and RequestTime. Default Date.now. */
  now?: (() => number) | undefined;
  /** How long history keeps messages; default 7 days, Tencent's default roaming storage. */
  retentionDays?: number | undefined;
}

/** One REST call the fake answered. */
export interface FakeChatCall {
  command: string;
  body: unknown;
  /** When it arrived, by the fake's clock (ms). */
  at: number;
  /** The ErrorCode answered; 0 for OK, undefined when a fault answered without one. */
  errorCode: number | undefined;
  /** When the URL's UserSig was signed (its TLS.time, in seconds), if it decodes: shows when a client renews it. */
  userSigTime: number | undefined;
}

/** Replaces the answer to the next `times` calls (of `command`, or of any command). */
export interface FakeChatFault {
  command?: string | undefined;
  /** Default 1. */
  times?: number | undefined;
  /** Waits this long before answering (to exceed a client's timeout). */
  delayMs?: number | undefined;
  /** Answers FAIL with this ErrorCode. */
  errorCode?: number | undefined;
  errorInfo?: string | undefined;
  /** Answers this HTTP status (with `rawBody`, default empty). */
  httpStatus?: number | undefined;
  /** Answers this text as the body (status 200 unless `httpStatus`). */
  rawBody?: string | undefined;
}

export interface FakeChatServer {
  /** `http://127.0.0.1:<port>`: `createChatApiClient({ baseUrl })`. */
  readonly baseUrl: string;
  readonly sdkAppId: number;
  /** Every REST call, in arrival order. */
  readonly calls: readonly FakeChatCall[];
  /** Every recall webhook, in the order they were fired. */
  readonly webhookDeliveries: readonly FakeWebhookDelivery[];
  /** Creates a group (default type Public; topics only for Community); returns its GroupId. */
  createGroup(options?: {
    groupId?: string | undefined;
    type?: FakeGroupType | undefined;
    topics?: readonly string[] | undefined;
  }): string;
  /** Stores a group message as sent now (or at `time`, in seconds). */
  sendGroupMessage(options: {
    groupId: string;
    topicId?: string | undefined;
    from: string;
    text?: string | undefined;
    time?: number | undefined;
  }): { msgSeq: number; msgTime: number; random: number };
  /** A member recalls a message from a client: marks it and fires Group.CallbackAfterRecallMsg. */
  recallGroupMessage(options: {
    groupId: string;
    topicId?: string | undefined;
    msgSeq: number;
    /** Who recalled it; default its sender. */
    operator?: string | undefined;
  }): Promise<FakeWebhookDelivery>;
  /** Deletes a group message: history answers it IsPlaceMsg 1 with no body. */
  deleteGroupMessage(options: { groupId: string; topicId?: string | undefined; msgSeq: number }): void;
  /**
   * Stores a one-to-one message from account `from` to account `to` as sent now (or at `time`, in
   * seconds); its `msgKey` and the two accounts name it to `recallC2CMessage` and `deleteC2CMessage`.
   */
  sendC2CMessage(options: { from: string; to: string; text?: string | undefined; time?: number | undefined }): {
    msgKey: string;
    msgSeq: number;
    msgRandom: number;
    msgTime: number;
  };
  /** The sender recalls a one-to-one message from a client: marks it and fires C2C.CallbackAfterMsgWithDraw. */
  recallC2CMessage(options: { from: string; to: string; msgKey: string }): Promise<FakeWebhookDelivery>;
  /** Deletes a one-to-one message from the view of `by` (default both parties). */
  deleteC2CMessage(options: { from: string; to: string; msgKey: string; by?: readonly string[] | undefined }): void;
  /**
   * An Official Account's messages are recalled (from a client, or with `optPlatform` `RESTAPI`
   * as by the REST API): fires OfficialAccount.CallbackAfterMsgWithDraw with their MsgKeys.
   */
  recallOfficialAccountMessages(options: {
    officialAccount: string;
    msgKeys: readonly string[];
    optPlatform?: OptPlatform | undefined;
  }): Promise<FakeWebhookDelivery>;
  /** Where webhooks go from now on; undefined takes the receiver "down". */
  setCallbackUrl(url: string | undefined): void;
  injectFault(fault: FakeChatFault): void;
  /** Resolves once every webhook fired so far (REST recalls fire in the background) has its outcome. */
  webhooksSettled(): Promise<void>;
  close(): Promise<void>;
}

const GROUP_SERVICE = 'group_open_http_svc';
const COMMAND_PATH = /^\/v4\/([\w-]+\/[\w-]+)$/;
const MAX_BODY = '1mb';
const DAY_SECONDS = 24 * 60 * 60;
type CommandHandler = (body: AnswerFields) => AnswerFields;

/** Starts the fake on 127.0.0.1 on a free port. */
export async function startFakeChatServer(options: FakeChatServerOptions): Promise<FakeChatServer> {
  const sdkAppId = Number(options.sdkAppId);
  if (!Number.isInteger(sdkAppId) || sdkAppId <= 0)
    throw new TypeError('startFakeChatServer: sdkAppId must be a positive integer');
  if (typeof options.secretKey !== 'string' || options.secretKey === '') {
    throw new TypeError('startFakeChatServer: secretKey is required');
  }
  const identifier = options.identifier ?? 'administrator';
  const maxCallsPerSecond = options.maxCallsPerSecond ?? DEFAULT_CALLS_PER_SECOND;
  const now = options.now ?? Date.now;
  const nowSeconds = () => Math.floor(now() / 1000);
  const store = new FakeChatStore(nowSeconds, (options.retentionDays ?? 7) * DAY_SECONDS);
  const webhooks = new WebhookSender({
    sdkAppId,
    callbackUrl: options.callbackUrl,
    callbackToken: options.callbackToken,
    now,
  });
  const calls: FakeChatCall[] = [];
  const pendingWebhooks = new Set<Promise<unknown>>();
  const faults: Array<FakeChatFault & { times: number }> = [];
  const callsThisSecond = new Map<string, { second: number; count: number }>();

  const commands: Record<string, CommandHandler> = {
    [`${GROUP_SERVICE}/group_msg_get_simple`]: (body) => store.groupMessages(body),
    [`${GROUP_SERVICE}/get_appid_group_list`]: (body) => store.groupList(body),
    [`${GROUP_SERVICE}/get_group_info`]: (body) => store.groupInfo(body),
    'million_group_open_http_svc/get_topic': (body) => store.topics(body),
    [`${GROUP_SERVICE}/group_msg_recall`]: (body) => {
      const { answer, recall } = store.recallGroupMessagesByRequest(body);
      if (recall.msgSeqs.length > 0) inBackground(webhooks.group(recall, identifier, 'RESTAPI'));
      return answer;
    },
    'openim/admin_getroammsg': (body) => store.roamingMessages(body),
    'openim/admin_msgwithdraw': (body) => {
      inBackground(webhooks.c2c(store.recallC2CMessageByRequest(body), 'RESTAPI'));
      return {};
    },
  };

  function inBackground(delivery: Promise<FakeWebhookDelivery>): void {
    pendingWebhooks.add(delivery);
    void delivery.finally(() => pendingWebhooks.delete(delivery));
  }

  /** Per command, calls in the current second (fixed one-second windows, by the monotonic clock). */
  function overRateLimit(command: string): boolean {
    const limit = Math.min(maxCallsPerSecond, DOCUMENTED_CALLS_PER_SECOND[command] ?? Infinity);
    const second = Math.floor(performance.now() / 1000);
    const window = callsThisSecond.get(command);
    if (window?.second !== second) {
      callsThisSecond.set(command, { second, count: 1 });
      return limit < 1;
    }
    window.count += 1;
    return window.count > limit;
  }

  /** The failure to answer for the URL's account and signature, or undefined when they are valid. */
  function authFailure(query: URLSearchParams): FakeChatFailure | undefined {
    const appId = query.get('sdkappid');
    const account = query.get('identifier');
    const userSig = query.get('usersig');
    if (!appId) return new FakeChatFailure(SDK_APP_ID_REQUIRED, 'sdkappid is required');
    if (Number(appId) !== sdkAppId) return new FakeChatFailure(SDK_APP_ID_UNKNOWN, 'SDKAppID does not exist');
    if (!account || !userSig)
      return new FakeChatFailure(ACCOUNT_OR_SIGNATURE_MISSING, 'identifier or usersig is missing');
    if (!/^\d+$/.test(query.get('random') ?? '') || Number(query.get('random')) >= 2 ** 32) {
      return new FakeChatFailure(HTTP_PARSE_ERROR, 'random must be a 32-bit unsigned integer');
    }
    if (query.get('contenttype') !== 'json') return new FakeChatFailure(HTTP_PARSE_ERROR, 'contenttype must be json');
    const failure = userSigFailure(decodeUserSig(userSig), {
      sdkAppId,
      secretKey: options.secretKey,
      identifier: account,
      nowSeconds: nowSeconds(),
    });
    if (failure) return new FakeChatFailure(failure.code, failure.info);
    if (account !== identifier) return new FakeChatFailure(ADMIN_REQUIRED, 'the request needs an App admin account');
    return undefined;
  }

  function answer(command: string, body: unknown, query: URLSearchParams): AnswerFields {
    try {
      const failure = authFailure(query);
      if (failure) throw failure;
      if (overRateLimit(command)) {
        throw new FakeChatFailure(REST_FREQUENCY_LIMIT, 'REST API call frequency exceeds the limit');
      }
      const handler = commands[command];
      if (handler === undefined) throw new FakeChatFailure(RESOURCE_ERROR, `unknown command ${command}`);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new FakeChatFailure(JSON_PARSE_ERROR, 'the body is not a JSON object');
      }
      return { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0, ...handler(body as AnswerFields) };
    } catch (error) {
      if (!(error instanceof FakeChatFailure)) throw error;
      return { ActionStatus: 'FAIL', ErrorInfo: error.info, ErrorCode: error.code };
    }
  }

  function takeFault(command: string): FakeChatFault | undefined {
    const index = faults.findIndex((f) => f.command === undefined || f.command === command);
    if (index < 0) return undefined;
    const fault = faults[index];
    fault.times -= 1;
    if (fault.times <= 0) faults.splice(index, 1);
    return fault;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(String(req.url), 'http://127.0.0.1');
    const command = COMMAND_PATH.exec(url.pathname)?.[1] ?? url.pathname;
    const text = await getRawBody(req, { limit: MAX_BODY, encoding: 'utf8' });
    const body = parseJson(text);
    const signedAt = decodeUserSig(url.searchParams.get('usersig') ?? '')?.['TLS.time'];
    const call: FakeChatCall = {
      command,
      body,
      at: now(),
      errorCode: undefined,
      userSigTime: typeof signedAt === 'number' ? signedAt : undefined,
    };
    calls.push(call);
    const fault = takeFault(command);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.httpStatus !== undefined || fault?.rawBody !== undefined) {
      res.writeHead(fault.httpStatus ?? 200, { 'Content-Type': 'text/plain' }).end(fault.rawBody ?? '');
      return;
    }
    const reply =
      fault?.errorCode !== undefined
        ? { ActionStatus: 'FAIL', ErrorInfo: fault.errorInfo ?? 'injected fault', ErrorCode: fault.errorCode }
        : req.method === 'POST'
          ? answer(command, body, url.searchParams)
          : { ActionStatus: 'FAIL', ErrorInfo: 'only POST is supported', ErrorCode: HTTP_PARSE_ERROR };
    call.errorCode = reply.ErrorCode as number;
    // Tencent answers HTTP 200 whatever the outcome; the outcome is in the body.
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(reply));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(error));
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve).once('error', reject);
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    sdkAppId,
    calls,
    webhookDeliveries: webhooks.deliveries,
    createGroup: ({ groupId, type = 'Public', topics = [] } = {}) => store.createGroup(groupId, type, topics),
    sendGroupMessage: ({ groupId, topicId, from, text = 'hello', time = nowSeconds() }) =>
      store.sendGroupMessage(groupId, topicId, from, text, time),
    async recallGroupMessage({ groupId, topicId, msgSeq, operator }) {
      const sender = store.recallGroupMessage(groupId, topicId, msgSeq);
      if (sender === undefined) throw new Error(`fake chat server: message ${msgSeq} of ${groupId} cannot be recalled`);
      const type = store.groupType(groupId);
      return webhooks.group({ groupId, type, topicId, msgSeqs: [msgSeq] }, operator ?? sender, 'Android');
    },
    deleteGroupMessage: ({ groupId, topicId, msgSeq }) => store.deleteGroupMessage(groupId, topicId, msgSeq),
    sendC2CMessage: ({ from, to, text = 'hello', time = nowSeconds() }) => store.sendC2CMessage(from, to, text, time),
    async recallC2CMessage({ from, to, msgKey }) {
      store.recallC2CMessage(from, to, msgKey);
      return webhooks.c2c({ from, to, msgKey }, 'Android');
    },
    deleteC2CMessage: ({ from, to, msgKey, by = [from, to] }) => store.deleteC2CMessage(from, to, msgKey, by),
    recallOfficialAccountMessages: ({ officialAccount, msgKeys, optPlatform = 'Android' }) =>
      webhooks.officialAccount({ officialAccount, msgKeys }, optPlatform),
    setCallbackUrl(url) {
      webhooks.callbackUrl = url;
    },
    injectFault(fault) {
      faults.push({ ...fault, times: fault.times ?? 1 });
    },
    async webhooksSettled() {
      await Promise.all([...pendingWebhooks]);
    },
    async close() {
      await Promise.all([...pendingWebhooks]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
