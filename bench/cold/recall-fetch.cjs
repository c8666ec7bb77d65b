// One cold start of a Fetch handler from an entry point (COLD_ENTRY: a CommonJS file is required,
// an ES module imported): import, create the handler, answer one signed recall.
const entry = process.env.COLD_ENTRY;
const loaded = entry.endsWith('.mjs')
  ? import(require('node:url').pathToFileURL(entry).href)
  : Promise.resolve(require(entry));

loaded.then(async ({ createRecallHandler }) => {
  const handler = createRecallHandler({
    sdkAppId: process.env.COLD_SDK_APP_ID,
    token: process.env.COLD_TOKEN,
    onRecall() {},
  });
  const request = new Request(`http://127.0.0.1${process.env.COLD_PATH}`, {
    method: 'POST',
    body: process.env.COLD_BODY,
  });
  const response = await handler(request);
  const answer = await response.text();
  if (response.status !== 200) throw new Error(`answered ${response.status} ${answer}`);
});
