// Runs in a project laid out as `nest new` lays it out, whose src/app.module.ts is the README's
// NestJS recipe unchanged: starts the built app (`node dist/main.js`, as `npm run start:prod`) and
// sends it what Tencent sends, signed with the token the recipe reads from the environment.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const { connect, createServer } = require('node:net');
const { C2C_RECALL_COMMAND } = require('tencent-chat-recall-webhook');
const { createC2CRecallEvent, createCallbackQuery, createRecallEvent } = require('tencent-chat-recall-webhook/testing');

const TOKEN = 'nest-new-callback-token';
const SDK_APP_ID = 1400000000;
const PATH = '/tencent-chat/callback';
const OK = { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 };
const [platform] = process.argv.slice(2);

const json = { 'Content-Type': 'application/json' };
const signed = (options = {}) => new URLSearchParams(createCallbackQuery(SDK_APP_ID, { token: TOKEN, ...options }));

/** [what, path and query, headers, body, status, answer (or only its ActionStatus)] */
const REQUESTS = [
  ['a group recall', `${PATH}?${signed()}`, json, createRecallEvent({ GroupId: 'g-nest-new' }), 200, OK],
  [
    'a one-to-one recall, which the recipe has no handler for: onOtherCommand answers',
    `${PATH}?${signed({ callbackCommand: C2C_RECALL_COMMAND })}`,
    json,
    createC2CRecallEvent(),
    200,
    OK,
  ],
  [
    'another command sent as text/plain: onOtherCommand answers',
    `${PATH}?${signed({ callbackCommand: 'Group.CallbackAfterSendMsg' })}`,
    { 'Content-Type': 'text/plain' },
    { CallbackCommand: 'Group.CallbackAfterSendMsg', GroupId: 'g-nest-new' },
    200,
    OK,
  ],
  [
    'a Sign made with another token',
    `${PATH}?${new URLSearchParams(createCallbackQuery(SDK_APP_ID, { token: 'another token' }))}`,
    json,
    createRecallEvent(),
    401,
    'FAIL',
  ],
  [
    'another app',
    `${PATH}?${signed()}`.replace(`SdkAppid=${SDK_APP_ID}`, 'SdkAppid=1400000999'),
    json,
    createRecallEvent(),
    403,
    'FAIL',
  ],
  [
    'a body over the limit',
    `${PATH}?${signed()}`,
    { 'Content-Type': 'text/plain' },
    createRecallEvent({ Padding: 'x'.repeat(200 * 1024) }),
    413,
    'FAIL',
  ],
  [
    "a recall's query below the path: not the module's",
    `${PATH}/sub?${signed()}`,
    json,
    createRecallEvent({ GroupId: 'g-below' }),
    404,
    undefined,
  ],
];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function listening(port, app) {
  for (let tries = 0; tries < 200; tries++) {
    if (app.exitCode !== null) throw new Error(`the app exited ${app.exitCode} before listening`);
    const up = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket.end() && true)).on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the app did not listen within 20 s');
}

async function main() {
  const port = await freePort();
  const app = spawn(process.execPath, ['dist/main.js'], {
    env: { ...process.env, PORT: String(port), TENCENT_CALLBACK_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  app.stdout.on('data', (chunk) => (output += chunk));
  app.stderr.on('data', (chunk) => (output += chunk));
  try {
    await listening(port, app);
    for (const [what, url, headers, body, status, expected] of REQUESTS) {
      const reply = await fetch(`http://127.0.0.1:${port}${url}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
      const text = await reply.text();
      assert.equal(reply.status, status, `${what}: ${text}`);
      if (typeof expected === 'string') assert.equal(JSON.parse(text).ActionStatus, expected, what);
      else if (expected) assert.deepEqual(JSON.parse(text), expected, what);
    }
    const health = await fetch(`http://127.0.0.1:${port}${PATH}`);
    assert.equal(health.status, 404, 'a GET at the path is left to the app, which has no route there');
    assert.match(output, /recalled in g-nest-new/);
    assert.doesNotMatch(output, /recalled in g-below/);
  } catch (error) {
    console.error(output);
    throw error;
  } finally {
    app.kill();
  }
  console.log(`NestJS on ${platform}: ${REQUESTS.length + 1} requests answered as expected`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
