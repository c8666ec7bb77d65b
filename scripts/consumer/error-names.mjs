// Every exported error class, as the built package exports it, has its own name (the class's
// `name` and its instances'), from require() and from import; and a callback whose handler fails
// ends in an OpenTelemetry span whose `error.type` is that name. Run by check-consumer.mjs in a
// consumer that installed the tarball, @opentelemetry/api and @opentelemetry/sdk-trace-base, and
// by __tests__/package/error-names.test.ts on the build in the project itself.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const PACKAGE = 'tencent-chat-recall-webhook';
const SDK_APP_ID = 1400000000;
/** Entries whose peer this consumer does not install: their errors are the ones `.` exports. */
const FRAMEWORK_ENTRIES = new Set(['fastify', 'koa', 'nestjs']);

// The list check-consumer.mjs copies next to this file; the package's own test names lib/entries/subpaths.json.
const subpathsFile = process.argv[2] ?? new URL('./subpaths.json', import.meta.url);
const subpaths = JSON.parse(readFileSync(subpathsFile, 'utf8')).filter(({ name }) => !FRAMEWORK_ENTRIES.has(name));

function errorClassesOf(module) {
  return Object.entries(module).filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error);
}

const checked = new Set();
for (const { subpath } of subpaths) {
  const specifier = subpath === '.' ? PACKAGE : `${PACKAGE}${subpath.slice(1)}`;
  for (const [format, module] of [
    ['CommonJS', require(specifier)],
    ['ES module', await import(specifier)],
  ]) {
    for (const [exported, ErrorClass] of errorClassesOf(module)) {
      assert.equal(ErrorClass.name, exported, `${format} ${specifier}: the class ${exported} is named`);
      // Every constructor takes strings (or an unknown cause), then an optional details object.
      const error = new ErrorClass('x', 'y', 'z', {});
      assert.equal(error.name, exported, `${format} ${specifier}: new ${exported}().name`);
      assert.match(String(error), new RegExp(`^${exported}\\b`), `${format} ${specifier}: String(new ${exported}())`);
      checked.add(exported);
    }
  }
}
assert.ok(checked.has('SignatureVerificationError') && checked.has('CallbackFailedError'), 'error classes found');

// A failed handler: the callback's span carries the class name as error.type.
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { instrumentRecallWebhook } = await import(`${PACKAGE}/opentelemetry`);
const { createRecallHandler } = await import(PACKAGE);
const testing = await import(`${PACKAGE}/testing`);
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const instrumentation = instrumentRecallWebhook({ tracerProvider });
try {
  const handle = createRecallHandler({
    sdkAppId: SDK_APP_ID,
    onRecall: () => {
      throw new Error('the handler failed');
    },
    log: { error: () => {} },
  });
  const query = new URLSearchParams(testing.createCallbackQuery(SDK_APP_ID));
  const response = await handle(
    new Request(`http://127.0.0.1/callback?${query}`, {
      method: 'POST',
      body: JSON.stringify(testing.createRecallEvent()),
    }),
  );
  assert.equal(response.status, 500);
  const [span] = exporter.getFinishedSpans();
  assert.equal(span?.attributes['error.type'], 'CallbackFailedError', 'the failed callback span has error.type');
} finally {
  instrumentation.disable();
}
console.log(
  `error names: ${checked.size} error classes named in CommonJS and ES modules (${[...checked].sort().join(', ')}); a failed callback's span has error.type CallbackFailedError`,
);
