/**
 * The build, as the package's own consumer check runs it (scripts/consumer/error-names.mjs): every
 * exported error class is named in CommonJS and ES modules, and a failed callback's span carries
 * the class name as error.type. The TypeScript sources always had the names; the build lost them.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { requireBuild } from '../support/build';

const ROOT = resolve(__dirname, '..', '..');

it('names every error class of the build and its span error.type', async () => {
  requireBuild();
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'scripts', 'consumer', 'error-names.mjs'), join(ROOT, 'lib', 'entries', 'subpaths.json')],
    { cwd: ROOT },
  );
  expect(stdout).toMatch(/SignatureVerificationError/);
  expect(stdout).toMatch(/error\.type CallbackFailedError/);
});
