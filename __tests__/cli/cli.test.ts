/** The simulator's logic, run in-process against a real server on loopback. */
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, run } from '../../lib/cli/index';
import { assertGroupRecallBody } from '../../lib/protocol/group-event';
import { createSignatureVerifier } from '../../lib/protocol/signature';
import { createC2CRecallEvent, createRecallEvent, DEMO_SDK_APP_ID } from '../../lib/testing/index';
import { closedPortUrl, startCallbackServer, type CallbackServer } from '../support/callback-server';

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(...argv: string[]): Promise<Outcome> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await run(argv, { stdout: (text) => stdout.push(text), stderr: (text) => stderr.push(text) });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

let server: CallbackServer;
let tempDir: string;

beforeAll(async () => {
  tempDir = await mkdtemp(join(tmpdir(), 'recall-cli-'));
});
afterAll(() => rm(tempDir, { recursive: true, force: true }));
beforeEach(async () => {
  server = await startCallbackServer({ token: 'cli-token' });
});
afterEach(() => server.close());

describe('send', () => {
  it('posts a signed Community recall the way Tencent does and exits 0 on OK', async () => {
    const before = Date.now();
    const { code, stdout, stderr } = await cli('send', server.callbackUrl, '--token', 'cli-token');

    expect({ code, stderr }).toEqual({ code: EXIT_OK, stderr: '' });
    expect(server.received).toHaveLength(1);
    const [request] = server.received;
    expect(request.headers['content-type']).toBe('application/json');
    expect([...request.query.keys()]).toEqual([
      'SdkAppid',
      'CallbackCommand',
      'contenttype',
      'ClientIP',
      'OptPlatform',
      'RequestTime',
      'Sign',
    ]);
    expect(request.query.get('SdkAppid')).toBe(String(DEMO_SDK_APP_ID));
    expect(request.query.get('CallbackCommand')).toBe('Group.CallbackAfterRecallMsg');
    expect(() =>
      createSignatureVerifier({
        tokens: ['cli-token'],
        toleranceSeconds: 60,
        now: Date.now,
      })(request.query.get('Sign')!, request.query.get('RequestTime')!),
    ).not.toThrow();

    const body = JSON.parse(request.body.toString('utf8'));
    expect(() => assertGroupRecallBody(body)).not.toThrow();
    expect(body).toMatchObject({ Type: 'Community', TopicId: `${body.GroupId}@TOPIC#_TestTopic` });
    expect(Number(body.EventTime)).toBeGreaterThanOrEqual(before);
    expect(server.events).toHaveLength(1);

    expect(stdout.split('\n')).toEqual([
      `> POST ${server.callbackUrl}?${request.query}`,
      `> ${request.body.toString('utf8')}`,
      '< HTTP 200 OK',
      '< {"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}',
    ]);
  });

  it('shapes the recall from the flags', async () => {
    const { code } = await cli(
      'send',
      server.callbackUrl,
      '--token=cli-token',
      '--type',
      'Public',
      '--group-id',
      '@TGS#2ABCDEFGH',
      '--seq',
      '130, 131,132',
      '--operator',
      'admin',
      '--platform',
      'RESTAPI',
    );

    expect(code).toBe(EXIT_OK);
    const [event] = server.events;
    expect(event).toMatchObject({
      sdkAppId: String(DEMO_SDK_APP_ID),
      groupType: 'Public',
      groupId: '@TGS#2ABCDEFGH',
      operatorAccount: 'admin',
      optPlatform: 'RESTAPI',
    });
    expect(event.topicId).toBeUndefined();
    expect(event.messages.map((message) => message.msgSeq)).toEqual([130, 131, 132]);
    expect(event.messages.every((message) => typeof message.msgId === 'string')).toBe(true);
  });

  it('sends a Community recall outside any topic with --topic-id ""', async () => {
    await cli('send', server.callbackUrl, '--token', 'cli-token', '--topic-id', '');
    expect(server.events[0]).toMatchObject({ groupType: 'Community' });
    expect(server.events[0].topicId).toBeUndefined();
  });

  it('takes a topic, and keeps the query already on the URL', async () => {
    await cli('send', `${server.callbackUrl}?tenant=blue`, '--token', 'cli-token', '--topic-id', 'topic-1');
    expect(server.events[0].topicId).toBe('topic-1');
    expect(server.received[0].query.get('tenant')).toBe('blue');
  });

  it('sends the bytes of --body as they are', async () => {
    const file = join(tempDir, 'recall.json');
    const text = JSON.stringify(createRecallEvent({ GroupId: 'from-file', EventTime: 1670574414123 }), null, 2) + '\n';
    await writeFile(file, text);

    const { code, stdout } = await cli('send', server.callbackUrl, '--token', 'cli-token', '--body', file);

    expect(code).toBe(EXIT_OK);
    expect(server.received[0].body.toString('utf8')).toBe(text);
    expect(server.received[0].headers['content-type']).toBe('application/json');
    expect(server.events[0]).toMatchObject({ groupId: 'from-file', eventTime: 1670574414123 });
    expect(stdout).toContain('>   "GroupId": "from-file",');
  });

  it('prints an equivalent curl command with --dry-run and sends nothing', async () => {
    const { code, stdout } = await cli('send', server.callbackUrl, '--dry-run', '--operator', "o'brien");

    expect(code).toBe(EXIT_OK);
    expect(server.received).toHaveLength(0);
    const match = /^curl -sS '([^']+)' -H 'Content-Type: application\/json' --data-raw '(.*)'$/.exec(stdout);
    expect(match).not.toBeNull();
    const [, url, quotedBody] = match!;
    expect(url).toBe(
      `${server.callbackUrl}?SdkAppid=${DEMO_SDK_APP_ID}&CallbackCommand=Group.CallbackAfterRecallMsg&contenttype=json&ClientIP=127.0.0.1&OptPlatform=Android`,
    );
    expect(JSON.parse(quotedBody.replace(/'\\''/g, "'"))).toMatchObject({ Operator_Account: "o'brien" });
  });

  it('passes a --body file to curl by name with --dry-run', async () => {
    const file = join(tempDir, 'dry.json');
    await writeFile(file, '{}');
    const { code, stdout } = await cli('send', server.callbackUrl, '--dry-run', '--body', file);
    expect(code).toBe(EXIT_OK);
    expect(stdout).toMatch(new RegExp(` --data-binary '@${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'$`));
  });

  it('replays a captured --body file under the recall command it names', async () => {
    const file = join(tempDir, 'official-account.json');
    const captured =
      '{"CallbackCommand":"OfficialAccount.CallbackAfterMsgWithDraw","Official_Account":"#TOA#_123","WithdrawMsgList":[{"MsgKey":"71_1_1698741698"}],"EventTime":1670574414123}';
    await writeFile(file, captured);
    const { code, stderr } = await cli('send', server.callbackUrl, '--token', 'cli-token', '--body', file);
    expect({ code, stderr }).toEqual({ code: EXIT_OK, stderr: '' });
    expect(server.received[0].query.get('CallbackCommand')).toBe('OfficialAccount.CallbackAfterMsgWithDraw');
    expect(server.officialAccountEvents).toEqual([expect.objectContaining({ officialAccount: '#TOA#_123' })]);
  });
});

describe('send --c2c', () => {
  it('posts a signed one-to-one recall shaped by the flags and exits 0 on OK', async () => {
    const { code, stderr } = await cli(
      'send',
      server.callbackUrl,
      '--c2c',
      '--token',
      'cli-token',
      '--from',
      'jared',
      '--to',
      'Jonh',
      '--msg-key',
      '48374_2837546_1557481126',
      '--platform',
      'RESTAPI',
    );

    expect({ code, stderr }).toEqual({ code: EXIT_OK, stderr: '' });
    const [request] = server.received;
    expect(request.query.get('CallbackCommand')).toBe('C2C.CallbackAfterMsgWithDraw');
    expect(request.headers['content-type']).toBe('application/json');
    expect(server.events).toHaveLength(0);
    expect(server.c2cEvents).toHaveLength(1);
    expect(server.c2cEvents[0]).toMatchObject({
      callbackCommand: 'C2C.CallbackAfterMsgWithDraw',
      sdkAppId: String(DEMO_SDK_APP_ID),
      fromAccount: 'jared',
      toAccount: 'Jonh',
      msgKey: '48374_2837546_1557481126',
      optPlatform: 'RESTAPI',
    });
  });

  it('sends the kit’s one-to-one defaults without flags', async () => {
    const before = Date.now();
    const { code } = await cli('send', server.callbackUrl, '--c2c', '--token', 'cli-token');

    expect(code).toBe(EXIT_OK);
    const body = JSON.parse(server.received[0].body.toString('utf8'));
    expect(Object.keys(body)).toEqual([
      'CallbackCommand',
      'From_Account',
      'To_Account',
      'MsgKey',
      'UnreadMsgNum',
      'EventTime',
    ]);
    expect(body.MsgKey).toMatch(/^\d+_\d+_\d+$/);
    expect(body.EventTime).toBeGreaterThanOrEqual(before);
    expect(server.c2cEvents[0]).toMatchObject({
      fromAccount: 'user_alice',
      toAccount: 'user_bob',
      msgKey: body.MsgKey,
    });
  });

  it('sends a --body file under the one-to-one command', async () => {
    const file = join(tempDir, 'c2c.json');
    await writeFile(file, JSON.stringify(createC2CRecallEvent({ MsgKey: 'from-file', Extra: 1 })));

    const { code } = await cli('send', server.callbackUrl, '--c2c', '--token', 'cli-token', '--body', file);

    expect(code).toBe(EXIT_OK);
    expect(server.c2cEvents[0].msgKey).toBe('from-file');
    expect(server.c2cEvents[0].raw).toMatchObject({ Extra: 1 });
  });

  it('prints an equivalent curl command with --dry-run and sends nothing', async () => {
    const { code, stdout } = await cli('send', server.callbackUrl, '--c2c', '--dry-run', '--from', "o'brien");

    expect(code).toBe(EXIT_OK);
    expect(server.received).toHaveLength(0);
    const match = /^curl -sS '([^']+)' -H 'Content-Type: application\/json' --data-raw '(.*)'$/.exec(stdout);
    expect(match).not.toBeNull();
    const [, url, quotedBody] = match!;
    expect(new URL(url).searchParams.get('CallbackCommand')).toBe('C2C.CallbackAfterMsgWithDraw');
    expect(JSON.parse(quotedBody.replace(/'\\''/g, "'"))).toMatchObject({
      CallbackCommand: 'C2C.CallbackAfterMsgWithDraw',
      From_Account: "o'brien",
      To_Account: 'user_bob',
    });
  });
});

describe('send reports why an answer is not a success, in one line, with exit 1', () => {
  it.each([
    ['a FAIL with its ErrorInfo', ['--token', 'wrong-token'], '', 'the answer is FAIL (HTTP 401): Sign does not match'],
    [
      'a FAIL for another app',
      ['--sdk-app-id', '1400000001'],
      '',
      'the answer is FAIL (HTTP 403): SdkAppid is not this app',
    ],
    ['a FAIL without ErrorInfo', [], '/answers/fail-bare', 'the answer is FAIL (HTTP 200): no ErrorInfo'],
    ['a non-JSON page', [], '/nowhere', 'the answer is not JSON (HTTP 404, text/html; charset=utf-8)'],
    ['a non-JSON answer without a type', [], '/answers/text', 'the answer is not JSON (HTTP 200)'],
    [
      'JSON without ActionStatus',
      [],
      '/answers/no-action-status',
      'the answer has no ActionStatus OK or FAIL (HTTP 200)',
    ],
    ['JSON null', [], '/answers/json-null', 'the answer has no ActionStatus OK or FAIL (HTTP 200)'],
    [
      'OK with a status other than 200',
      [],
      '/answers/ok-500',
      'HTTP 500: Tencent counts any status but 200 as a failure, even with ActionStatus OK',
    ],
    ['no answer in time', ['--timeout', '50'], '/answers/slow', 'no answer within 50 ms (Tencent waits 2000 ms)'],
    ['a connection closed without an answer', [], '/answers/hang-up', 'the request failed: other side closed'],
  ])('%s', async (_name, flags, path, reason) => {
    const url = path === '' ? server.callbackUrl : server.origin + path;
    const { code, stderr } = await cli('send', url, ...flags);
    expect({ code, stderr }).toEqual({ code: EXIT_FAILED, stderr: `tencent-chat-recall-webhook: ${reason}` });
    expect(server.received).toHaveLength(1);
    expect(server.events).toHaveLength(0);
  });

  it('waits for a slow answer with the longest --timeout a timer allows', async () => {
    const { code, stderr } = await cli('send', server.origin + '/answers/slow', '--timeout', String(2 ** 31 - 1));
    expect({ code, stderr }).toEqual({ code: EXIT_OK, stderr: '' });
  });

  it('a refused connection', async () => {
    const url = await closedPortUrl();
    const { code, stdout, stderr } = await cli('send', url);
    expect(code).toBe(EXIT_FAILED);
    expect(stderr).toBe(
      `tencent-chat-recall-webhook: cannot connect to ${new URL(url).host}: connection refused (is the server running?)`,
    );
    expect(stdout).toMatch(/^> POST /);
  });

  it('prints every line of the answer', async () => {
    const { stdout } = await cli('send', `${server.origin}/nowhere`);
    const answerLines = stdout.split('\n').filter((line) => line.startsWith('< '));
    expect(answerLines[0]).toBe('< HTTP 404 Not Found');
    expect(answerLines).toContain('< <pre>Cannot POST /nowhere</pre>');
  });

  /** Sends to a server that answers `answer` as it is, and closes it. */
  async function sendTo(answer: string): Promise<Outcome> {
    const answering = createServer((_request, response) => response.end(answer));
    answering.listen(0, '127.0.0.1');
    await once(answering, 'listening');
    try {
      return await cli('send', `http://127.0.0.1:${(answering.address() as AddressInfo).port}/`);
    } finally {
      answering.close();
    }
  }

  it('escapes the control characters of an answer, so that it cannot drive the terminal or forge a line', async () => {
    const { code, stdout, stderr } = await sendTo('{"ActionStatus":"FAIL"}\r\n\u001b[31mred\u202e');
    expect(code).toBe(EXIT_FAILED);
    expect(stdout.split('\n').filter((line) => line.startsWith('< '))).toEqual([
      '< HTTP 200 OK',
      '< {"ActionStatus":"FAIL"}\\r',
      '< \\x1b[31mred\\u202e',
    ]);
    expect(stderr).toBe('tencent-chat-recall-webhook: the answer is not JSON (HTTP 200)');
  });

  it('escapes the control characters of an ErrorInfo', async () => {
    const { stderr } = await sendTo('{"ActionStatus":"FAIL","ErrorInfo":"no\\n\\u001b[2Kforged","ErrorCode":1}');
    expect(stderr).toBe('tencent-chat-recall-webhook: the answer is FAIL (HTTP 200): no\\n\\x1b[2Kforged');
  });
});

describe('send --official-account', () => {
  it('posts a signed Official Account recall of every --msg-key and exits 0 on OK', async () => {
    const { code, stderr } = await cli(
      'send',
      server.callbackUrl,
      '--official-account',
      '#TOA#_123',
      '--token',
      'cli-token',
      '--msg-key',
      '71_1_1698741698',
      '--msg-key',
      '72_1_1698741699',
    );

    expect({ code, stderr }).toEqual({ code: EXIT_OK, stderr: '' });
    const [request] = server.received;
    expect(request.query.get('CallbackCommand')).toBe('OfficialAccount.CallbackAfterMsgWithDraw');
    expect(server.events).toHaveLength(0);
    expect(server.officialAccountEvents).toEqual([
      expect.objectContaining({
        callbackCommand: 'OfficialAccount.CallbackAfterMsgWithDraw',
        sdkAppId: String(DEMO_SDK_APP_ID),
        officialAccount: '#TOA#_123',
        messages: [{ msgKey: '71_1_1698741698' }, { msgKey: '72_1_1698741699' }],
      }),
    ]);
  });

  it('sends one new MsgKey in Tencent’s format without --msg-key', async () => {
    const { code } = await cli('send', server.callbackUrl, '--official-account', '#TOA#_9', '--token', 'cli-token');
    expect(code).toBe(EXIT_OK);
    const body = JSON.parse(server.received[0].body.toString('utf8'));
    expect(body).toMatchObject({
      CallbackCommand: 'OfficialAccount.CallbackAfterMsgWithDraw',
      Official_Account: '#TOA#_9',
    });
    expect(body.WithdrawMsgList).toEqual([{ MsgKey: expect.stringMatching(/^\d+_1_\d+$/) }]);
  });
});

describe('usage', () => {
  const SEND_FLAGS = [
    '--sdk-app-id',
    '--token',
    '--type',
    '--group-id',
    '--topic-id',
    '--seq',
    '--operator',
    '--c2c',
    '--from',
    '--to',
    '--msg-key',
    '--official-account',
    '--platform',
    '--body',
    '--timeout',
    '--dry-run',
    '--help',
  ];

  it.each([['--help'], ['-h']])('%s documents the commands and exits 0', async (flag) => {
    const { code, stdout, stderr } = await cli(flag);
    expect({ code, stderr }).toEqual({ code: EXIT_OK, stderr: '' });
    expect(stdout).toMatch(/^Usage: tencent-chat-recall-webhook <command>/);
    expect(stdout).toMatch(/^ {2}send <url> /m);
  });

  it('send --help documents exactly the flags send takes', async () => {
    const { code, stdout } = await cli('send', '--help');
    expect(code).toBe(EXIT_OK);
    const documented = [...stdout.matchAll(/^ {2}(?:-h, )?(--[a-z0-9-]+)/gm)].map((match) => match[1]);
    expect(documented.sort()).toEqual([...SEND_FLAGS].sort());
    expect(stdout).toContain(`default ${DEMO_SDK_APP_ID}`);
    for (const flag of SEND_FLAGS.filter((name) => !['--help', '--dry-run', '--c2c'].includes(name))) {
      const { stderr } = await cli('send', server.callbackUrl, flag);
      expect(stderr).toContain(`Option '${flag} <value>' argument missing`);
    }
  });

  it.each([
    [[], 'no command given'],
    [['trigger'], "unknown command 'trigger'"],
    [['send'], 'send needs the <url> to post to'],
    [['send', 'http://127.0.0.1:1/', 'http://127.0.0.1:2/'], "send takes one <url>, got also 'http://127.0.0.1:2/'"],
    [['send', 'ftp://127.0.0.1/callback'], '<url> must be an http or https URL'],
    [['send', 'not a url'], '<url> must be an http or https URL'],
    [['send', 'URL', '--bogus'], "Unknown option '--bogus'"],
    [['send', 'URL', '--dry-run=yes'], "Option '--dry-run' does not take an argument"],
    [['send', 'URL', '--sdk-app-id', 'abc'], '--sdk-app-id must be a positive integer'],
    [['send', 'URL', '--sdk-app-id', '0'], '--sdk-app-id must be a positive integer'],
    [['send', 'URL', '--seq', '130,,131'], '--seq must be a comma-separated list of non-negative integers'],
    [['send', 'URL', '--seq', '1.5'], '--seq must be a comma-separated list of non-negative integers'],
    [['send', 'URL', '--seq', '99999999999999999'], '--seq must be a comma-separated list of non-negative integers'],
    [['send', 'URL', '--seq', '-1'], "Option '--seq' argument is ambiguous"],
    [['send', 'URL', '--timeout', '0'], '--timeout must be greater than or equal to 1'],
    [['send', 'URL', '--timeout', 'soon'], '--timeout must be a number'],
    [['send', 'URL', '--timeout', '1.5'], '--timeout must be an integer'],
    [['send', 'URL', '--timeout', '2147483648'], '--timeout must be at most 2147483647 ms (about 24.8 days'],
    [['send', 'URL', '--timeout', '4294967296'], '--timeout must be at most 2147483647 ms'],
    [['send', 'URL', '--timeout', '1e10'], '--timeout must be at most 2147483647 ms'],
    [['send', 'URL', '--group-id', ''], '--group-id is not allowed to be empty'],
    [['send', 'URL', '--token', ''], '--token is not allowed to be empty'],
    [['send', 'URL', '--body', 'recall.json', '--seq', '1'], '--body cannot be combined with --seq'],
    [['send', 'URL', '--c2c', '--seq', '1'], '--seq shapes a group recall: it cannot be combined with --c2c'],
    [['send', 'URL', '--c2c', '--operator', 'a'], '--operator shapes a group recall: it cannot be combined with --c2c'],
    [['send', 'URL', '--from', 'a'], '--from shapes a one-to-one recall: add --c2c'],
    [
      ['send', 'URL', '--msg-key', 'k'],
      '--msg-key shapes a one-to-one or Official Account recall: add --c2c or --official-account',
    ],
    [
      ['send', 'URL', '--c2c', '--official-account', 'a'],
      '--c2c and --official-account pick different recalls: give one',
    ],
    [
      ['send', 'URL', '--official-account', 'a', '--from', 'b'],
      '--from shapes a one-to-one recall: it cannot be combined with --official-account',
    ],
    [
      ['send', 'URL', '--official-account', 'a', '--seq', '1'],
      '--seq shapes a group recall: it cannot be combined with --official-account',
    ],
    [['send', 'URL', '--c2c', '--msg-key', 'a', '--msg-key', 'b'], '--c2c takes one --msg-key'],
    [['send', 'URL', '--official-account', ''], '--official-account is not allowed to be empty'],
    [['send', 'URL', '--c2c', '--msg-key', ''], '--msg-key is not allowed to be empty'],
    [['send', 'URL', '--c2c', '--body', 'c2c.json', '--to', 'b'], '--body cannot be combined with --to'],
    [['send', 'URL', '--body', '/nonexistent/recall.json'], '--body: cannot read /nonexistent/recall.json: ENOENT'],
  ])('%j is a usage error, exit 2, nothing sent', async (argv, message) => {
    const { code, stdout, stderr } = await cli(...argv.map((arg) => (arg === 'URL' ? server.callbackUrl : arg)));
    expect(code).toBe(EXIT_USAGE);
    expect(stdout).toBe('');
    const [reason, hint, ...more] = stderr.split('\n');
    expect(more).toEqual([]);
    expect(reason).toContain(`tencent-chat-recall-webhook: ${message}`);
    expect(hint).toBe(
      "Run 'tencent-chat-recall-webhook --help' or 'tencent-chat-recall-webhook send --help' for usage.",
    );
    expect(server.received).toHaveLength(0);
  });

  it('lets errors that are not about usage propagate', async () => {
    const broken = new Error('stdout closed');
    await expect(
      run(['--help'], {
        stdout: () => {
          throw broken;
        },
        stderr: () => undefined,
      }),
    ).rejects.toBe(broken);
  });
});
