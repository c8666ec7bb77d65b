/**
 * The framework entry points (`/fastify`, `/koa`, `/nestjs`): each exports its adapter and the
 * shared exports of the root, and loads only its own framework; the main entry loads none. The
 * loading is checked on the build, in a fresh Node.js process per entry.
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import * as root from '../../lib/entries';
import * as fastifyEntry from '../../lib/entries/fastify';
import * as koaEntry from '../../lib/entries/koa';
import * as nestjsEntry from '../../lib/entries/nestjs';
import { requireBuild } from '../support/build';

const ROOT_ADAPTERS = ['createRecallHandler', 'createRecallListener', 'recallWebhook'];
const DIST = resolve(__dirname, '..', '..', 'dist');

it.each([
  ['tencent-chat-recall-webhook/fastify', fastifyEntry, 'recallWebhook'],
  ['tencent-chat-recall-webhook/koa', koaEntry, 'recallWebhook'],
  ['tencent-chat-recall-webhook/nestjs', nestjsEntry, 'RecallWebhookModule'],
])('%s exports its adapter and the shared exports of the root', (_name, entry, adapter) => {
  const shared = Object.keys(root).filter((name) => !ROOT_ADAPTERS.includes(name));
  expect(Object.keys(entry).sort()).toEqual([...shared, adapter].sort());
  for (const name of shared) expect(entry[name as keyof typeof entry]).toBe(root[name as keyof typeof root]);
  expect(entry[adapter as keyof typeof entry]).not.toBe(root.recallWebhook);
});

/** The frameworks' packages a fresh process has loaded after requiring one built entry. */
function frameworksLoadedBy(file: string): string[] {
  const script = `
    require(${JSON.stringify(join(DIST, file))});
    const loaded = Object.keys(require.cache)
      .map((path) => /node_modules[\\\\/]((?:@nestjs[\\\\/])?[^\\\\/]+)/.exec(path)?.[1])
      .filter((name) => /^(fastify|koa|@nestjs)/.test(name ?? ''));
    process.stdout.write(JSON.stringify([...new Set(loaded)].sort()));
  `;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[];
}

describe('what each built entry loads', () => {
  beforeAll(() => requireBuild());

  it.each(['index.js', 'node.js', 'fetch.js', 'testing.js'])('%s loads no framework', (file) => {
    expect(frameworksLoadedBy(file)).toEqual([]);
  });

  // The Fastify and Koa adapters use only their framework's types: nothing of it is loaded.
  it.each(['fastify.js', 'koa.js'])('%s loads no framework package at all', (file) => {
    expect(frameworksLoadedBy(file)).toEqual([]);
  });

  it('nestjs.js loads NestJS and nothing of Fastify or Koa', () => {
    expect(frameworksLoadedBy('nestjs.js')).toEqual(['@nestjs/common', '@nestjs/core']);
  });
});
