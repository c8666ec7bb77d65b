import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import express from 'express';
import * as lib from 'tencent-chat-recall-webhook';
import * as testing from 'tencent-chat-recall-webhook/testing';
import * as bullmq from 'tencent-chat-recall-webhook/bullmq';
import * as reconcile from 'tencent-chat-recall-webhook/reconcile';
import * as opentelemetry from 'tencent-chat-recall-webhook/opentelemetry';
import shared from './exercise.cjs';

const require = createRequire(import.meta.url);

for (const { specifier, name } of shared.SUBPATHS) {
  assert.match(import.meta.resolve(specifier), new RegExp(`dist/${name}\\.mjs$`), specifier);
  // The two builds export the same names, and the very same values: one copy of the package.
  const imported = await import(specifier);
  const required = require(specifier);
  assert.deepEqual(Object.keys(imported).sort(), Object.keys(required).sort(), specifier);
  for (const name of Object.keys(required)) assert.equal(imported[name], required[name], `${specifier} ${name}`);
}
shared.checkExports(lib, testing);
shared.checkBullmqExports(bullmq);
shared.checkOpenTelemetryExports(opentelemetry);
await shared.checkExpress(express, lib, testing);
await shared.checkFetchHandler(lib, testing);
await shared.checkReconcile(reconcile, testing);
console.log(
  `import: ${shared.SUBPATHS.length} entry points, the same exports as require(), one copy; Express app, Fetch handler, fake Chat server`,
);
