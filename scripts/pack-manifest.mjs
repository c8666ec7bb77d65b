// Keeps `prepare` out of the packed package.json, while the repository keeps it.
// npm runs `prepare` to build a git dependency (it runs no other script there), so the repository
// needs it. But npm 11 lists `prepare` as an install script of every package installed from a
// tarball or a folder, and warns on each install, although the packed package is already built.
// `prepack` (after the build) calls this with `strip`, `postpack` with `restore`: npm reads the
// package.json it packs in between.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = join(root, 'package.json');
const kept = join(root, 'package.json.unpacked');

const [mode] = process.argv.slice(2);
if (mode === 'strip') {
  if (existsSync(kept)) {
    throw new Error(`${kept} is left from a pack that did not finish: check it, move it to package.json, pack again`);
  }
  const text = readFileSync(manifest, 'utf8');
  const fields = JSON.parse(text);
  writeFileSync(kept, text);
  delete fields.scripts.prepare;
  writeFileSync(manifest, `${JSON.stringify(fields, null, 2)}\n`);
} else if (mode === 'restore') {
  if (existsSync(kept)) renameSync(kept, manifest);
} else {
  throw new Error('usage: node scripts/pack-manifest.mjs strip|restore');
}
