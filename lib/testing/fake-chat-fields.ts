// Field readers and answer shapes of the fake Chat server's store (see fake-chat-store.ts).
import { FakeChatFailure, type AnswerFields } from './fake-chat-failure';

/** MsgFlagBits of a recalled one-to-one message (admin_getroammsg). */
const RECALLED_FLAG = 8;

export interface GroupMessage {
  seq: number;
  random: number;
  time: number;
  from: string;
  text: string;
  recalled: boolean;
  deleted: boolean;
}

export interface MessageStream {
  nextSeq: number;
  messages: Map<number, GroupMessage>;
}

export interface C2CMessage {
  from: string;
  to: string;
  seq: number;
  random: number;
  time: number;
  key: string;
  text: string;
  recalled: boolean;
  /** The parties who deleted it from their view of the conversation. */
  deletedFor: Set<string>;
}

export function newStream(): MessageStream {
  return { nextSeq: 1, messages: new Map() };
}

// IsPlaceMsg: 0 a normal message, 1 deleted or expired (body empty), 2 recalled.
export function placeMark(message: GroupMessage, expired: boolean): 0 | 1 | 2 {
  if (expired || message.deleted) return 1;
  return message.recalled ? 2 : 0;
}

export function groupMessageFields(message: GroupMessage, isPlaceMsg: 0 | 1 | 2): AnswerFields {
  return {
    From_Account: message.from,
    IsPlaceMsg: isPlaceMsg,
    IsSystemMsg: 0,
    MsgBody: isPlaceMsg === 0 ? textBody(message.text) : [],
    MsgPriority: 1,
    MsgRandom: message.random,
    MsgSeq: message.seq,
    MsgTimeStamp: message.time,
  };
}

export function c2cMessageFields(message: C2CMessage): AnswerFields {
  return {
    From_Account: message.from,
    To_Account: message.to,
    MsgSeq: message.seq,
    MsgRandom: message.random,
    MsgTimeStamp: message.time,
    MsgFlagBits: message.recalled ? RECALLED_FLAG : 0,
    IsPeerRead: 0,
    MsgKey: message.key,
    MsgBody: textBody(message.text),
    CloudCustomData: '',
  };
}

export function textBody(text: string): AnswerFields[] {
  return [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }];
}

export function requiredString(body: AnswerFields, field: string, code: number): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') throw new FakeChatFailure(code, `${field} is required`);
  return value;
}

export function optionalString(body: AnswerFields, field: string, code: number): string | undefined {
  return body[field] === undefined ? undefined : requiredString(body, field, code);
}

export function integerField(
  body: AnswerFields,
  field: string,
  code: number,
  range: { min?: number; max?: number },
): number {
  // A list item may be anything: only an object has fields.
  const value = typeof body === 'object' && body !== null ? body[field] : undefined;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < (range.min ?? -Infinity) ||
    value > (range.max ?? Infinity)
  ) {
    throw new FakeChatFailure(code, `${field} must be an integer${range.max ? ` up to ${range.max}` : ''}`);
  }
  return value;
}

export function optionalInteger(
  body: AnswerFields,
  field: string,
  code: number,
  range: { min?: number; max?: number } = {},
): number | undefined {
  return body[field] === undefined ? undefined : integerField(body, field, code, range);
}
