// A chaos-test worker: the built package's createRecallWorker. Its handler fails the first
// attempt of a fixed share of recalls, and records every recall it processed in its own file,
// fsynced, before it returns, so that a record survives the SIGKILL that recalls.chaos.ts sends.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRecallWorker } from 'tencent-chat-recall-webhook/bullmq';

const { REDIS_URL, QUEUE_NAME, RECORD_FILE, FAIL_FIRST_SHARE, HANDLER_MS } = process.env;
const failFirstShare = Number(FAIL_FIRST_SHARE);

const records = openSync(RECORD_FILE, 'a');

function record(entry) {
  writeSync(records, JSON.stringify(entry) + '\n');
  fsyncSync(records);
}

/** What identifies the recall in the records: the test maps it to the recall it sent. */
function recallOf(event) {
  return event.callbackCommand === 'C2C.CallbackAfterMsgWithDraw'
    ? { msgKey: event.msgKey }
    : { groupId: event.groupId, msgSeqs: event.messages.map((message) => message.msgSeq) };
}

/** The same recalls fail their first attempt whichever worker takes them. */
function failsFirstAttempt(recall) {
  return createHash('sha256').update(JSON.stringify(recall)).digest().readUInt32BE(0) / 2 ** 32 < failFirstShare;
}

async function processRecall(event, job) {
  const recall = recallOf(event);
  // The archive write a real handler would make.
  await sleep(Number(HANDLER_MS));
  if (job.attemptsMade === 0 && failsFirstAttempt(recall)) {
    record({ failedAttempt: recall, job: job.id });
    throw new Error('the archive is briefly unavailable (first attempt fails on purpose)');
  }
  // stalledCounter: how many times the job lost its worker (killed mid-job) before this run.
  record({ processed: recall, job: job.id, attemptsMade: job.attemptsMade, stalledCounter: job.stalledCounter });
}

const worker = createRecallWorker(QUEUE_NAME, processRecall, {
  // A worker waits for Redis as long as it takes, through the restart.
  connection: { url: REDIS_URL, maxRetriesPerRequest: null },
  concurrency: 8,
  onC2CRecall: processRecall,
  // The jobs of a killed worker come back after a few seconds rather than 30; a job may lose its
  // worker many times without being moved to the failed set.
  lockDuration: 3000,
  stalledInterval: 1000,
  maxStalledCount: 1000,
});

await worker.waitUntilReady();
process.send({ ready: true });
process.once('disconnect', () => {
  closeSync(records);
  process.exit(0);
});
