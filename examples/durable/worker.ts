// A worker: takes recalls off the queue and mirrors them into the archive. Run as many as you
// like (start-worker.ts); a recall is retried (with backoff) until the archive takes it. In your
// app, import from 'tencent-chat-recall-webhook/bullmq'.
import type { Worker } from 'bullmq';
import { Pool } from 'pg';
import { createRecallWorker } from '../../lib/entries/bullmq.js';
import { CREATE_MESSAGES_TABLE, markC2CRecall, markGroupRecall } from './archive.js';
import { QUEUE_NAME } from './receiver.js';

/** How the worker's database sessions are named in pg_stat_activity. */
export const ARCHIVE_WORKER_APPLICATION = 'recall-archive-worker';

export interface ArchiveWorkerConfig {
  redisUrl: string;
  databaseUrl: string;
  concurrency?: number | undefined;
  log?: ((line: string) => void) | undefined;
}

export async function startArchiveWorker({
  redisUrl,
  databaseUrl,
  concurrency = 10,
  log = console.log,
}: ArchiveWorkerConfig): Promise<{ worker: Worker; pool: Pool; close(): Promise<void> }> {
  const pool = new Pool({ connectionString: databaseUrl, application_name: ARCHIVE_WORKER_APPLICATION });
  // An idle connection can be cut at any time (a database restart or failover); without a
  // listener, the pool's 'error' event would end the worker process. The pool reconnects on its
  // next query, and a job that failed meanwhile is retried.
  pool.on('error', (error) => log(`archive connection lost: ${error.message}`));
  await pool.query(CREATE_MESSAGES_TABLE);
  const worker = createRecallWorker(
    QUEUE_NAME,
    async (event) => {
      const marked = await markGroupRecall(pool, event);
      log(`group ${event.groupId}: ${marked} message(s) marked recalled`);
    },
    {
      // A worker waits for Redis as long as it takes: maxRetriesPerRequest must be null.
      connection: { url: redisUrl, maxRetriesPerRequest: null },
      concurrency,
      onC2CRecall: async (event) => {
        const marked = await markC2CRecall(pool, event);
        log(`one-to-one ${event.msgKey}: ${marked} message(s) marked recalled`);
      },
      onError: (error, { stage, job }) => log(`job ${job.id} failed (${stage}): ${error.message}`),
    },
  );
  return {
    worker,
    pool,
    // Graceful shutdown: take no new jobs, let the active ones finish, then let go of the database.
    async close() {
      await worker.close();
      await pool.end();
    },
  };
}
