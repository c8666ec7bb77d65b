// The app's message archive in PostgreSQL, and the one write a recall makes to it.
import type { Pool } from 'pg';
import type { AnyC2CRecallEvent, AnyGroupRecallEvent } from '../../lib/entries/index.js';

/** A message table as a chat app keeps one; `recalled_at` is what a recall sets. */
export const CREATE_MESSAGES_TABLE = `
CREATE TABLE IF NOT EXISTS messages (
  id          bigserial PRIMARY KEY,
  sdk_app_id  text NOT NULL,
  group_id    text,
  topic_id    text NOT NULL DEFAULT '', -- in a topic-enabled community, MsgSeq counts per topic
  msg_seq     bigint,
  msg_key     text,             -- a one-to-one message: unique within its conversation only
  from_account text,
  to_account  text,
  body        text NOT NULL,
  recalled_at timestamptz,
  recalled_by text,
  UNIQUE (sdk_app_id, group_id, topic_id, msg_seq),
  UNIQUE (sdk_app_id, from_account, to_account, msg_key)
)`;

/**
 * A few messages to recall while trying the example: what the simulator sends by default
 * (`send`: the demo community's topic, MsgSeq 100) and with the flags the example's README
 * gives (`--type Public --seq 7,8`, `--c2c --msg-key …`). Seeding twice adds nothing.
 */
export const SEED_DEMO_MESSAGES = `
INSERT INTO messages (sdk_app_id, group_id, topic_id, msg_seq, msg_key, from_account, to_account, body) VALUES
  ('1400000000', '@TGS#_@TGS#cQVLVHIM62CJ', '@TGS#_@TGS#cQVLVHIM62CJ@TOPIC#_TestTopic', 100, NULL, NULL, NULL, 'hello topic'),
  ('1400000000', '@TGS#2J4SZEAEL', '', 7, NULL, NULL, NULL, 'hi'),
  ('1400000000', '@TGS#2J4SZEAEL', '', 8, NULL, NULL, NULL, 'oops'),
  ('1400000000', NULL, '', NULL, '48374_2837546_1557481126', 'user_alice', 'user_bob', 'sorry')
ON CONFLICT DO NOTHING`;

/**
 * Marks the group recall's messages recalled. Idempotent: a second run of the same job (BullMQ
 * delivers at least once) finds the rows already marked and changes nothing, and the first
 * recall time is the one kept. A recall that reconciliation found has no recall time nor
 * operator: the row gets the time the worker learned of it, and no `recalled_by`.
 */
export async function markGroupRecall(pool: Pool, event: AnyGroupRecallEvent): Promise<number> {
  const { rowCount } = await pool.query(
    `UPDATE messages SET recalled_at = to_timestamp($4 / 1000.0), recalled_by = $5
      WHERE sdk_app_id = $1 AND group_id = $2 AND topic_id = $6 AND msg_seq = ANY($3::bigint[])
        AND recalled_at IS NULL`,
    [
      event.sdkAppId,
      event.groupId,
      event.messages.map((message) => message.msgSeq),
      event.eventTime ?? Date.now(),
      event.operatorAccount ?? null,
      event.topicId ?? '',
    ],
  );
  return rowCount ?? 0;
}

/**
 * Marks the one-to-one message recalled, found by its conversation and MsgKey (a MsgKey is unique
 * within a conversation only); idempotent in the same way.
 */
export async function markC2CRecall(pool: Pool, event: AnyC2CRecallEvent): Promise<number> {
  const { rowCount } = await pool.query(
    `UPDATE messages SET recalled_at = to_timestamp($5 / 1000.0), recalled_by = $2
      WHERE sdk_app_id = $1 AND from_account = $2 AND to_account = $3 AND msg_key = $4 AND recalled_at IS NULL`,
    [event.sdkAppId, event.fromAccount, event.toAccount, event.msgKey, event.eventTime ?? Date.now()],
  );
  return rowCount ?? 0;
}
