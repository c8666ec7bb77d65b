// The recall webhooks the fake Chat server fires, the way Tencent sends them: the callback query
// (signed when a token is set), a JSON body, a 2 s wait for the answer.
import {
  C2C_RECALL_COMMAND,
  GROUP_RECALL_COMMAND,
  OFFICIAL_ACCOUNT_RECALL_COMMAND,
  type OptPlatform,
  type RecallCommand,
} from '../protocol/types';
import { TENCENT_DEADLINE_MS } from '../protocol/answers';
import { createCallbackQuery } from './index';
import type { C2CRecall, GroupRecall } from './fake-chat-store';

/** One recall webhook the fake fired (or could not). */
export interface FakeWebhookDelivery {
  command: RecallCommand;
  /** The URL with its query; undefined when no callback URL was set. */
  url: string | undefined;
  body: Record<string, unknown>;
  at: number;
  /** HTTP status of the answer, when one came. */
  status?: number | undefined;
  /** The answer's parsed JSON, or its text when it is not JSON. */
  answer?: unknown;
  /** Why no answer came (not sent, network error, timeout). */
  error?: string | undefined;
  /** Tencent's view: HTTP 200 with a JSON answer. */
  delivered: boolean;
}

/** An Official Account's messages recalled at once. */
export interface OfficialAccountRecall {
  officialAccount: string;
  msgKeys: readonly string[];
}

export interface WebhookSenderOptions {
  sdkAppId: number;
  callbackUrl: string | undefined;
  callbackToken: string | undefined;
  now: () => number;
}

/** Fires the webhooks and keeps each delivery's outcome. */
export class WebhookSender {
  readonly deliveries: FakeWebhookDelivery[] = [];
  callbackUrl: string | undefined;

  constructor(private readonly options: WebhookSenderOptions) {
    this.callbackUrl = options.callbackUrl;
  }

  group(recall: GroupRecall, operator: string, optPlatform: OptPlatform): Promise<FakeWebhookDelivery> {
    return this.fire(GROUP_RECALL_COMMAND, optPlatform, {
      Operator_Account: operator,
      Type: recall.type,
      GroupId: recall.groupId,
      MsgSeqList: recall.msgSeqs.map((msgSeq) => ({ MsgSeq: msgSeq })),
      ...(recall.topicId !== undefined && { TopicId: recall.topicId }),
      EventTime: String(this.options.now()),
    });
  }

  c2c(recall: C2CRecall, optPlatform: OptPlatform): Promise<FakeWebhookDelivery> {
    return this.fire(C2C_RECALL_COMMAND, optPlatform, {
      From_Account: recall.from,
      To_Account: recall.to,
      MsgKey: recall.msgKey,
      UnreadMsgNum: 0,
      EventTime: this.options.now(),
    });
  }

  officialAccount(recall: OfficialAccountRecall, optPlatform: OptPlatform): Promise<FakeWebhookDelivery> {
    return this.fire(OFFICIAL_ACCOUNT_RECALL_COMMAND, optPlatform, {
      Official_Account: recall.officialAccount,
      WithdrawMsgList: recall.msgKeys.map((msgKey) => ({ MsgKey: msgKey })),
      EventTime: this.options.now(),
    });
  }

  private async fire(
    command: RecallCommand,
    optPlatform: OptPlatform,
    fields: Record<string, unknown>,
  ): Promise<FakeWebhookDelivery> {
    const at = this.options.now();
    const body = { CallbackCommand: command, ...fields };
    const delivery: FakeWebhookDelivery = { command, url: undefined, body, at, delivered: false };
    this.deliveries.push(delivery);
    if (this.callbackUrl === undefined) {
      delivery.error = 'no callback URL';
      return delivery;
    }
    const query = createCallbackQuery(this.options.sdkAppId, {
      token: this.options.callbackToken,
      timestamp: at,
      optPlatform,
      callbackCommand: command,
    });
    try {
      // Inside the try: a callback URL that does not parse is a failed delivery, not a rejection.
      const target = new URL(this.callbackUrl);
      for (const [name, value] of Object.entries(query)) target.searchParams.set(name, value);
      delivery.url = target.href;
      const response = await fetch(target, {
        method: 'POST',
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(TENCENT_DEADLINE_MS),
      });
      const text = await response.text();
      const parsed = parseJson(text);
      delivery.status = response.status;
      delivery.answer = parsed ?? text;
      delivery.delivered = response.status === 200 && parsed !== undefined;
    } catch (error) {
      // An Error's string is `<name>: <message>`.
      delivery.error = String(error);
    }
    return delivery;
  }
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
