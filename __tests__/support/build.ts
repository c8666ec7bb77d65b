/** The build that tests spawning the package's own files need (`npm test` builds first). */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };

/** The built CLI, as the package's `bin` names it. */
export const BUILT_CLI = join(ROOT, packageJson.bin['tencent-chat-recall-webhook']);

/** Fails with what to do when the build is missing or older than the sources. */
export function requireBuild(): void {
  let builtAt: number;
  try {
    builtAt = statSync(BUILT_CLI).mtimeMs;
  } catch {
    throw new Error(`${BUILT_CLI} is missing: run 'npm run build' (npm test does it first)`);
  }
  const libDir = join(ROOT, 'lib');
  const sources = readdirSync(libDir, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'));
  const newest = Math.max(...sources.map((name) => statSync(join(libDir, name)).mtimeMs));
  if (newest > builtAt) throw new Error(`the build is older than lib/: run 'npm run build' (npm test does it first)`);
}
