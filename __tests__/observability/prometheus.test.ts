/**
 * The Prometheus recipe of docs/observability.md, run: OpenTelemetry's Prometheus exporter as the
 * meter's reader, scraped over loopback, with the metric names the document lists.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { instrumentRecallWebhook } from '../../lib/entries/opentelemetry';
import { jobChannel, traceReconcilePass, type JobTraceContext } from '../../lib/observability/channels';
import { body, query, queryString, SDK_APP_ID } from '../cases';
import { RUNTIMES } from '../support/runtimes';

it('exposes tencent_chat_*_total counters and the duration in seconds', async () => {
  // The recipe: the exporter's own server left off, its handler mounted on the application's.
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({
    readers: [exporter],
    // The exporter does not add the unit to the name: Prometheus wants seconds said.
    views: [{ instrumentName: 'tencent_chat.callback.duration', name: 'tencent_chat.callback.duration_seconds' }],
  });
  const instrumentation = instrumentRecallWebhook({ meterProvider });
  const metricsServer = createServer((req, res) => exporter.getMetricsRequestHandler(req, res));
  const receiver = await RUNTIMES[1].start({ sdkAppId: SDK_APP_ID, onRecall: () => {} });
  try {
    expect((await receiver.post(queryString(query()), body())).status).toBe(200);
    await traceReconcilePass({ sdkAppId: String(SDK_APP_ID) }, async (pass) => void (pass.recovered = 2));
    // A job that used up its attempts, as the worker reports it (the worker's own test runs one on Redis).
    const job: JobTraceContext = {
      command: 'Group.CallbackAfterRecallMsg',
      jobId: '1',
      queueName: 'recalls',
      attempt: 15,
    };
    await jobChannel
      .tracePromise(async () => {
        job.outcome = 'dead-letter';
        throw new Error('downstream down');
      }, job)
      .catch(() => {});

    metricsServer.listen(0, '127.0.0.1');
    await once(metricsServer, 'listening');
    const { port } = metricsServer.address() as AddressInfo;
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();

    expect(text).toMatch(
      /^tencent_chat_callbacks_total\{tencent_chat_callback_command="Group.CallbackAfterRecallMsg",tencent_chat_outcome="ok",http_response_status_code="200",.*\} 1$/m,
    );
    expect(text).toMatch(/^tencent_chat_callback_duration_seconds_bucket\{.*le="0.005"\} /m);
    expect(text).toMatch(/^tencent_chat_callback_duration_seconds_count\{.*\} 1$/m);
    expect(text).toMatch(/^tencent_chat_jobs_total\{.*tencent_chat_outcome="dead-letter".*\} 1$/m);
    expect(text).toMatch(/^tencent_chat_dead_letters_total\{.*messaging_destination_name="recalls".*\} 1$/m);
    expect(text).toMatch(/^tencent_chat_reconciled_recalls_total\{tencent_chat_sdk_app_id="1400000123".*\} 2$/m);
  } finally {
    instrumentation.disable();
    await receiver.close();
    metricsServer.close();
    await meterProvider.shutdown();
  }
});
