// Starts one worker, with a few demo messages in the archive to recall:
// `npx tsx examples/durable/start-worker.ts`.
import { SEED_DEMO_MESSAGES } from './archive.js';
import { shutDownOnSignal } from './shutdown.js';
import { startArchiveWorker } from './worker.js';

async function main(): Promise<void> {
  const { pool, close } = await startArchiveWorker({
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/app',
  });
  await pool.query(SEED_DEMO_MESSAGES);
  console.log('worker on the queue; demo messages are in the messages table');
  // Take no new jobs, let the active ones finish, then let go of the database.
  shutDownOnSignal([close]);
}

void main();
