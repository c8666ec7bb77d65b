/**
 * The cold path of every entry point loads no Joi: a valid recall and valid options are decided by
 * the plain checks; Joi is loaded only to explain an invalid body or invalid options. Each case is
 * a fresh Node process on the build users run (dist/), in both module formats.
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { requireBuild } from '../support/build';
import { SUBPATHS } from '../support/subpaths';

const ROOT = resolve(__dirname, '..', '..');
const CHILD = join(__dirname, 'cold-path', 'child.mjs');
const TESTING = join(ROOT, 'dist', 'testing.js');

// The entry points a serverless function loads: the main one, /node and /fetch. The framework
// entries run inside a framework's own start-up; the worker and the reconciler load Joi anyway.
const COLD_PATH_ENTRIES = ['index', 'node', 'fetch'];
const cases = COLD_PATH_ENTRIES.flatMap((name) => [`${name}.js`, `${name}.mjs`]);

function runChild(mode: 'body' | 'options', file: string) {
  const output = execFileSync(process.execPath, [CHILD, mode, join(ROOT, 'dist', file), TESTING], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, DEBUG: '' },
    timeout: 30_000,
  });
  return JSON.parse(output) as {
    afterValid: { status?: number; answer?: string; joi: boolean; modules?: number };
    afterInvalid: { status?: number; answer?: string; message?: string; joi: boolean };
  };
}

beforeAll(requireBuild);

it('names entry points that exist', () => {
  expect(SUBPATHS.map(({ name }) => name)).toEqual(expect.arrayContaining(COLD_PATH_ENTRIES));
});

it.each(cases)('dist/%s answers a valid recall without Joi and loads it to explain an invalid body', (file) => {
  const { afterValid, afterInvalid } = runChild('body', file);
  expect(afterValid).toMatchObject({ status: 200, joi: false });
  expect(JSON.parse(afterValid.answer as string)).toMatchObject({ ActionStatus: 'OK' });
  expect(afterInvalid).toMatchObject({ status: 400, joi: true });
  expect(JSON.parse(afterInvalid.answer as string)).toMatchObject({
    ActionStatus: 'FAIL',
    ErrorInfo: 'invalid body: GroupId must be a string',
  });
});

it.each(cases)('dist/%s takes valid options without Joi and loads it to explain invalid ones', (file) => {
  const { afterValid, afterInvalid } = runChild('options', file);
  expect(afterValid.joi).toBe(false);
  expect(afterInvalid.joi).toBe(true);
  expect(afterInvalid.message).toMatch(/invalid options: "timeoutMs" must be less than 2000$/);
});
