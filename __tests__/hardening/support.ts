import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  C2C_RECALL_COMMAND,
  OFFICIAL_ACCOUNT_RECALL_COMMAND,
  RECALL_COMMAND,
  type RecallCommand,
  type RecallEvent,
} from '../../lib/entries';

export const SDK_APP_ID = '1400000000';
export const TOKEN = 'hardening-token';
export const LIMIT = 16 * 1024;
/** The clock every middleware under test runs on, so generated RequestTimes are deterministic. */
export const NOW = 1_750_000_000_000;
export const TOLERANCE_SECONDS = 60;
export const CASE_HEADER = 'x-case-id';
export const FAIL_HEADER = 'x-handler-fails';
export const ANSWER_STATUSES = new Set([200, 400, 401, 403, 408, 413, 415, 500]);

/**
 * fast-check parameters: `FUZZ_SEED` (and `FUZZ_PATH`) replay a failure fast-check reported;
 * `FUZZ_RUNS_SCALE` multiplies every property's run count.
 */
const scale = Number(process.env.FUZZ_RUNS_SCALE ?? 1);

/** A test timeout that grows with `FUZZ_RUNS_SCALE`. */
export const fuzzTimeout = (ms: number): number => Math.round(ms * Math.max(1, scale));

export function fuzzParameters<T>(numRuns: number): fc.Parameters<T> {
  const parameters: fc.Parameters<T> = { numRuns: Math.max(1, Math.round(numRuns * scale)) };
  if (process.env.FUZZ_SEED !== undefined) parameters.seed = Number(process.env.FUZZ_SEED);
  if (process.env.FUZZ_PATH !== undefined) parameters.path = process.env.FUZZ_PATH;
  return parameters;
}

// ---------------------------------------------------------------------------------------------
// Generated requests

export interface FuzzCase {
  method: string;
  /** The query string exactly as sent, without the `?`. */
  query: string;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  body: Uint8Array;
  /** Send the body in several pieces (chunked transfer over HTTP, a multi-chunk stream for Fetch). */
  chunks: number;
  handlerFails: boolean;
}

const anyString = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'binary-ascii' }));
const nearMissValues: unknown[] = [
  '',
  ' ',
  -1,
  1.5,
  2 ** 53,
  -0,
  '123abc',
  '0x10',
  '1e3',
  null,
  [],
  {},
  true,
  `${RECALL_COMMAND} `,
  RECALL_COMMAND.toLowerCase(),
  C2C_RECALL_COMMAND,
  RECALL_COMMAND,
  [{}],
  [{ MsgSeq: -1 }],
  [{ MsgSeq: '1' }],
  [{ MsgSeq: 1, MsgId: '' }],
  [{ MsgSeq: 1, MsgId: 7 }],
  '99999999999999999',
  '-1',
];
const anyValue: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue(), fc.constantFrom(...nearMissValues));

const validEvent = fc.record(
  {
    CallbackCommand: fc.constant(RECALL_COMMAND),
    Operator_Account: anyString,
    Type: fc.oneof(
      fc.constantFrom('Private', 'Public', 'ChatRoom', 'AVChatRoom', 'Community', 'BChatRoom'),
      fc.string({ minLength: 1 }),
    ),
    GroupId: fc.oneof(fc.string({ minLength: 1 }), fc.string({ unit: 'binary', minLength: 1 })),
    MsgSeqList: fc.array(
      fc.record(
        { MsgSeq: fc.maxSafeNat(), MsgId: fc.string({ minLength: 1 }), Extra: fc.jsonValue({ maxDepth: 1 }) },
        { requiredKeys: ['MsgSeq'] },
      ),
      { minLength: 1, maxLength: 10 },
    ),
    TopicId: anyString,
    EventTime: fc.oneof(fc.maxSafeNat(), fc.maxSafeNat().map(String)),
    Reason: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['CallbackCommand', 'Operator_Account', 'Type', 'GroupId', 'MsgSeqList', 'EventTime'] },
);

// MsgKeys in Tencent's format (<MsgSeq>_<MsgRandom>_<send time in s>) and any other non-empty string.
const msgKey = fc.oneof(
  fc.tuple(fc.maxSafeNat(), fc.nat(), fc.nat()).map((parts) => parts.join('_')),
  fc.string({ minLength: 1 }),
  fc.string({ unit: 'binary', minLength: 1 }),
);

const validC2CEvent = fc.record(
  {
    CallbackCommand: fc.constant(C2C_RECALL_COMMAND),
    From_Account: anyString,
    To_Account: anyString,
    MsgKey: msgKey,
    UnreadMsgNum: fc.maxSafeNat(),
    EventTime: fc.oneof(fc.maxSafeNat(), fc.maxSafeNat().map(String)),
    MsgRandom: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['CallbackCommand', 'From_Account', 'To_Account', 'MsgKey'] },
);

const validOfficialAccountEvent = fc.record(
  {
    CallbackCommand: fc.constant(OFFICIAL_ACCOUNT_RECALL_COMMAND),
    Official_Account: fc.oneof(fc.string({ minLength: 1 }), fc.string({ unit: 'binary', minLength: 1 })),
    WithdrawMsgList: fc.array(
      fc.record({ MsgKey: msgKey, Extra: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: ['MsgKey'] }),
      { minLength: 1, maxLength: 10 },
    ),
    EventTime: fc.oneof(fc.maxSafeNat(), fc.maxSafeNat().map(String)),
  },
  { requiredKeys: ['CallbackCommand', 'Official_Account', 'WithdrawMsgList'] },
);

/** What the generators need of a recall command: its valid bodies and the paths of their fields. */
interface RecallKind {
  command: string;
  validEvent: fc.Arbitrary<Record<string, unknown>>;
  fields: string[];
  /** String fields a huge value can go in. */
  stringFields: string[];
}

const KINDS_BY_COMMAND: { readonly [Command in RecallCommand]: RecallKind } = {
  [RECALL_COMMAND]: {
    command: RECALL_COMMAND,
    validEvent,
    fields: [
      'CallbackCommand',
      'Operator_Account',
      'Type',
      'GroupId',
      'MsgSeqList',
      'TopicId',
      'EventTime',
      'MsgSeqList.0',
      'MsgSeqList.0.MsgSeq',
      'MsgSeqList.0.MsgId',
    ],
    stringFields: ['GroupId', 'Operator_Account', 'Type', 'TopicId'],
  },
  [C2C_RECALL_COMMAND]: {
    command: C2C_RECALL_COMMAND,
    validEvent: validC2CEvent,
    fields: ['CallbackCommand', 'From_Account', 'To_Account', 'MsgKey', 'UnreadMsgNum', 'EventTime'],
    stringFields: ['From_Account', 'To_Account', 'MsgKey'],
  },
  [OFFICIAL_ACCOUNT_RECALL_COMMAND]: {
    command: OFFICIAL_ACCOUNT_RECALL_COMMAND,
    validEvent: validOfficialAccountEvent,
    fields: [
      'CallbackCommand',
      'Official_Account',
      'WithdrawMsgList',
      'WithdrawMsgList.0',
      'WithdrawMsgList.0.MsgKey',
      'EventTime',
    ],
    stringFields: ['Official_Account'],
  },
};
const KINDS = Object.values(KINDS_BY_COMMAND);

/** A valid event with one field deleted or replaced by any JSON value. */
const mutatedEvent = (kind: RecallKind) =>
  fc
    .tuple(kind.validEvent, fc.constantFrom(...kind.fields), fc.option(anyValue, { nil: undefined }))
    .map(([event, path, value]) => {
      const copy = structuredClone(event) as Record<string, unknown>;
      const keys = path.split('.');
      let target = copy as Record<string, unknown>;
      for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
      const last = keys[keys.length - 1];
      if (value === undefined) delete target[last];
      else target[last] = value;
      return copy;
    });

/** JSON text tricks no `JSON.stringify` produces: `__proto__`/`constructor` keys and duplicated keys. */
const trickyText = (kind: RecallKind) =>
  fc
    .tuple(
      kind.validEvent,
      fc.constantFrom(
        '__proto__',
        'constructor',
        'prototype',
        'toString',
        'hasOwnProperty',
        ...kind.fields.slice(0, 4),
      ),
      anyValue,
      fc.constantFrom('first', 'last', 'nested'),
    )
    .map(([event, key, value, where]) => {
      const text = JSON.stringify(event);
      const member = `${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`;
      if (where === 'first') return `{${member},${text.slice(1)}`;
      if (where === 'last') return `${text.slice(0, -1)},${member}}`;
      return `${text.slice(0, -1)},"Nested":{${member},"__proto__":{"polluted":true}}}`;
    });

const deepNesting = (kind: RecallKind) =>
  fc
    .tuple(fc.integer({ min: 1, max: 6000 }), fc.constantFrom('array', 'object', 'inside-event'), kind.validEvent)
    .map(([depth, shape, event]) => {
      if (shape === 'array') return '['.repeat(depth) + ']'.repeat(depth);
      if (shape === 'object') return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
      return `${JSON.stringify(event).slice(0, -1)},"Deep":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    });

const hugeValues = (kind: RecallKind) =>
  fc
    .tuple(
      kind.validEvent,
      fc.constantFrom(...kind.stringFields),
      fc.integer({ min: LIMIT - 400, max: LIMIT + 400 }),
      fc.constantFrom('1e400', '-1e400', '9007199254740993', '123456789012345678901234567890', '-0', '0.0'),
    )
    .chain(([event, field, length, number]) =>
      fc.constantFrom(
        JSON.stringify({ ...event, [field]: 'x'.repeat(length) }),
        `${JSON.stringify(event).slice(0, -1)},"Huge":${number}}`,
        kind.command === RECALL_COMMAND
          ? JSON.stringify({ ...event, MsgSeqList: [{ MsgSeq: 1 }] }).replace('"MsgSeq":1', `"MsgSeq":${number}`)
          : JSON.stringify({ ...event, UnreadMsgNum: 1 }).replace('"UnreadMsgNum":1', `"UnreadMsgNum":${number}`),
        JSON.stringify({ ...event, EventTime: 1 }).replace('"EventTime":1', `"EventTime":${number}`),
      ),
    );

const whitespace = fc.constantFrom('', ' ', '\n', '\t\r\n ');
const encoder = new TextEncoder();

const bodyArbitrary = (kind: RecallKind): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .tuple(kind.validEvent, whitespace, whitespace, fc.boolean())
        .map(([event, before, after, bom]) =>
          encoder.encode(`${bom ? '\ufeff' : ''}${before}${JSON.stringify(event)}${after}`),
        ),
    },
    { weight: 3, arbitrary: mutatedEvent(kind).map((event) => encoder.encode(JSON.stringify(event))) },
    { weight: 2, arbitrary: trickyText(kind).map((text) => encoder.encode(text)) },
    { weight: 1, arbitrary: fc.jsonValue().map((value) => encoder.encode(JSON.stringify(value) ?? '')) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((text) => encoder.encode(text)) },
    { weight: 1, arbitrary: deepNesting(kind).map((text) => encoder.encode(text)) },
    { weight: 1, arbitrary: hugeValues(kind).map((text) => encoder.encode(text)) },
  );

function signFor(requestTime: string): string {
  return createHash('sha256')
    .update(TOKEN + requestTime)
    .digest('hex');
}

const nowSeconds = Math.floor(NOW / 1000);
type Param = [string, string];

const sdkAppIdParams: fc.Arbitrary<Param[]> = fc.oneof(
  { weight: 20, arbitrary: fc.constant<Param[]>([['SdkAppid', SDK_APP_ID]]) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.constantFrom(' 1400000000', '01400000000', '1400000000.0', '1400000001', '1400000000\u0000', '', '１４００'),
        fc.nat().map(String),
        anyString,
      )
      .map((id): Param[] => [['SdkAppid', id]]),
  },
  { weight: 1, arbitrary: fc.constant<Param[]>([]) },
  {
    weight: 1,
    arbitrary: fc.constant<Param[]>([
      ['SdkAppid', SDK_APP_ID],
      ['SdkAppid', SDK_APP_ID],
    ]),
  },
);

const commandParams = ({ command }: RecallKind): fc.Arbitrary<Param[]> =>
  fc.oneof(
    { weight: 24, arbitrary: fc.constant<Param[]>([['CallbackCommand', command]]) },
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          fc.constantFrom(
            'Group.CallbackAfterSendMsg',
            'C2C.CallbackAfterSendMsg',
            command.toLowerCase(),
            `${command} `,
            '',
          ),
          anyString,
        )
        .map((other): Param[] => [['CallbackCommand', other]]),
    },
    { weight: 1, arbitrary: fc.constant<Param[]>([]) },
    {
      weight: 1,
      arbitrary: fc.constant<Param[]>([
        ['CallbackCommand', command],
        ['CallbackCommand', command],
      ]),
    },
  );

const offsetInside = fc.integer({ min: -TOLERANCE_SECONDS + 1, max: TOLERANCE_SECONDS - 1 });
const offsetOutside = fc.oneof(
  fc.integer({ min: TOLERANCE_SECONDS + 1, max: 10 ** 6 }),
  fc.integer({ min: -(10 ** 6), max: -TOLERANCE_SECONDS - 1 }),
);

const signatureParams: fc.Arbitrary<Param[]> = fc.oneof(
  {
    weight: 16,
    arbitrary: fc.tuple(offsetInside, fc.boolean()).map(([offset, upper]): Param[] => {
      const time = String(nowSeconds + offset);
      const sign = signFor(time);
      return [
        ['RequestTime', time],
        ['Sign', upper ? sign.toUpperCase() : sign],
      ];
    }),
  },
  {
    weight: 1,
    arbitrary: offsetOutside.map((offset): Param[] => {
      const time = String(nowSeconds + offset);
      return [
        ['RequestTime', time],
        ['Sign', signFor(time)],
      ];
    }),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(offsetInside, fc.stringMatching(/^[0-9a-f]{64}$/)).map(([offset, sign]): Param[] => [
      ['RequestTime', String(nowSeconds + offset)],
      ['Sign', sign],
    ]),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.option(anyString), fc.option(anyString))
      .map(([time, sign]): Param[] => [
        ...(time === null ? [] : ([['RequestTime', time]] as Param[])),
        ...(sign === null ? [] : ([['Sign', sign]] as Param[])),
      ]),
  },
  {
    weight: 1,
    arbitrary: offsetInside.map((offset): Param[] => {
      const time = String(nowSeconds + offset);
      return [
        ['RequestTime', time],
        ['RequestTime', time],
        ['Sign', signFor(time)],
      ];
    }),
  },
);

// Long values, but the whole query stays under Node's 16 KiB header limit even fully percent-encoded.
const extraParams: fc.Arbitrary<Param[]> = fc.array(
  fc.tuple(
    fc.oneof(
      fc.constantFrom('ClientIP', 'OptPlatform', 'contenttype', '__proto__', 'constructor', 'toString', ''),
      anyString,
    ),
    fc.oneof(
      anyString,
      fc.nat(600).map((length) => 'q'.repeat(length)),
    ),
  ),
  { maxLength: 4 },
);

/** Percent-encodes the UTF-8 bytes of `text`, keeping the characters `keep` matches as they are. */
function percentEncode(text: string, keep: RegExp): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += byte < 0x80 && keep.test(char) ? char : `%${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

const queryEncodings: Record<string, (text: string) => string> = {
  component: (text) => percentEncode(text, /[A-Za-z0-9\-_.~]/),
  loose: (text) => percentEncode(text, /[A-Za-z0-9\-_.~!$'()*,;:@/?%+]/),
  everything: (text) => percentEncode(text, /(?!)/).toLowerCase(),
  form: (text) => new URLSearchParams([['', text]]).toString().slice(1),
};

const queryArbitrary = (kind: RecallKind): fc.Arbitrary<string> =>
  fc
    .tuple(
      sdkAppIdParams,
      commandParams(kind),
      signatureParams,
      extraParams,
      fc.constantFrom(...Object.keys(queryEncodings)),
      fc.boolean(),
    )
    .chain(([app, command, signature, extra, encoding, stray]) =>
      fc.shuffledSubarray([...app, ...command, ...signature, ...extra], { minLength: 0 }).chain((subset) =>
        // Most cases keep every parameter in order; some drop or reorder them.
        fc
          .oneof(
            { weight: 9, arbitrary: fc.constant([...app, ...command, ...signature, ...extra]) },
            { weight: 1, arbitrary: fc.constant(subset) },
          )
          .map((params) => {
            const encode = queryEncodings[encoding];
            const pairs = params.map(([key, value]) => `${encode(key)}=${encode(value)}`);
            return pairs.join('&') + (stray ? '&&=&novalue' : '');
          }),
      ),
    );

// The command in the query and the body mostly agree, so that most requests get far; the mutated
// bodies put the other command (or anything) in the body's CallbackCommand.
export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.constantFrom(...KINDS).chain((kind) =>
  fc.record({
    method: fc.oneof(
      { weight: 12, arbitrary: fc.constant('POST') },
      { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'PATCH', 'DELETE') },
    ),
    query: queryArbitrary(kind),
    contentType: fc.option(
      fc.oneof(
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/octet-stream',
          '',
        ),
        fc.string({ unit: 'binary-ascii' }).map((text) => text.replace(/[^\x20-\x7e]/g, '')),
      ),
      { nil: undefined },
    ),
    contentEncoding: fc.oneof(
      { weight: 12, arbitrary: fc.constant(undefined) },
      { weight: 2, arbitrary: fc.constantFrom('identity', 'IDENTITY', 'Identity') },
      { weight: 2, arbitrary: fc.constantFrom('gzip', 'br', 'deflate', 'x-unknown', '') },
    ),
    body: bodyArbitrary(kind),
    chunks: fc.integer({ min: 1, max: 4 }),
    handlerFails: fc.integer({ min: 0, max: 9 }).map((draw) => draw === 0),
  }),
);

// ---------------------------------------------------------------------------------------------
// The oracle: what the README promises for a request, worked out independently of lib/.

export type Expected = { passedOn: true } | { passedOn: false; status: number; event?: Record<string, unknown> };

export interface MiddlewareSetup {
  tokenRequired: boolean;
}

/** What must happen to `fuzz` under `setup`: passed on, or answered with this status (and this event, if valid). */
export function expectedOutcome(fuzz: FuzzCase, setup: MiddlewareSetup): Expected {
  if (fuzz.method !== 'POST') return { passedOn: true };
  const params = new URLSearchParams(fuzz.query);
  const commands = params.getAll('CallbackCommand');
  const isBodyOfCommand = commands.length === 1 ? BODY_CHECKS.get(commands[0]) : undefined;
  if (isBodyOfCommand === undefined) return { passedOn: true };
  const ids = params.getAll('SdkAppid');
  if (ids.length !== 1 || ids[0] !== SDK_APP_ID) return { passedOn: false, status: 403 };
  if (setup.tokenRequired && !signatureHolds(params)) return { passedOn: false, status: 401 };
  if (fuzz.contentEncoding !== undefined && fuzz.contentEncoding.toLowerCase() !== 'identity') {
    return { passedOn: false, status: 415 };
  }
  if (fuzz.body.byteLength > LIMIT) return { passedOn: false, status: 413 };
  const body = parseJson(fuzz.body);
  if (!isBodyOfCommand(body)) return { passedOn: false, status: 400 };
  return { passedOn: false, status: fuzz.handlerFails ? 500 : 200, event: body };
}

function signatureHolds(params: URLSearchParams): boolean {
  const times = params.getAll('RequestTime');
  const signs = params.getAll('Sign');
  if (times.length !== 1 || signs.length !== 1) return false;
  const [time] = times;
  const [sign] = signs;
  if (!/^\d{1,12}$/.test(time) || !/^[0-9a-fA-F]{64}$/.test(sign)) return false;
  if (Math.abs(NOW - Number(time) * 1000) > TOLERANCE_SECONDS * 1000) return false;
  return signFor(time) === sign.toLowerCase();
}

function parseJson(bytes: Uint8Array): unknown {
  let text = Buffer.from(bytes).toString('utf8');
  if (text.startsWith('\ufeff')) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isSafeNat = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;
const has = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

/** The event schema as the README states it. */
export function isRecallBody(body: unknown): body is Record<string, unknown> {
  if (!isRecord(body)) return false;
  const { CallbackCommand, Operator_Account, Type, GroupId, MsgSeqList, TopicId, EventTime } = body;
  return (
    CallbackCommand === RECALL_COMMAND &&
    typeof Operator_Account === 'string' &&
    typeof Type === 'string' &&
    Type !== '' &&
    typeof GroupId === 'string' &&
    GroupId !== '' &&
    Array.isArray(MsgSeqList) &&
    MsgSeqList.length > 0 &&
    MsgSeqList.every(
      (message) =>
        isRecord(message) && isSafeNat(message.MsgSeq) && (!has(message, 'MsgId') || typeof message.MsgId === 'string'),
    ) &&
    (!has(body, 'TopicId') || typeof TopicId === 'string') &&
    (isSafeNat(EventTime) ||
      (typeof EventTime === 'string' && /^\d+$/.test(EventTime) && Number.isSafeInteger(Number(EventTime))))
  );
}

const isString = (value: unknown): boolean => typeof value === 'string';
const isDigitsOfSafeNat = (value: unknown): boolean =>
  typeof value === 'string' && /^\d+$/.test(value) && Number.isSafeInteger(Number(value));

/** The one-to-one recall's schema as the README states it. */
export function isC2CRecallBody(body: unknown): body is Record<string, unknown> {
  if (!isRecord(body)) return false;
  const { CallbackCommand, From_Account, To_Account, MsgKey, UnreadMsgNum, EventTime } = body;
  return (
    CallbackCommand === C2C_RECALL_COMMAND &&
    isString(From_Account) &&
    isString(To_Account) &&
    isString(MsgKey) &&
    MsgKey !== '' &&
    (!has(body, 'UnreadMsgNum') || isSafeNat(UnreadMsgNum)) &&
    (!has(body, 'EventTime') || isSafeNat(EventTime) || isDigitsOfSafeNat(EventTime))
  );
}

/** The Official Account recall's schema as the README states it. */
export function isOfficialAccountRecallBody(body: unknown): body is Record<string, unknown> {
  if (!isRecord(body)) return false;
  const { CallbackCommand, Official_Account, WithdrawMsgList, EventTime } = body;
  return (
    CallbackCommand === OFFICIAL_ACCOUNT_RECALL_COMMAND &&
    isString(Official_Account) &&
    Official_Account !== '' &&
    Array.isArray(WithdrawMsgList) &&
    WithdrawMsgList.length > 0 &&
    WithdrawMsgList.every((message) => isRecord(message) && isString(message.MsgKey) && message.MsgKey !== '') &&
    (!has(body, 'EventTime') || isSafeNat(EventTime) || isDigitsOfSafeNat(EventTime))
  );
}

/** The schema of each recall command, by the query's CallbackCommand. */
const BODY_CHECKS_BY_COMMAND: {
  readonly [Command in RecallCommand]: (body: unknown) => body is Record<string, unknown>;
} = {
  [RECALL_COMMAND]: isRecallBody,
  [C2C_RECALL_COMMAND]: isC2CRecallBody,
  [OFFICIAL_ACCOUNT_RECALL_COMMAND]: isOfficialAccountRecallBody,
};
const BODY_CHECKS = new Map(Object.entries(BODY_CHECKS_BY_COMMAND));

/**
 * Deep equality of two parsed JSON values without recursion: bodies nest deeper than the stack
 * allows `util.isDeepStrictEqual` or `JSON.stringify` to go.
 */
export function sameJson(left: unknown, right: unknown): boolean {
  const pending: Array<[unknown, unknown]> = [[left, right]];
  while (pending.length > 0) {
    const [a, b] = pending.pop()!;
    if (Object.is(a, b)) continue;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    for (const key of keys) {
      if (!has(b, key)) return false;
      pending.push([(a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]]);
    }
  }
  return true;
}

/** Asserts the event the handler got is the README's mapping of `body`. */
export function expectEventFor(event: RecallEvent, body: Record<string, unknown>): void {
  expect(event.callbackCommand).toBe(body.CallbackCommand);
  expect(sameJson(event.raw, body)).toBe(true);
  expect(event.sdkAppId).toBe(SDK_APP_ID);
  if (event.callbackCommand === C2C_RECALL_COMMAND) {
    expect(isC2CRecallBody(event.raw)).toBe(true);
    expect([event.fromAccount, event.toAccount, event.msgKey]).toEqual([
      body.From_Account,
      body.To_Account,
      body.MsgKey,
    ]);
    expect(event.unreadMsgNum).toBe(body.UnreadMsgNum);
    expect(event.eventTime).toBe(has(body, 'EventTime') ? Number(body.EventTime) : undefined);
    return;
  }
  if (event.callbackCommand === OFFICIAL_ACCOUNT_RECALL_COMMAND) {
    expect(isOfficialAccountRecallBody(event.raw)).toBe(true);
    expect(event.officialAccount).toBe(body.Official_Account);
    expect(event.messages).toEqual(
      (body.WithdrawMsgList as Array<Record<string, unknown>>).map((message) => ({ msgKey: message.MsgKey })),
    );
    expect(event.eventTime).toBe(has(body, 'EventTime') ? Number(body.EventTime) : undefined);
    return;
  }
  expect(isRecallBody(event.raw)).toBe(true);
  expect(event.groupId).toBe(body.GroupId);
  expect(event.groupType).toBe(body.Type);
  expect(event.operatorAccount).toBe(body.Operator_Account);
  expect(event.topicId).toBe(body.TopicId);
  expect(event.eventTime).toBe(Number(body.EventTime));
  expect(event.messages).toEqual(
    (body.MsgSeqList as Array<Record<string, unknown>>).map((message) =>
      has(message, 'MsgId') ? { msgSeq: message.MsgSeq, msgId: message.MsgId } : { msgSeq: message.MsgSeq },
    ),
  );
}

/** Asserts `text` is an answer Tencent accepts: JSON with exactly the three fields, OK iff 200. */
export function expectWellFormedAnswer(status: number, text: string): void {
  expect(ANSWER_STATUSES.has(status)).toBe(true);
  const answer: unknown = JSON.parse(text);
  expect(isRecord(answer) && Object.keys(answer).sort()).toEqual(['ActionStatus', 'ErrorCode', 'ErrorInfo']);
  const { ActionStatus, ErrorInfo, ErrorCode } = answer as Record<string, unknown>;
  expect(typeof ErrorInfo).toBe('string');
  if (status === 200) expect([ActionStatus, ErrorInfo, ErrorCode]).toEqual(['OK', '', 0]);
  else expect([ActionStatus, ErrorCode]).toEqual(['FAIL', 1]);
}

// ---------------------------------------------------------------------------------------------
// Object.prototype

/** Own property names and descriptors of `Object.prototype`, to compare before and after. */
export function objectPrototypeSnapshot(): Map<string | symbol, PropertyDescriptor> {
  return new Map(
    Reflect.ownKeys(Object.prototype).map((key) => [key, Reflect.getOwnPropertyDescriptor(Object.prototype, key)!]),
  );
}

export function expectSameObjectPrototype(before: Map<string | symbol, PropertyDescriptor>): void {
  const after = objectPrototypeSnapshot();
  expect([...after.keys()]).toEqual([...before.keys()]);
  for (const [key, descriptor] of before) {
    const now = after.get(key)!;
    expect(now.value === descriptor.value && now.get === descriptor.get && now.set === descriptor.set).toBe(true);
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}
