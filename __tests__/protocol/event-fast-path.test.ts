/**
 * The Joi-free fast path of body validation must never accept a body the Joi schema rejects, and
 * for bodies that come out of JSON.parse (every body the adapters parse, and express.json()'s) it
 * must decide exactly as the schema does, so it only ever saves time.
 */
import fc from 'fast-check';
import type Joi from 'joi';
import {
  c2cRecallBodySchema as c2cBodySchema,
  groupRecallBodySchema as bodySchema,
  officialAccountRecallBodySchema,
} from '../../lib/protocol/body-schemas';
import { RECALL_COMMANDS } from '../../lib/protocol/commands';
import {
  assertOfficialAccountRecallBody,
  isPlainOfficialAccountRecallBody,
} from '../../lib/protocol/official-account-event';
import { assertC2CRecallBody, isPlainC2CRecallBody } from '../../lib/protocol/c2c-event';
import { assertGroupRecallBody, isPlainGroupRecallBody } from '../../lib/protocol/group-event';
import { InvalidBodyError } from '../../lib/entries';
import { createC2CRecallEvent, createOfficialAccountRecallEvent, createRecallEvent } from '../../lib/testing/index';
import {
  C2C_RECALL_COMMAND,
  GROUP_RECALL_COMMAND,
  OFFICIAL_ACCOUNT_RECALL_COMMAND,
  RECALL_COMMAND,
  type RecallCommand,
} from '../../lib/protocol/types';

const RUNS = 3000;

const schemaAccepts = (body: object) => bodySchema.validate(body).error === undefined;
const c2cSchemaAccepts = (body: object) => c2cBodySchema.validate(body).error === undefined;

// Values at and around every boundary the schema draws, plus arbitrary JSON.
const nearInteger = fc.oneof(
  fc.nat(),
  fc.integer(),
  fc.constantFrom(0, -0, -1, 1.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, 1e21, NaN, Infinity),
  fc.double(),
);
const digitString = fc.oneof(
  fc.stringMatching(/^\d{1,18}$/),
  fc.constantFrom('', '0', '007', '9007199254740991', '9007199254740992', '1e3', ' 1', '1\n', '-1', '1.0'),
);
const looseString = fc.oneof(fc.string(), fc.constant(''), fc.string({ unit: 'grapheme' }));
const anyJson = fc.jsonValue({ maxDepth: 2 });

/** Mostly a valid value, sometimes anything: many bodies pass, the rest break one field or a few. */
const mostly = <T>(valid: fc.Arbitrary<T>, loose: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 8, arbitrary: valid }, { weight: 1, arbitrary: loose });

const message = mostly(
  fc.record(
    {
      MsgSeq: mostly(fc.nat(), fc.oneof(nearInteger, digitString, anyJson)),
      MsgId: mostly(fc.option(fc.string({ minLength: 1 }), { nil: undefined }), fc.oneof(looseString, anyJson)),
      Extra: anyJson,
    },
    { requiredKeys: ['MsgSeq'] },
  ),
  anyJson,
);

const body = fc.record(
  {
    CallbackCommand: mostly(
      fc.constant(RECALL_COMMAND),
      fc.oneof(fc.constantFrom('Group.CallbackAfterSendMsg', '', ` ${RECALL_COMMAND}`), anyJson),
    ),
    Operator_Account: mostly(fc.string(), anyJson),
    Type: mostly(fc.string({ minLength: 1 }), fc.oneof(looseString, anyJson)),
    GroupId: mostly(fc.string({ minLength: 1 }), fc.oneof(looseString, anyJson)),
    MsgSeqList: mostly(fc.array(message, { minLength: 1, maxLength: 4 }), fc.oneof(fc.constant([]), anyJson)),
    TopicId: mostly(fc.option(fc.string(), { nil: undefined }), anyJson),
    EventTime: mostly(fc.oneof(fc.nat(), fc.stringMatching(/^\d{1,15}$/)), fc.oneof(nearInteger, digitString, anyJson)),
    ['__proto__']: anyJson,
    constructor: anyJson,
    Unknown: anyJson,
  },
  { requiredKeys: ['CallbackCommand', 'Operator_Account', 'Type', 'GroupId', 'MsgSeqList', 'EventTime'] },
);
// Required fields missing, one or several.
const bodyMissingFields = fc.record(
  {
    CallbackCommand: fc.constant(RECALL_COMMAND),
    Operator_Account: fc.string(),
    Type: fc.string({ minLength: 1 }),
    GroupId: fc.string({ minLength: 1 }),
    MsgSeqList: fc.array(message, { minLength: 1 }),
    EventTime: fc.nat(),
  },
  { requiredKeys: [] },
);
/**
 * The two properties every fast path must have, for the schema `schema`: `body` generates mostly
 * valid bodies with fields broken now and then; `exotic` objects JSON.parse never makes.
 */
function fastPathProperties(
  fastPath: (body: object) => boolean,
  schema: Joi.ObjectSchema,
  body: fc.Arbitrary<object>,
  bodyMissingFields: fc.Arbitrary<object>,
  exotic: fc.Arbitrary<object>,
): void {
  const schemaAccepts = (value: object) => schema.validate(value).error === undefined;
  const jsonBody = fc
    .oneof({ weight: 5, arbitrary: body }, { weight: 1, arbitrary: bodyMissingFields })
    .map((value) => JSON.parse(JSON.stringify(value)) as object);

  it('decides exactly as the Joi schema for every JSON-parsed body', () => {
    let accepted = 0;
    fc.assert(
      fc.property(jsonBody, (value) => {
        const fast = fastPath(value);
        if (fast) accepted++;
        expect(fast).toBe(schemaAccepts(value));
      }),
      { numRuns: RUNS },
    );
    // The generator must reach both answers often, or the equivalence says little.
    expect(accepted).toBeGreaterThan(RUNS / 10);
    expect(accepted).toBeLessThan(RUNS * 0.9);
  });

  it('never accepts what the schema rejects, for any object at all (other prototypes, sparse arrays, boxed values)', () => {
    const anyObject = fc.oneof(
      body,
      fc.anything({ withNullPrototype: true, withSparseArray: true, withBoxedValues: true, withMap: true }),
      body.map((value) => Object.assign(Object.create(null), value) as object),
      exotic,
    );
    fc.assert(
      fc.property(anyObject, (value) => {
        if (typeof value !== 'object' || value === null) return;
        if (fastPath(value)) expect(schemaAccepts(value)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
}

/** Which describe below covers each command's fast path: a command without one fails to compile. */
const COVERED: { readonly [Command in RecallCommand]: string } = {
  [GROUP_RECALL_COMMAND]: 'isPlainGroupRecallBody',
  [C2C_RECALL_COMMAND]: 'isPlainC2CRecallBody',
  [OFFICIAL_ACCOUNT_RECALL_COMMAND]: 'isPlainOfficialAccountRecallBody',
};

it('covers the fast path of every command in the command table', () => {
  expect(Object.keys(COVERED).sort()).toEqual([...RECALL_COMMANDS].sort());
});

describe('isPlainGroupRecallBody, the fast path before Joi', () => {
  fastPathProperties(
    isPlainGroupRecallBody,
    bodySchema,
    body,
    bodyMissingFields,
    body.map((value) => ({ ...value, MsgSeqList: Object.assign([], { 0: undefined, length: 2 }) })),
  );

  it('accepts the bodies Tencent sends, so they skip Joi', () => {
    const samples = [
      createRecallEvent(),
      createRecallEvent({ EventTime: 1670574414123, TopicId: undefined }),
      createRecallEvent({ MsgSeqList: [{ MsgSeq: 130 }, { MsgSeq: 131, MsgId: 'id' }], Operator_Account: '' }),
      { ...createRecallEvent(), NewField: { nested: true } },
    ];
    for (const sample of samples) {
      const parsed = JSON.parse(JSON.stringify(sample)) as object;
      expect(isPlainGroupRecallBody(parsed)).toBe(true);
      expect(schemaAccepts(parsed)).toBe(true);
    }
  });

  it('leaves bodies it does not accept to Joi, which still accepts a valid body of another prototype', () => {
    const withNullPrototype = Object.assign(Object.create(null), createRecallEvent()) as object;
    expect(isPlainGroupRecallBody(withNullPrototype)).toBe(false);
    expect(() => assertGroupRecallBody(withNullPrototype)).not.toThrow();
    const broken = { ...createRecallEvent(), EventTime: '12a' };
    expect(isPlainGroupRecallBody(broken)).toBe(false);
    expect(() => assertGroupRecallBody(broken)).toThrow(InvalidBodyError);
    expect(() => assertGroupRecallBody(broken)).toThrow(/^invalid body: EventTime /);
  });
});

describe('isPlainC2CRecallBody, the one-to-one recall fast path before Joi', () => {
  const c2cBody = fc.record(
    {
      CallbackCommand: mostly(
        fc.constant(C2C_RECALL_COMMAND),
        fc.oneof(fc.constantFrom(RECALL_COMMAND, '', ` ${C2C_RECALL_COMMAND}`), anyJson),
      ),
      From_Account: mostly(fc.string(), anyJson),
      To_Account: mostly(fc.string(), anyJson),
      MsgKey: mostly(
        fc.oneof(
          fc.string({ minLength: 1 }),
          fc.tuple(fc.nat(), fc.nat(), fc.nat()).map((parts) => parts.join('_')),
        ),
        fc.oneof(looseString, anyJson),
      ),
      UnreadMsgNum: mostly(fc.option(fc.nat(), { nil: undefined }), fc.oneof(nearInteger, digitString, anyJson)),
      EventTime: mostly(
        fc.option(fc.oneof(fc.nat(), fc.stringMatching(/^\d{1,15}$/)), { nil: undefined }),
        fc.oneof(nearInteger, digitString, anyJson),
      ),
      ['__proto__']: anyJson,
      constructor: anyJson,
      Unknown: anyJson,
    },
    { requiredKeys: ['CallbackCommand', 'From_Account', 'To_Account', 'MsgKey'] },
  );
  const c2cBodyMissingFields = fc.record(
    {
      CallbackCommand: fc.constant(C2C_RECALL_COMMAND),
      From_Account: fc.string(),
      To_Account: fc.string(),
      MsgKey: fc.string({ minLength: 1 }),
    },
    { requiredKeys: [] },
  );
  fastPathProperties(
    isPlainC2CRecallBody,
    c2cBodySchema,
    c2cBody,
    c2cBodyMissingFields,
    c2cBody.map((value) => ({ ...value, MsgKey: new String('48374_2837546_1557481126') })),
  );

  it('accepts both documented samples and the kit’s bodies, so they skip Joi', () => {
    const samples = [
      createC2CRecallEvent(),
      createC2CRecallEvent({ From_Account: 'jared', To_Account: 'Jonh', UnreadMsgNum: 7, EventTime: undefined }),
      createC2CRecallEvent({ UnreadMsgNum: undefined, EventTime: 1670574414123 }),
      createC2CRecallEvent({ EventTime: '1670574414123', From_Account: '' }),
      { ...createC2CRecallEvent(), NewField: { nested: true } },
    ];
    for (const sample of samples) {
      const parsed = JSON.parse(JSON.stringify(sample)) as object;
      expect(isPlainC2CRecallBody(parsed)).toBe(true);
      expect(c2cSchemaAccepts(parsed)).toBe(true);
    }
  });

  it('leaves bodies it does not accept to Joi, which names the field', () => {
    const withNullPrototype = Object.assign(Object.create(null), createC2CRecallEvent()) as object;
    expect(isPlainC2CRecallBody(withNullPrototype)).toBe(false);
    expect(() => assertC2CRecallBody(withNullPrototype)).not.toThrow();
    const broken = { ...createC2CRecallEvent(), UnreadMsgNum: 1.5 };
    expect(isPlainC2CRecallBody(broken)).toBe(false);
    expect(() => assertC2CRecallBody(broken)).toThrow(InvalidBodyError);
    expect(() => assertC2CRecallBody(broken)).toThrow(/^invalid body: UnreadMsgNum /);
  });
});

describe('isPlainOfficialAccountRecallBody, the Official Account recall fast path before Joi', () => {
  const withdrawn = mostly(
    fc.record(
      {
        MsgKey: mostly(
          fc.oneof(
            fc.string({ minLength: 1 }),
            fc.tuple(fc.nat(), fc.nat()).map(([seq, time]) => `${seq}_1_${time}`),
          ),
          fc.oneof(looseString, anyJson),
        ),
        Extra: anyJson,
      },
      { requiredKeys: ['MsgKey'] },
    ),
    anyJson,
  );
  const officialAccountBody = fc.record(
    {
      CallbackCommand: mostly(
        fc.constant(OFFICIAL_ACCOUNT_RECALL_COMMAND),
        fc.oneof(fc.constantFrom(C2C_RECALL_COMMAND, '', ` ${OFFICIAL_ACCOUNT_RECALL_COMMAND}`), anyJson),
      ),
      Official_Account: mostly(fc.string({ minLength: 1 }), fc.oneof(looseString, anyJson)),
      WithdrawMsgList: mostly(fc.array(withdrawn, { minLength: 1, maxLength: 4 }), fc.oneof(fc.constant([]), anyJson)),
      EventTime: mostly(
        fc.option(fc.oneof(fc.nat(), fc.stringMatching(/^\d{1,15}$/)), { nil: undefined }),
        fc.oneof(nearInteger, digitString, anyJson),
      ),
      ['__proto__']: anyJson,
      constructor: anyJson,
      Unknown: anyJson,
    },
    { requiredKeys: ['CallbackCommand', 'Official_Account', 'WithdrawMsgList'] },
  );
  const missingFields = fc.record(
    {
      CallbackCommand: fc.constant(OFFICIAL_ACCOUNT_RECALL_COMMAND),
      Official_Account: fc.string({ minLength: 1 }),
      WithdrawMsgList: fc.array(withdrawn, { minLength: 1 }),
    },
    { requiredKeys: [] },
  );
  fastPathProperties(
    isPlainOfficialAccountRecallBody,
    officialAccountRecallBodySchema,
    officialAccountBody,
    missingFields,
    officialAccountBody.map((value) => ({ ...value, WithdrawMsgList: new Proxy([{ MsgKey: '71_1_1698741698' }], {}) })),
  );

  it('accepts the documented sample and the kit’s bodies, so they skip Joi', () => {
    const samples = [
      JSON.parse(
        '{"CallbackCommand":"OfficialAccount.CallbackAfterMsgWithDraw","Official_Account":"#TOA#_123","WithdrawMsgList":[{"MsgKey":"71_1_1698741698"}],"EventTime":1670574414123}',
      ) as object,
      createOfficialAccountRecallEvent(),
      createOfficialAccountRecallEvent({ EventTime: undefined }),
      createOfficialAccountRecallEvent({
        EventTime: '1670574414123',
        WithdrawMsgList: [{ MsgKey: 'a' }, { MsgKey: 'b' }],
      }),
    ];
    for (const sample of samples) {
      const parsed = JSON.parse(JSON.stringify(sample)) as object;
      expect(isPlainOfficialAccountRecallBody(parsed)).toBe(true);
      expect(officialAccountRecallBodySchema.validate(parsed).error).toBeUndefined();
    }
  });

  it('leaves bodies it does not accept to Joi, which names the field', () => {
    const broken = { ...createOfficialAccountRecallEvent(), WithdrawMsgList: [{ MsgKey: '' }] };
    expect(isPlainOfficialAccountRecallBody(broken)).toBe(false);
    expect(() => assertOfficialAccountRecallBody(broken)).toThrow(InvalidBodyError);
    expect(() => assertOfficialAccountRecallBody(broken)).toThrow(/^invalid body: WithdrawMsgList\[0\]\.MsgKey /);
  });
});
