/** The CLI's reconcile command, in-process, against the fake Tencent Chat server (and a real Redis queue). */
import type { Job, Queue } from 'bullmq';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, run } from '../../lib/cli/index';
import { SECRET_KEY_VARIABLE } from '../../lib/cli/reconcile';
import { describeWithRedis, openQueue, startRedisBackend, uniqueQueueName, type Backend } from '../support/bullmq';
import { runWhereBullmqFails } from '../support/cli-without-bullmq';
import { freeLoopbackPort } from '../support/redis-server';
import { filledFakeApp, SDK_APP_ID, SECRET_KEY } from './scenario';

jest.setTimeout(60_000);

async function cli(...argv: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await run(argv, { stdout: (text) => stdout.push(text), stderr: (text) => stderr.push(text) });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

const filled = filledFakeApp();
afterEach(() => {
  delete process.env[SECRET_KEY_VARIABLE];
});

function flags(): string[] {
  const since = new Date(filled.scenario.since).toISOString();
  return ['--base-url', filled.app.fake.baseUrl, '--sdk-app-id', String(SDK_APP_ID), '--since', since];
}

describe('reconcile', () => {
  it('prints every recall found, topics given by TopicId, and the summary', async () => {
    process.env[SECRET_KEY_VARIABLE] = SECRET_KEY;
    const { code, stdout, stderr } = await cli(
      'reconcile',
      ...flags(),
      '--group',
      filled.scenario.busyGroup,
      '--group',
      '@TGS#_@TGS#community@TOPIC#_news',
      '--c2c',
      'alice:bob',
    );
    expect({ code, stderr }).toEqual({ code: EXIT_OK, stderr: '' });
    const lines = stdout.split('\n');
    expect(lines.filter((line) => line.startsWith('recalled: group @TGS#busy MsgSeq'))).toHaveLength(3);
    expect(lines).toContainEqual(
      expect.stringMatching(/^recalled: group @TGS#_@TGS#community topic @TGS#_@TGS#community@TOPIC#_news MsgSeq 2 /),
    );
    expect(lines.filter((line) => line.startsWith('recalled: one-to-one '))).toHaveLength(4);
    expect(lines.at(-1)).toMatch(/^8 recalls found \(4 group, 4 one-to-one\) .* read 2 groups and 1 one-to-one/);
  });

  it('exits 1 and names the group it could not read', async () => {
    process.env[SECRET_KEY_VARIABLE] = SECRET_KEY;
    filled.app.fake.injectFault({ command: 'openim/admin_getroammsg', errorCode: 70001, errorInfo: 'UserSig expired' });
    const { code, stderr } = await cli(
      'reconcile',
      ...flags(),
      '--group',
      filled.scenario.missingGroup,
      '--c2c',
      'alice:bob',
    );
    expect(code).toBe(EXIT_FAILED);
    expect(stderr).toMatch(/group @TGS#missing: history not read: .*ErrorCode 10010/);
    expect(stderr).toMatch(/one-to-one alice:bob: history not read: .*ErrorCode 70001: UserSig expired/);
  });

  it('exits 2 naming the variable when the secret key is not in the environment', async () => {
    const callsBefore = filled.app.fake.calls.length;
    const { code, stderr } = await cli('reconcile', ...flags(), '--group', filled.scenario.busyGroup);
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toContain(SECRET_KEY_VARIABLE);
    expect(filled.app.fake.calls.length).toBe(callsBefore);
  });

  it('reads --since in epoch milliseconds as the same time as its ISO date', async () => {
    process.env[SECRET_KEY_VARIABLE] = SECRET_KEY;
    const withFlags = (since: string) =>
      cli('reconcile', ...flags().slice(0, -1), since, '--group', filled.scenario.busyGroup);
    const iso = await withFlags(new Date(filled.scenario.since).toISOString());
    const epoch = await withFlags(String(filled.scenario.since));
    expect(String(filled.scenario.since)).toMatch(/^\d{13}$/);
    expect(epoch.code).toBe(EXIT_OK);
    // The same recalls and the same start; only "now", the end, moved on.
    const same = (stdout: string) => stdout.replace(/ to \S+Z; read/, ' to now; read').replace(/ in \d+ calls/, '');
    expect(same(epoch.stdout)).toBe(same(iso.stdout));
    expect(epoch.stdout).toContain(`messages sent ${new Date(filled.scenario.since - 120_000).toISOString()}`);
  });

  it.each([
    [['--since', '2h'], /--base-url/],
    [['--base-url', 'http://127.0.0.1:1', '--sdk-app-id', '1', '--since', 'soon', '--group', 'g'], /--since must be/],
    [['--base-url', 'http://127.0.0.1:1', '--sdk-app-id', '1', '--since', '2h'], /at least one --group or --c2c/],
    [['--base-url', 'http://127.0.0.1:1', '--sdk-app-id', '1', '--since', '2h', '--c2c', 'alice'], /ACCOUNT:PEER/],
    [['--base-url', 'http://127.0.0.1:1', '--sdk-app-id', '1', '--since', '2h', '--redis', 'redis://x'], /--queue/],
    [['--secret-key', 'k'], /--secret-key/],
    // A bare number is read one way only: 13 digits are epoch milliseconds, anything else needs a unit.
    [
      ['--base-url', 'http://127.0.0.1:1', '--sdk-app-id', '1', '--since', '12345', '--group', 'g'],
      /epoch milliseconds \(13 digits\)/,
    ],
    [
      [
        '--base-url',
        'http://127.0.0.1:1',
        '--sdk-app-id',
        '1',
        '--since',
        String(Date.now() + 3_600_000),
        '--group',
        'g',
      ],
      /--since .* is in the future/,
    ],
    [
      ['--base-url', 'http://127.0.0.1:1', '--sdk-app-id', '1', '--since', '2099-01-01T00:00:00Z', '--group', 'g'],
      /--since 2099-01-01T00:00:00.000Z is in the future/,
    ],
    [
      ['--base-url', 'http://127.0.0.1:1', '--sdk-app-id', '1', '--since', '2h', '--until', '3h', '--group', 'g'],
      /--until .* is before --since/,
    ],
    [['extra'], /no operands, got 'extra'/],
  ])('exits 2 on bad usage: %j', async (argv, message) => {
    process.env[SECRET_KEY_VARIABLE] = SECRET_KEY;
    const { code, stderr } = await cli('reconcile', ...argv);
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toMatch(message);
  });

  it('shows its help', async () => {
    const { code, stdout } = await cli('reconcile', '--help');
    expect(code).toBe(EXIT_OK);
    expect(stdout).toContain(SECRET_KEY_VARIABLE);
    expect(stdout).toContain('--c2c ACCOUNT:PEER');
    expect((await cli('--help')).stdout).toContain('reconcile');
  });
});

describe('reconcile --queue with the queue unreachable', () => {
  it('exits 1 and lists each recall it could not queue', async () => {
    process.env[SECRET_KEY_VARIABLE] = SECRET_KEY;
    const port = await freeLoopbackPort();
    const { code, stdout, stderr } = await cli(
      'reconcile',
      ...flags(),
      '--group',
      filled.scenario.busyGroup,
      '--queue',
      'q',
      '--redis',
      `redis://127.0.0.1:${port}`,
    );
    expect(code).toBe(EXIT_FAILED);
    expect(stdout.match(/\(failed\)/g)).toHaveLength(3);
    expect(stderr.split('\n')).toEqual(
      Array(3).fill(
        expect.stringMatching(
          /^tencent-chat-recall-webhook reconcile: group @TGS#busy: recall not delivered: the recall could not be queued: /,
        ),
      ),
    );
  });
});

describe('reconcile --queue without bullmq', () => {
  function runReconcileWhereBullmqFails(failure: Error) {
    process.env[SECRET_KEY_VARIABLE] = SECRET_KEY;
    return runWhereBullmqFails(failure, ['reconcile', ...flags(), '--group', 'g', '--queue', 'q']);
  }
  afterEach(() => jest.dontMock('bullmq'));

  it('exits 1 and says which packages to install', async () => {
    const notInstalled = Object.assign(new Error("Cannot find module 'bullmq'"), { code: 'MODULE_NOT_FOUND' });
    expect(await runReconcileWhereBullmqFails(notInstalled)).toEqual({
      code: EXIT_FAILED,
      lines: [
        'tencent-chat-recall-webhook reconcile: --queue needs the bullmq package, an optional peer dependency: npm install bullmq ioredis',
      ],
    });
  });

  it('lets any other failure to load bullmq through', async () => {
    const broken = new SyntaxError('Unexpected token in bullmq');
    await expect(runReconcileWhereBullmqFails(broken)).rejects.toBe(broken);
  });
});

describeWithRedis('reconcile --queue', () => {
  let backend: Backend;
  let queue: Queue;

  beforeAll(async () => {
    backend = await startRedisBackend();
  });
  afterAll(async () => {
    await queue?.close();
    await backend.stop();
  });

  it('adds each recall found to the queue, once over two runs', async () => {
    process.env[SECRET_KEY_VARIABLE] = SECRET_KEY;
    const name = uniqueQueueName();
    const argv = [
      'reconcile',
      ...flags(),
      '--group',
      filled.scenario.busyGroup,
      '--queue',
      name,
      ...backend.cliFlags(),
    ];
    const first = await cli(...argv);
    expect(first.code).toBe(EXIT_OK);
    expect(first.stdout.match(/\(queued\)/g)).toHaveLength(3);
    expect(first.stdout).toMatch(/3 handed on, 0 delivered before\.$/m);
    const second = await cli(...argv);
    expect(second.code).toBe(EXIT_OK);
    expect(second.stdout.match(/\(already queued\)/g)).toHaveLength(3);
    expect(second.stdout).not.toMatch(/\(queued\)/);
    expect(second.stdout).toMatch(/0 handed on, 3 delivered before\.$/m);
    queue = openQueue(backend, name);
    const jobs: Job[] = await queue.getJobs(['waiting']);
    expect(jobs.map((job) => job.data.messages[0].msgSeq).sort((a, b) => a - b)).toEqual([4, 28, 51]);
    expect(jobs.every((job) => job.data.source === 'reconciliation')).toBe(true);
  });
});
