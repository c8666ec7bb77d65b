import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import express from 'express';
import * as lib from 'tencent-chat-recall-webhook';
import * as testing from 'tencent-chat-recall-webhook/testing';
import * as bullmq from 'tencent-chat-recall-webhook/bullmq';
import * as reconcile from 'tencent-chat-recall-webhook/reconcile';
import shared from './exercise.cjs';

const require = createRequire(import.meta.url);

assert.match(import.meta.resolve('tencent-chat-recall-webhook'), /dist\/index\.mjs$/);
assert.match(import.meta.resolve('tencent-chat-recall-webhook/testing'), /dist\/testing\.mjs$/);
assert.match(import.meta.resolve('tencent-chat-recall-webhook/bullmq'), /dist\/bullmq\.mjs$/);
// The two builds must export the same names.
assert.deepEqual(Object.keys(lib).sort(), Object.keys(require('tencent-chat-recall-webhook')).sort());
assert.deepEqual(Object.keys(testing).sort(), Object.keys(require('tencent-chat-recall-webhook/testing')).sort());
assert.deepEqual(Object.keys(bullmq).sort(), Object.keys(require('tencent-chat-recall-webhook/bullmq')).sort());
assert.deepEqual(Object.keys(reconcile).sort(), Object.keys(require('tencent-chat-recall-webhook/reconcile')).sort());
shared.checkExports(lib, testing);
shared.checkBullmqExports(bullmq);
await shared.checkExpress(express, lib, testing);
await shared.checkFetchHandler(lib, testing);
await shared.checkReconcile(reconcile, testing);
console.log('import: main, testing, bullmq and reconcile entries, Express app, Fetch handler, fake Chat server');
