/**
 * Durable mode as the core sees it: when the answer goes out, what is added, and what happens when
 * the queue fails. The queue here is a recording stand-in at the edge the package does not own;
 * __tests__/bullmq*.test.ts run the same paths against BullMQ on real Redis and PostgreSQL.
 */
import {
  C2C_RECALL_COMMAND,
  createRecallHandler,
  dedupeKey,
  DEFAULT_JOB_OPTIONS,
  EnqueueTimeoutError,
  jobDeduplicationId,
  memoryStore,
  RECALL_COMMAND,
  type AnyRecallEvent,
  type ErrorContext,
  type RecallEvent,
  type RecallJobOptions,
  type RecallQueue,
  type RecallWebhookOptions,
} from '../../lib/entries';
import { toGroupRecallEvent } from '../../lib/protocol/group-event';
import { createCallbackQuery, createRecallEvent, signRequestTime } from '../../lib/testing/index';
import { SDK_APP_ID } from '../cases';

interface Added {
  name: string;
  data: AnyRecallEvent;
  options: RecallJobOptions | undefined;
}

/** A queue whose every add waits for `settle` to be called (or settles at once by default). */
function recordingQueue(behaviour: 'resolve' | 'reject' | 'throw' | 'never' | 'gated' = 'resolve') {
  const added: Added[] = [];
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const queue: RecallQueue = {
    add(name, data, options) {
      added.push({ name, data, options });
      switch (behaviour) {
        case 'resolve':
          return Promise.resolve({ id: String(added.length) });
        case 'reject':
          return Promise.reject(new Error('Connection is closed.'));
        case 'throw':
          throw new Error('queue closed');
        case 'never':
          return new Promise(() => {});
        case 'gated':
          return gate.then(() => ({ id: '1' }));
      }
    },
  };
  return { queue, added, open };
}

const C2C_BODY = {
  CallbackCommand: C2C_RECALL_COMMAND,
  From_Account: 'jared',
  To_Account: 'Jonh',
  MsgKey: '48374_2837546_1557481126',
  UnreadMsgNum: 7,
};

function post(body: object, query = createCallbackQuery(SDK_APP_ID)): Request {
  return new Request(`http://127.0.0.1/callback?${new URLSearchParams(query)}`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
}

function handlerWith(options: Partial<RecallWebhookOptions<Request>>) {
  const errors: Array<{ error: unknown; context: ErrorContext<Request> }> = [];
  const handler = createRecallHandler({
    sdkAppId: SDK_APP_ID,
    onError: (error, context) => errors.push({ error, context }),
    ...options,
  });
  return { handler, errors };
}

async function answer(response: Promise<Response | null>) {
  const settled = (await response)!;
  return { status: settled.status, body: (await settled.json()) as { ActionStatus: string; ErrorInfo: string } };
}

describe('durable mode (queue)', () => {
  it('adds one job named after the command, with the event as data, and answers OK once it is stored', async () => {
    const { queue, added, open } = recordingQueue('gated');
    const { handler } = handlerWith({ queue });
    const body = createRecallEvent();
    let answered = false;
    const response = handler(post(body)).then((settled) => {
      answered = true;
      return settled;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(added).toHaveLength(1);
    expect(answered).toBe(false);
    open();
    expect(await answer(response)).toEqual({ status: 200, body: expect.objectContaining({ ActionStatus: 'OK' }) });
    const [job] = added;
    expect(job.name).toBe(RECALL_COMMAND);
    expect(job.data).toMatchObject({ callbackCommand: RECALL_COMMAND, groupId: body.GroupId, raw: body });
    expect(JSON.parse(JSON.stringify(job.data))).toEqual(job.data);
    expect(job.options).toEqual({
      ...DEFAULT_JOB_OPTIONS,
      deduplication: { id: jobDeduplicationId(job.data), ttl: 24 * 60 * 60 * 1000 },
    });
  });

  it('queues one-to-one recalls too, with no inline handler for them', async () => {
    const { queue, added } = recordingQueue();
    const { handler } = handlerWith({ queue });
    const query = createCallbackQuery(SDK_APP_ID, { callbackCommand: C2C_RECALL_COMMAND });
    expect((await answer(handler(post(C2C_BODY, query)))).status).toBe(200);
    expect(added.map((job) => job.name)).toEqual([C2C_RECALL_COMMAND]);
    expect(added[0].data).toMatchObject({ msgKey: C2C_BODY.MsgKey, unreadMsgNum: 7, raw: C2C_BODY });
  });

  it('gives copies of one recall the same deduplication id, for the window set', async () => {
    const { queue, added } = recordingQueue();
    const { handler } = handlerWith({ queue, queueDeduplicationSeconds: 90 });
    const body = createRecallEvent();
    await answer(handler(post(body)));
    await answer(handler(post({ ...body, EventTime: Number(body.EventTime) })));
    await answer(handler(post(createRecallEvent({ GroupId: 'another-group' }))));
    const ids = added.map((job) => job.options?.deduplication);
    expect(ids[0]).toEqual(ids[1]);
    expect(ids[0]).toEqual({ id: expect.stringMatching(/^recall-[0-9a-f]{64}$/), ttl: 90_000 });
    expect(ids[2]!.id).not.toBe(ids[0]!.id);
  });

  it.each(['reject', 'throw'] as const)(
    'answers 503 FAIL and tells onError when the add fails (%s) and no handler can take the recall',
    async (behaviour) => {
      const { queue } = recordingQueue(behaviour);
      const { handler, errors } = handlerWith({ queue });
      const body = createRecallEvent();
      const { status, body: sent } = await answer(handler(post(body)));
      expect(status).toBe(503);
      expect(sent).toEqual({ ActionStatus: 'FAIL', ErrorInfo: 'the recall could not be queued', ErrorCode: 1 });
      expect(errors).toHaveLength(1);
      expect(errors[0].context.stage).toBe('enqueue');
      expect(errors[0].context.event).toMatchObject({ groupId: body.GroupId });
      expect((errors[0].error as Error).message).toMatch(/Connection is closed|queue closed/);
    },
  );

  it('answers FAIL before the deadline when the add never settles', async () => {
    const { queue, added } = recordingQueue('never');
    const { handler, errors } = handlerWith({ queue, timeoutMs: 300 });
    expect((await answer(handler(post(createRecallEvent())))).status).toBe(503);
    expect(added).toHaveLength(1);
    expect(errors.map(({ error, context }) => [context.stage, error instanceof EnqueueTimeoutError])).toEqual([
      ['enqueue', true],
    ]);
  });

  it.each(['reject', 'never'] as const)(
    'falls back to the inline handler when the add fails (%s), and answers as it does',
    async (behaviour) => {
      const { queue } = recordingQueue(behaviour);
      const recalls: RecallEvent[] = [];
      const { handler, errors } = handlerWith({ queue, timeoutMs: 300, onRecall: (event) => void recalls.push(event) });
      const body = createRecallEvent();
      expect((await answer(handler(post(body)))).status).toBe(200);
      expect(recalls).toMatchObject([{ groupId: body.GroupId }]);
      expect(errors.map(({ context }) => [context.stage, context.event.callbackCommand])).toEqual([
        ['enqueue', RECALL_COMMAND],
      ]);
    },
  );

  it('leaves the fallback time to fail before the answer when the add never settles', async () => {
    const { queue } = recordingQueue('never');
    const { handler, errors } = handlerWith({
      queue,
      timeoutMs: 400,
      onRecall: () => new Promise((_, reject) => setTimeout(reject, 20, new Error('archive down'))),
    });
    expect((await answer(handler(post(createRecallEvent())))).status).toBe(500);
    expect(errors.map(({ context }) => context.stage)).toEqual(['enqueue', 'callback']);
  });

  it('answers FAIL when the fallback handler fails too', async () => {
    const { queue } = recordingQueue('reject');
    const { handler, errors } = handlerWith({
      queue,
      onRecall: () => {
        throw new Error('archive down');
      },
    });
    expect((await answer(handler(post(createRecallEvent())))).status).toBe(500);
    expect(errors.map(({ context }) => context.stage)).toEqual(['enqueue', 'callback']);
  });

  it('adds no job for a request that fails a check', async () => {
    const { queue, added } = recordingQueue();
    const { handler } = signedHandler(queue);
    const now = Date.now();
    const statuses = [
      (await answer(handler(post(createRecallEvent(), createCallbackQuery(999))))).status,
      (await answer(handler(post(createRecallEvent())))).status,
      (await answer(handler(post(createRecallEvent(), createCallbackQuery(SDK_APP_ID, { token: 'wrong' }))))).status,
      (await answer(handler(post({ ...createRecallEvent(), MsgSeqList: [] }, signed(now))))).status,
      (await answer(handler(post({ ...C2C_BODY, MsgKey: '' }, signed(now, C2C_RECALL_COMMAND))))).status,
    ];
    expect(statuses).toEqual([403, 401, 401, 400, 400]);
    expect(added).toEqual([]);
    expect((await answer(handler(post(createRecallEvent(), signed(now))))).status).toBe(200);
    expect(added).toHaveLength(1);
  });

  it('with dedupe as well, adds the job even when a receiver that died had claimed the key', async () => {
    const { queue, added } = recordingQueue();
    const store = memoryStore();
    const { handler } = handlerWith({ queue, dedupe: { store } });
    const body = createRecallEvent();
    const event = toGroupRecallEvent(body, { sdkAppId: String(SDK_APP_ID) });
    // What a receiver killed after a claim and before its add would leave behind.
    await store.claim(dedupeKey(event), 60_000);
    expect((await answer(handler(post(body)))).status).toBe(200);
    expect(added).toHaveLength(1);
  });

  it('with dedupe as well, guards the inline fallback: copies run the handler once', async () => {
    const { queue, added } = recordingQueue('reject');
    const recalls: RecallEvent[] = [];
    const { handler } = handlerWith({
      queue,
      dedupe: { store: memoryStore() },
      onRecall: (event) => void recalls.push(event),
    });
    const body = createRecallEvent();
    expect((await answer(handler(post(body)))).status).toBe(200);
    expect((await answer(handler(post(body)))).status).toBe(200);
    expect(added).toHaveLength(2);
    expect(recalls).toHaveLength(1);
  });
});

const TOKEN = 'queue-mode-token';

function signed(now: number, callbackCommand: string = RECALL_COMMAND): Record<string, string> {
  const requestTime = Math.floor(now / 1000);
  return {
    ...createCallbackQuery(SDK_APP_ID, { callbackCommand }),
    RequestTime: String(requestTime),
    Sign: signRequestTime(TOKEN, requestTime),
  };
}

function signedHandler(queue: RecallQueue) {
  return handlerWith({ queue, token: TOKEN });
}
