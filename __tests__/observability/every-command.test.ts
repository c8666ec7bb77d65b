/**
 * The callback channel, and so the OpenTelemetry spans and metrics built on it, labels each recall
 * with its own command: every command of the table, on every runtime.
 */
import type { CallbackTraceContext } from '../../lib/entries';
import { RECALL_COMMANDS } from '../../lib/protocol/commands';
import { callbackChannel } from '../../lib/observability/channels';
import { createCallbackQuery, RECALL_BODY_BUILDERS } from '../../lib/testing/index';
import { SDK_APP_ID } from '../cases';
import { recordChannel } from '../support/channels';
import { RUNTIMES } from '../support/runtimes';

describe.each(RUNTIMES.map((runtime) => [runtime.name, runtime] as const))(
  'every recall command on %s',
  (_name, runtime) => {
    it.each(RECALL_COMMANDS)(
      'traces a %s callback under its own command, handled by its own handler',
      async (command) => {
        const handled: string[] = [];
        const record = (event: { callbackCommand: string }) => void handled.push(event.callbackCommand);
        const recording = recordChannel<CallbackTraceContext>(callbackChannel);
        const receiver = await runtime.start({
          sdkAppId: SDK_APP_ID,
          onRecall: record,
          onC2CRecall: record,
          onOfficialAccountRecall: record,
        });
        try {
          const search = new URLSearchParams(createCallbackQuery(SDK_APP_ID, { callbackCommand: command })).toString();
          expect((await receiver.post(search, JSON.stringify(RECALL_BODY_BUILDERS[command]()))).status).toBe(200);
          const [trace] = recording.traces();
          expect(trace[0].context).toEqual({ command });
          expect(trace.at(-1)?.context).toMatchObject({ command, outcome: 'ok', status: 200 });
          expect(handled).toEqual([command]);
        } finally {
          recording.stop();
          await receiver.close();
        }
      },
    );
  },
);
