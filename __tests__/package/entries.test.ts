/** The Express-free entry points: their adapter and everything shared, the same objects as the root's. */
import * as root from '../../lib/entries';
import * as fetchEntry from '../../lib/entries/fetch';
import * as nodeEntry from '../../lib/entries/node';

const ADAPTERS = ['createRecallHandler', 'createRecallListener', 'recallWebhook'];

it.each([
  ['tencent-chat-recall-webhook/node', nodeEntry, 'createRecallListener'],
  ['tencent-chat-recall-webhook/fetch', fetchEntry, 'createRecallHandler'],
])('%s exports its adapter and the shared exports of the root, and no other adapter', (_name, entry, adapter) => {
  const shared = Object.keys(root).filter((name) => !ADAPTERS.includes(name));
  expect(Object.keys(entry).sort()).toEqual([...shared, adapter].sort());
  for (const name of [...shared, adapter]) {
    expect(entry[name as keyof typeof entry]).toBe(root[name as keyof typeof root]);
  }
});
