// Format-neutral checks the CommonJS and ES module consumers share: each passes in the package
// as it loaded it, so this file itself never imports the package.
const assert = require('node:assert/strict');

/** The package's subpaths: check-consumer.mjs copies lib/entries/subpaths.json next to this file. */
/** Entries whose framework only their own consumers install (checkFrameworkAlone in check-consumer.mjs). */
const FRAMEWORK_ENTRIES = ['fastify', 'koa', 'nestjs'];
/** Every entry point but the framework ones, as a consumer names it. */
const SUBPATHS = require('./subpaths.json')
  .filter((entry) => !FRAMEWORK_ENTRIES.includes(entry.name))
  .map((entry) => ({
    ...entry,
    specifier:
      entry.subpath === '.' ? 'tencent-chat-recall-webhook' : `tencent-chat-recall-webhook${entry.subpath.slice(1)}`,
  }));
/** The one entry point that loads bullmq, an optional peer dependency. */
const BULLMQ_ENTRY = 'bullmq';

const SDK_APP_ID = 1400000000;
const TOKEN = 'consumer-check-token';
const OK = { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 };

const MAIN_EXPORTS = [
  'BodyTimeoutError',
  'C2C_RECALL_COMMAND',
  'CALLBACK_CHANNEL',
  'CallbackFailedError',
  'DEFAULT_JOB_OPTIONS',
  'DedupeStoreTimeoutError',
  'EnqueueBackloggedError',
  'EnqueueFailedError',
  'EnqueueTimeoutError',
  'GROUP_RECALL_COMMAND',
  'InvalidBodyError',
  'JOB_CHANNEL',
  'OFFICIAL_ACCOUNT_RECALL_COMMAND',
  'PayloadTooLargeError',
  'RECALL_COMMAND',
  'RECALL_COMMANDS',
  'RECONCILE_CHANNEL',
  'RecallWebhookError',
  'SdkAppIdMismatchError',
  'SignatureVerificationError',
  'TRACE_CONTEXT_FIELD',
  'UnsupportedEncodingError',
  'createCallbackSignatureCheck',
  'createReadinessCheck',
  'createRecallHandler',
  'createRecallListener',
  'dedupeKey',
  'jobDeduplicationId',
  'memoryStore',
  'recallWebhook',
  'redisStore',
  'signRequestTime',
];
const TESTING_EXPORTS = [
  'DEMO_SDK_APP_ID',
  'RECALL_BODY_BUILDERS',
  'createC2CRecallEvent',
  'createCallbackQuery',
  'createGroupRecallEvent',
  'createMsgSeqList',
  'createOfficialAccountRecallEvent',
  'createRecallEvent',
  'createWithdrawMsgList',
  'signRequestTime',
  'startFakeChatServer',
];
const RECONCILE_EXPORTS = [
  'ChatApiError',
  'ChatApiRequestError',
  'DEFAULT_CHAT_API_BASE_URL',
  'DEFAULT_MAX_PAGES_PER_CONVERSATION',
  'DEFAULT_MAX_RESPONSE_BYTES',
  'DEFAULT_RECALL_TIME_LIMIT_SECONDS',
  'HistoryPagingError',
  'PassStoppedError',
  'UnreadableHistoryError',
  'createChatApiClient',
  'listActiveGroups',
  'reconcileRecalls',
];

const BULLMQ_EXPORTS = [
  'DEFAULT_CLOSE_TIMEOUT_MS',
  'DEFAULT_MAX_CATCH_UP_MS',
  'UnhandledRecallJobError',
  'createRecallWorker',
  'describeFailedJobs',
  'retryFailedJobs',
  'startRecallReconciler',
];

const OPENTELEMETRY_EXPORTS = [
  'ATTRIBUTES',
  'CHECKPOINT_AGE_METRIC',
  'INSTRUMENTATION_NAME',
  'METRICS',
  'instrumentRecallWebhook',
  'instrumentReconcileCheckpoint',
];

function runtimeNames(module) {
  return Object.keys(module)
    .filter((name) => name !== 'default' && name !== '__esModule' && name !== 'module.exports')
    .sort();
}

function checkExports(lib, testing) {
  assert.deepEqual(runtimeNames(lib), MAIN_EXPORTS, 'main entry exports');
  assert.deepEqual(runtimeNames(testing), TESTING_EXPORTS, 'testing entry exports');
  assert.equal(lib.RECALL_COMMAND, 'Group.CallbackAfterRecallMsg');
  assert.equal(lib.C2C_RECALL_COMMAND, 'C2C.CallbackAfterMsgWithDraw');
  assert.equal(lib.GROUP_RECALL_COMMAND, lib.RECALL_COMMAND);
  assert.equal(lib.OFFICIAL_ACCOUNT_RECALL_COMMAND, 'OfficialAccount.CallbackAfterMsgWithDraw');
  assert.deepEqual(lib.RECALL_COMMANDS, [
    lib.GROUP_RECALL_COMMAND,
    lib.C2C_RECALL_COMMAND,
    lib.OFFICIAL_ACCOUNT_RECALL_COMMAND,
  ]);
  assert.equal(testing.createRecallEvent, testing.createGroupRecallEvent);
  assert.ok(new lib.SignatureVerificationError('x') instanceof lib.RecallWebhookError);
  assert.equal(testing.signRequestTime('t', 1), lib.signRequestTime('t', 1));
}

/**
 * The `/bullmq` entry as loaded: its exports, and createRecallWorker checking its arguments before
 * it opens any connection (running a worker needs a Redis, which the package's own tests start).
 */
function checkBullmqExports(bullmq) {
  assert.deepEqual(runtimeNames(bullmq), BULLMQ_EXPORTS, 'bullmq entry exports');
  assert.throws(() => bullmq.createRecallWorker('tencent-chat-recalls', undefined, { connection: {} }), {
    name: 'TypeError',
    message:
      'createRecallWorker: give onRecall, the onC2CRecall option, the onOfficialAccountRecall option, or more than one',
  });
  const unhandled = new bullmq.UnhandledRecallJobError('toString', 'not a recall');
  assert.equal(unhandled.name, 'UnhandledRecallJobError');
  assert.equal(unhandled.jobName, 'toString');
}

/** The `/opentelemetry` entry as loaded: its exports, and instrumenting without an SDK (the API's no-ops). */
function checkOpenTelemetryExports(opentelemetry) {
  assert.deepEqual(runtimeNames(opentelemetry), OPENTELEMETRY_EXPORTS, 'opentelemetry entry exports');
  assert.equal(opentelemetry.METRICS.callbacks, 'tencent_chat.callbacks');
  opentelemetry.instrumentRecallWebhook().disable();
}

/** One real request through a tiny Express app on 127.0.0.1, then a GET it must pass on. */
async function checkExpress(express, lib, testing) {
  const recalls = [];
  const app = express();
  app.use('/callback', lib.recallWebhook({ sdkAppId: SDK_APP_ID, token: TOKEN, onRecall: (e) => recalls.push(e) }));
  app.get('/callback', (req, res) => res.json({ passedOn: true }));
  const server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  try {
    const url = `http://127.0.0.1:${server.address().port}/callback`;
    const query = new URLSearchParams(testing.createCallbackQuery(SDK_APP_ID, { token: TOKEN }));
    const wire = testing.createRecallEvent({ GroupId: '@TGS#consumer' });
    const response = await fetch(`${url}?${query}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(wire),
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), OK);
    assert.equal(recalls.length, 1);
    assert.equal(recalls[0].groupId, '@TGS#consumer');
    assert.deepEqual(await (await fetch(url)).json(), { passedOn: true });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function checkFetchHandler(lib, testing) {
  const recalls = [];
  const c2cRecalls = [];
  const officialAccountRecalls = [];
  const handle = lib.createRecallHandler({
    sdkAppId: SDK_APP_ID,
    onRecall: (e) => recalls.push(e),
    onC2CRecall: (e) => c2cRecalls.push(e),
    onOfficialAccountRecall: (e) => officialAccountRecalls.push(e),
  });
  const query = new URLSearchParams(testing.createCallbackQuery(SDK_APP_ID));
  const url = `http://127.0.0.1/callback?${query}`;
  const response = await handle(
    new Request(url, { method: 'POST', body: JSON.stringify(testing.createRecallEvent()) }),
  );
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), OK);
  assert.equal(recalls.length, 1);
  assert.equal(await handle(new Request(url)), null);

  const c2cQuery = new URLSearchParams(
    testing.createCallbackQuery(SDK_APP_ID, { callbackCommand: lib.C2C_RECALL_COMMAND }),
  );
  const wire = testing.createC2CRecallEvent({ MsgKey: '48374_2837546_1557481126' });
  const c2cResponse = await handle(
    new Request(`http://127.0.0.1/callback?${c2cQuery}`, { method: 'POST', body: JSON.stringify(wire) }),
  );
  assert.deepEqual(await c2cResponse.json(), OK);
  assert.deepEqual(
    c2cRecalls.map((e) => [e.callbackCommand, e.msgKey]),
    [[lib.C2C_RECALL_COMMAND, '48374_2837546_1557481126']],
  );

  const officialAccountQuery = new URLSearchParams(
    testing.createCallbackQuery(SDK_APP_ID, { callbackCommand: lib.OFFICIAL_ACCOUNT_RECALL_COMMAND }),
  );
  const officialAccountWire = testing.createOfficialAccountRecallEvent({ Official_Account: '#TOA#_123' });
  const officialAccountResponse = await handle(
    new Request(`http://127.0.0.1/callback?${officialAccountQuery}`, {
      method: 'POST',
      body: JSON.stringify(officialAccountWire),
    }),
  );
  assert.deepEqual(await officialAccountResponse.json(), OK);
  assert.deepEqual(
    officialAccountRecalls.map((e) => [e.callbackCommand, e.officialAccount, e.messages]),
    [[lib.OFFICIAL_ACCOUNT_RECALL_COMMAND, '#TOA#_123', [{ msgKey: officialAccountWire.WithdrawMsgList[0].MsgKey }]]],
  );
}

/**
 * The `/reconcile` entry as loaded: its exports, and its client (signing with tls-sig-api-v2 as
 * installed) reading history from the testing kit's fake Chat server, which checks the UserSig.
 */
async function checkReconcile(reconcile, testing) {
  assert.deepEqual(runtimeNames(reconcile), RECONCILE_EXPORTS, 'reconcile entry exports');
  const fake = await testing.startFakeChatServer({ sdkAppId: SDK_APP_ID, secretKey: 'consumer-key' });
  try {
    const groupId = fake.createGroup();
    fake.sendGroupMessage({ groupId, from: 'user_a' });
    const client = reconcile.createChatApiClient({
      sdkAppId: SDK_APP_ID,
      secretKey: 'consumer-key',
      baseUrl: fake.baseUrl,
    });
    const history = await client.call('group_open_http_svc/group_msg_get_simple', {
      GroupId: groupId,
      ReqMsgNumber: 20,
    });
    assert.deepEqual(
      history.RspMsgList.map((message) => message.MsgSeq),
      [1],
    );
    const stranger = reconcile.createChatApiClient({
      sdkAppId: SDK_APP_ID,
      secretKey: 'other-key',
      baseUrl: fake.baseUrl,
    });
    await assert.rejects(stranger.call('group_open_http_svc/get_group_info', { GroupIdList: [groupId] }), (error) => {
      assert.ok(error instanceof reconcile.ChatApiError);
      assert.equal(error.code, 70009);
      return true;
    });
  } finally {
    await fake.close();
  }
}

module.exports = {
  BULLMQ_ENTRY,
  SUBPATHS,
  checkBullmqExports,
  checkExports,
  checkExpress,
  checkFetchHandler,
  checkReconcile,
  checkOpenTelemetryExports,
};
