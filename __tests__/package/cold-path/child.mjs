// Run in a fresh process by cold-path.test.ts, through one built entry point (either format):
// `body` sends a valid signed recall, then an invalid body; `options` creates the adapter with
// valid options, then with invalid ones. After each step it notes whether Joi is loaded: Joi is
// CommonJS, so require.cache has it whichever format loaded it.
import { createServer, request } from 'node:http';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [mode, entryPath, testingPath] = process.argv.slice(2);
const entry = await import(pathToFileURL(entryPath).href);
const { createCallbackQuery, createRecallEvent } = await import(pathToFileURL(testingPath).href);

const SDK_APP_ID = 1400000000;
const TOKEN = 'cold-path-token';
const options = { sdkAppId: SDK_APP_ID, token: TOKEN, onRecall() {} };
const loaded = () => Object.keys(createRequire(import.meta.url).cache);
const joiLoaded = () => loaded().some((path) => path.includes('/node_modules/joi/'));
const path = () => `/callback?${new URLSearchParams(createCallbackQuery(SDK_APP_ID, { token: TOKEN }))}`;

/** Sends one body through the entry's adapter: the Fetch handler, or the listener over loopback. */
async function send(body) {
  if (entry.createRecallHandler) {
    const response = await entry.createRecallHandler(options)(
      new Request(`http://127.0.0.1${path()}`, { method: 'POST', body }),
    );
    return { status: response.status, answer: await response.text() };
  }
  const server = createServer(entry.createRecallListener(options));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await new Promise((resolve, reject) => {
      const headers = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
      const { port } = server.address();
      const sent = request({ host: '127.0.0.1', port, method: 'POST', path: path(), headers, agent: false }, (res) => {
        let answer = '';
        res.setEncoding('utf8').on('data', (chunk) => (answer += chunk));
        res.on('end', () => resolve({ status: res.statusCode, answer }));
      });
      sent.on('error', reject).end(body);
    });
  } finally {
    server.close();
  }
}

if (mode === 'body') {
  const valid = await send(JSON.stringify(createRecallEvent()));
  const afterValid = { ...valid, joi: joiLoaded(), modules: loaded().length };
  const invalid = await send(JSON.stringify({ ...createRecallEvent(), GroupId: 42 }));
  process.stdout.write(JSON.stringify({ afterValid, afterInvalid: { ...invalid, joi: joiLoaded() } }));
} else {
  const factory = entry.createRecallHandler ?? entry.createRecallListener;
  factory({ ...options, limit: '1mb', timeoutMs: 1000, dedupe: { store: entry.memoryStore({ max: 10 }) } });
  const afterValid = { joi: joiLoaded() };
  let message;
  try {
    factory({ ...options, timeoutMs: 2000 });
  } catch (error) {
    message = error.message;
  }
  process.stdout.write(JSON.stringify({ afterValid, afterInvalid: { message, joi: joiLoaded() } }));
}
