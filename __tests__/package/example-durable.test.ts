/** examples/durable: receiver → Redis queue → worker → a real PostgreSQL table of messages. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { markGroupRecall, SEED_DEMO_MESSAGES } from '../../examples/durable/archive';
import { CALLBACK_PATH, createReceiver } from '../../examples/durable/receiver';
import { ARCHIVE_WORKER_APPLICATION, startArchiveWorker } from '../../examples/durable/worker';
import { C2C_RECALL_COMMAND, type GroupRecallEvent } from '../../lib/entries';
import {
  createC2CRecallEvent,
  createCallbackQuery,
  createMsgSeqList,
  createRecallEvent,
  DEMO_SDK_APP_ID,
} from '../../lib/testing/index';
import { describeWithPostgres } from '../support/bullmq';
import { requireBuild } from '../support/build';
import { runBuiltCli } from '../support/cli';
import { waitFor } from '../support/deliveries';
import { TestPostgresServer } from '../support/postgres-server';
import { redisServerInstalled, TestRedisServer } from '../support/redis-server';

// Each suite starts real servers; on a loaded machine that can take longer than Jest's 5 s default.
jest.setTimeout(30_000);

const describeWithBoth = redisServerInstalled() ? describeWithPostgres : describe.skip;

describeWithBoth('examples/durable', () => {
  let redis: TestRedisServer;
  let postgres: TestPostgresServer;
  let pool: Pool;

  beforeAll(requireBuild);
  beforeAll(async () => {
    [redis, postgres] = await Promise.all([TestRedisServer.start(), TestPostgresServer.start()]);
    pool = new Pool({ connectionString: postgres.url });
  });
  afterAll(async () => {
    await pool.end();
    await Promise.all([redis.stop(), postgres.stop()]);
  });

  it('marks the recalled messages in the archive, once, however often the job runs', async () => {
    const logs: string[] = [];
    const archive = await startArchiveWorker({
      redisUrl: redis.url,
      databaseUrl: postgres.url,
      log: (line) => logs.push(line),
    });
    const { app, queue } = createReceiver({
      sdkAppId: DEMO_SDK_APP_ID,
      redisUrl: redis.url,
      log: (line) => logs.push(line),
    });
    const server: Server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      await pool.query(
        `INSERT INTO messages (sdk_app_id, group_id, msg_seq, body) VALUES ($1, '@TGS#2ARCHIVE', 7, 'hi'), ($1, '@TGS#2ARCHIVE', 8, 'oops'), ($1, '@TGS#2ARCHIVE', 9, 'kept')`,
        [String(DEMO_SDK_APP_ID)],
      );
      const body = createRecallEvent({
        Type: 'Public',
        GroupId: '@TGS#2ARCHIVE',
        MsgSeqList: createMsgSeqList([7, 8]),
      });
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${CALLBACK_PATH}`;
      const completed = once(archive.worker as never, 'completed');
      const response = await fetch(`${url}?${new URLSearchParams(createCallbackQuery(DEMO_SDK_APP_ID))}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
      const [job] = (await completed) as [{ data: GroupRecallEvent }];
      const rows = await pool.query('SELECT msg_seq, recalled_at FROM messages ORDER BY msg_seq');
      const recalledAt = rows.rows[0].recalled_at as Date;
      expect(rows.rows.map((row) => [Number(row.msg_seq), row.recalled_at !== null])).toEqual([
        [7, true],
        [8, true],
        [9, false],
      ]);
      expect(logs).toContain('group @TGS#2ARCHIVE: 2 message(s) marked recalled');

      // At-least-once: the same job run again changes nothing.
      expect(await markGroupRecall(pool, job.data)).toBe(0);
      const again = await pool.query('SELECT recalled_at FROM messages WHERE msg_seq = 7');
      expect(again.rows[0].recalled_at).toEqual(recalledAt);

      // The database cuts the worker's idle sessions (as a restart would): the worker lives on
      // and archives the next recall.
      const cut = await pool.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [ARCHIVE_WORKER_APPLICATION],
      );
      expect(cut.rowCount).toBeGreaterThan(0);
      await waitFor(() => logs.some((line) => line.startsWith('archive connection lost: ')));
      await pool.query(
        `INSERT INTO messages (sdk_app_id, msg_key, from_account, to_account, body)
         VALUES ($1, '31906_833502_1572869830', 'user_alice', 'user_bob', 'sorry'),
                ($1, '31906_833502_1572869830', 'user_alice', 'user_carol', 'same MsgKey, another conversation')`,
        [String(DEMO_SDK_APP_ID)],
      );
      const c2cCompleted = once(archive.worker as never, 'completed');
      const c2cResponse = await fetch(
        `${url}?${new URLSearchParams(createCallbackQuery(DEMO_SDK_APP_ID, { callbackCommand: C2C_RECALL_COMMAND }))}`,
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(createC2CRecallEvent({ MsgKey: '31906_833502_1572869830' })),
        },
      );
      expect(c2cResponse.status).toBe(200);
      await c2cCompleted;
      const c2cRows = await pool.query(
        `SELECT to_account, recalled_at IS NOT NULL AS recalled FROM messages
          WHERE msg_key = '31906_833502_1572869830' ORDER BY to_account`,
      );
      expect(c2cRows.rows).toEqual([
        { to_account: 'user_bob', recalled: true },
        { to_account: 'user_carol', recalled: false },
      ]);
    } finally {
      server.close();
      await queue.close();
      await archive.close();
    }
  });
  it("seeds the messages that the README's simulator commands recall", async () => {
    const archive = await startArchiveWorker({ redisUrl: redis.url, databaseUrl: postgres.url, log: () => undefined });
    const { app, queue } = createReceiver({ sdkAppId: DEMO_SDK_APP_ID, redisUrl: redis.url });
    const server: Server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      await pool.query('DELETE FROM messages');
      await pool.query(SEED_DEMO_MESSAGES);
      await pool.query(SEED_DEMO_MESSAGES); // seeding again adds nothing
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${CALLBACK_PATH}`;
      // As the example's README runs them: each a fresh process, with the simulator's defaults.
      for (const flags of [
        [],
        ['--type', 'Public', '--seq', '7,8'],
        ['--c2c', '--msg-key', '48374_2837546_1557481126'],
      ]) {
        expect(await runBuiltCli(['send', url, ...flags])).toMatchObject({ code: 0 });
      }
      const giveUpAt = Date.now() + 10_000;
      while ((await pool.query('SELECT 1 FROM messages WHERE recalled_at IS NULL')).rowCount! > 0) {
        if (Date.now() > giveUpAt) throw new Error('the seeded messages were not all marked recalled');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await pool.query('SELECT count(*)::int AS count FROM messages')).rows[0].count).toBe(4);
    } finally {
      server.close();
      await queue.close();
      await archive.close();
    }
  });

  it('shuts a worker down within its deadline on SIGTERM, even with Redis gone', async () => {
    const gone = await TestRedisServer.start();
    const worker = spawn(process.execPath, ['--import', 'tsx', 'examples/durable/start-worker.ts'], {
      env: { ...process.env, REDIS_URL: gone.url, DATABASE_URL: postgres.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    worker.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    worker.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitFor(() => output.includes('worker on the queue'), 20_000);
      await gone.kill();
      const exited = once(worker, 'exit');
      const signalledAt = Date.now();
      worker.kill('SIGTERM');
      const [code] = (await exited) as [number];
      expect({ code, output }).toEqual({ code: 1, output: expect.stringContaining('exiting anyway') });
      expect(Date.now() - signalledAt).toBeLessThan(20_000);
    } finally {
      worker.kill('SIGKILL');
      await gone.stop();
    }
  });
});
