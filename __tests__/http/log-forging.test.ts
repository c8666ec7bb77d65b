/**
 * No line the `log` option gets can be forged or hide what it says: whatever a sender puts in the
 * body's fields or the path, and whatever a handler's or onError's error says, no line holds a raw
 * C0 or C1 control (U+0085 and CSI U+009B among them), DEL, U+2028/U+2029 or a bidirectional
 * override or isolate. The CLI escapes the very same set.
 */
import fc from 'fast-check';
import { createRecallHandler, type RecallLog } from '../../lib/entries';
import { escapeControl as cliEscape } from '../../lib/cli/io';
import { createFailureLog, escapeControl } from '../../lib/delivery/log';
import { pathOf } from '../../lib/http/node-io';
import { createC2CRecallEvent, createCallbackQuery, createRecallEvent } from '../../lib/testing/index';

const SDK_APP_ID = 1400000000;

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i));
/** The set of issue 28: ASCII controls and DEL, C1 (U+0085, U+009B), line separators, bidi overrides and isolates. */
const FORBIDDEN = [
  ...range(0x00, 0x1f),
  ...range(0x7f, 0x9f),
  '\u2028',
  '\u2029',
  ...range(0x202a, 0x202e),
  ...range(0x2066, 0x2069),
];
const FORBIDDEN_PATTERN = new RegExp(
  `[${FORBIDDEN.map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}]`,
);

/** Text a sender could send: any code point, with the forbidden ones often. */
const hostileText = fc.string({
  unit: fc.oneof(
    { arbitrary: fc.constantFrom(...FORBIDDEN), weight: 1 },
    { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 2 },
  ),
  minLength: 1,
  maxLength: 24,
});

function recordingLog(): { log: RecallLog; lines: string[] } {
  const lines: string[] = [];
  const at = (message: string) => void lines.push(message);
  return { log: { debug: at, info: at, warn: at, error: at }, lines };
}

function post(body: unknown, command?: string): Request {
  const query = createCallbackQuery(SDK_APP_ID, command ? { callbackCommand: command } : {});
  return new Request(`http://127.0.0.1/cb?${new URLSearchParams(query)}`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

it('the CLI and the log escape the same set, each character of it', () => {
  for (const character of FORBIDDEN) {
    expect(escapeControl(`a${character}b`)).not.toMatch(FORBIDDEN_PATTERN);
    expect(escapeControl(`a${character}b`)).toBe(cliEscape(`a${character}b`));
  }
  expect(escapeControl('g\u2028\u0085\u009b31m\u202e')).toBe('g\\u2028\\x85\\x9b31m\\u202e');
});

it('no log line holds a raw control, whatever the body fields and error messages', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        groupId: hostileText,
        topicId: hostileText,
        operator: hostileText,
        account: hostileText,
        msgKey: hostileText,
        fieldName: hostileText,
        handlerMessage: hostileText,
        onErrorMessage: hostileText,
      }),
      async (sent) => {
        const { log, lines } = recordingLog();
        const fail = () => {
          throw new Error(sent.handlerMessage);
        };
        const options = {
          sdkAppId: SDK_APP_ID,
          onRecall: fail,
          onC2CRecall: fail,
          onError: () => {
            throw new Error(sent.onErrorMessage);
          },
          log,
        };
        const answerAfter = createRecallHandler(options);
        const answerFirst = createRecallHandler({ ...options, respond: 'immediately' });
        const group = createRecallEvent({
          GroupId: sent.groupId,
          TopicId: sent.topicId,
          Operator_Account: sent.operator,
        });
        const c2c = createC2CRecallEvent({ From_Account: sent.account, To_Account: sent.account, MsgKey: sent.msgKey });
        expect((await answerAfter(post(group)))!.status).toBe(500);
        expect((await answerAfter(post(c2c, c2c.CallbackCommand)))!.status).toBe(500);
        expect((await answerFirst(post(group)))!.status).toBe(200);
        // Invalid bodies: the schema's message names the field, a name the sender chose.
        await answerAfter(post({ ...group, MsgSeqList: [{ [sent.fieldName]: sent.groupId }] }));
        await answerAfter(post({ ...group, GroupId: { [sent.fieldName]: 1 } }));
        await answerAfter(post({ ...c2c, [sent.fieldName]: sent.msgKey, MsgKey: 5 }, c2c.CallbackCommand));
        await settle();
        expect(lines.length).toBeGreaterThanOrEqual(7);
        for (const line of lines) expect(line).not.toMatch(FORBIDDEN_PATTERN);
      },
    ),
    { numRuns: 150 },
  );
});

it('the escaped characters still show in the line, as escapes', async () => {
  const { log, lines } = recordingLog();
  const handler = createRecallHandler({
    sdkAppId: SDK_APP_ID,
    onRecall: () => Promise.reject(new Error('down\u2028forged: ok\u0085')),
    log,
  });
  await handler(post(createRecallEvent({ GroupId: 'g\u009b31m\u202egnp.exe' })));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain('down\\u2028forged: ok\\x85');
  expect(lines[0]).toContain('group "g\\x9b31m\\u202egnp.exe"');
});

it("escapes a request's path in the lines, whatever the server handed over", () => {
  // Node's parsers refuse such a request line; a server of another make may not.
  expect(pathOf('/cb\u009b31m\u0085\u2028?Sign=x')).toBe('/cb\\x9b31m\\x85\\u2028');
});

it('escapes what the durable side reports too: the one writer of every line', () => {
  fc.assert(
    fc.property(hostileText, hostileText, (kind, message) => {
      const { log, lines } = recordingLog();
      const failures = createFailureLog(log);
      failures.report('error', kind, message);
      expect(lines).toHaveLength(1);
      expect(lines[0]).not.toMatch(FORBIDDEN_PATTERN);
    }),
  );
});
