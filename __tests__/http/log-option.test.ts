/** The `log` option: any logger whose debug, info, warn and error, where given, are functions. */
import { recallWebhook } from '../../lib/entries';
import { reconcileRecalls } from '../../lib/reconcile/reconcile';
import { SDK_APP_ID } from '../cases';

const onRecall = () => {};
const LOG_MESSAGE = '"log" must be an object whose debug, info, warn and error, where given, are functions';

describe('the log option', () => {
  it.each([
    ['a string', 'console'],
    ['null', null],
    ['a level that is not a function', { warn: 'loud', error: () => {} }],
  ])('is refused, naming what a log must be: %s', (_name, log) => {
    expect(() => recallWebhook({ sdkAppId: SDK_APP_ID, onRecall, log } as never)).toThrow(
      new TypeError(`recallWebhook: invalid options: ${LOG_MESSAGE}`),
    );
  });

  it('is refused by a reconciliation pass the same way', async () => {
    const client = { sdkAppId: SDK_APP_ID, call: async () => ({}) };
    await expect(
      reconcileRecalls({ client, since: Date.now(), groups: [], onRecall, log: { debug: 1 } } as never),
    ).rejects.toThrow(LOG_MESSAGE);
  });

  it('takes a logger with only some levels, the others left undefined', () => {
    expect(() =>
      recallWebhook({ sdkAppId: SDK_APP_ID, onRecall, log: { warn: undefined, error: () => {} } }),
    ).not.toThrow();
  });
});
