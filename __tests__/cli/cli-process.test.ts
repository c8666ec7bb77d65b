/** The built `tencent-chat-recall-webhook` command, spawned as a user runs it, against a server on loopback. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createSignatureVerifier } from '../../lib/protocol/signature';
import { BUILT_CLI, requireBuild } from '../support/build';
import { closedPortUrl, startCallbackServer, type CallbackServer } from '../support/callback-server';

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

const execFileAsync = promisify(execFile);
// No proxy may take the loopback traffic elsewhere.
const env = { ...process.env, NO_PROXY: '*', no_proxy: '*' };

async function spawn(file: string, args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await execFileAsync(file, args, { env, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const cli = (...args: string[]): Promise<Outcome> => spawn(process.execPath, [BUILT_CLI, ...args]);

let server: CallbackServer;

beforeAll(requireBuild);
beforeEach(async () => {
  server = await startCallbackServer({ token: 'process-token' });
});
afterEach(() => server.close());

it('exits 0 and prints the exchange when the answer is OK', async () => {
  const { code, stdout, stderr } = await cli('send', server.callbackUrl, '--token', 'process-token', '--seq', '7,8');
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toMatch(/^> POST http:\/\/127\.0\.0\.1:\d+\/tencent-chat\/callback\?SdkAppid=1400000000&/);
  expect(stdout).toContain('< HTTP 200 OK\n< {"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}\n');
  expect(server.events.map((event) => event.messages.map((message) => message.msgSeq))).toEqual([[7, 8]]);
  expect(server.received[0].headers['content-type']).toBe('application/json');
});

it('exits 1 with the ErrorInfo when the answer is FAIL', async () => {
  const { code, stderr } = await cli('send', server.callbackUrl, '--token', 'not-the-token');
  expect({ code, stderr }).toEqual({
    code: 1,
    stderr: 'tencent-chat-recall-webhook: the answer is FAIL (HTTP 401): Sign does not match\n',
  });
});

it('exits 2 with the bound for a --timeout no timer can wait', async () => {
  const { code, stdout, stderr } = await cli('send', server.callbackUrl, '--timeout', String(2 ** 32));
  expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
  expect(stderr).toMatch(/^tencent-chat-recall-webhook: --timeout must be at most 2147483647 ms/);
  expect(server.received).toHaveLength(0);
});

it('exits 1 when nothing listens', async () => {
  const url = await closedPortUrl();
  const { code, stderr } = await cli('send', url);
  expect(code).toBe(1);
  expect(stderr).toMatch(/^tencent-chat-recall-webhook: cannot connect to 127\.0\.0\.1:\d+: connection refused/);
});

it('exits 2 on a bad flag, and 0 for help', async () => {
  const bad = await cli('send', server.callbackUrl, '--sdk-app-id', 'x');
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/^tencent-chat-recall-webhook: --sdk-app-id must be a positive integer\n/);
  const help = await cli('send', '--help');
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/^Usage: tencent-chat-recall-webhook send <url> \[options\]/);
  expect(server.received).toHaveLength(0);
});

it('prints with --dry-run a curl command that delivers the same signed callback', async () => {
  const dryRun = await cli('send', server.callbackUrl, '--dry-run', '--token', 'process-token', '--type', 'Public');
  expect(dryRun.code).toBe(0);
  expect(server.received).toHaveLength(0);

  const curl = await spawn('/bin/sh', ['-c', dryRun.stdout]);

  expect(curl).toMatchObject({ code: 0, stdout: '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}' });
  const [request] = server.received;
  expect(request.headers['content-type']).toBe('application/json');
  expect(() =>
    createSignatureVerifier({
      tokens: ['process-token'],
      toleranceSeconds: 60,
      now: Date.now,
    })(request.query.get('Sign')!, request.query.get('RequestTime')!),
  ).not.toThrow();
  expect(server.events).toHaveLength(1);
  expect(server.events[0].groupType).toBe('Public');
});

it('sends a one-to-one recall with --c2c, and its --dry-run curl delivers the same', async () => {
  const sent = await cli('send', server.callbackUrl, '--c2c', '--token', 'process-token', '--msg-key', 'k-1');
  expect({ code: sent.code, stderr: sent.stderr }).toEqual({ code: 0, stderr: '' });
  expect(sent.stdout).toContain('CallbackCommand=C2C.CallbackAfterMsgWithDraw');

  const dryRun = await cli('send', server.callbackUrl, '--c2c', '--dry-run', '--token', 'process-token', '--to', 'bob');
  expect(dryRun.code).toBe(0);
  const curl = await spawn('/bin/sh', ['-c', dryRun.stdout]);

  expect(curl).toMatchObject({ code: 0, stdout: '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}' });
  expect(server.c2cEvents.map((event) => [event.msgKey.startsWith('k-1'), event.toAccount])).toEqual([
    [true, 'user_bob'],
    [false, 'bob'],
  ]);
});
