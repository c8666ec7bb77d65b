// The package's subpaths, listed once in lib/entries/subpaths.json: the build entries, package.json's
// `exports` and `typesVersions`, the entry tests and the consumer check are all derived from it.
// `node scripts/subpaths.mjs --write` rewrites package.json from the list; without it, exits 1 when
// package.json disagrees.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** @returns {{ subpath: string, name: string, source: string }[]} */
export function subpaths() {
  return JSON.parse(readFileSync(join(root, 'lib', 'entries', 'subpaths.json'), 'utf8'));
}

export function exportsField() {
  const entries = subpaths().map(({ subpath, name }) => [
    subpath,
    {
      import: { types: `./dist/${name}.d.mts`, default: `./dist/${name}.mjs` },
      require: { types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` },
    },
  ]);
  return Object.fromEntries([...entries, ['./package.json', './package.json']]);
}

export function typesVersionsField() {
  const paths = subpaths()
    .filter(({ subpath }) => subpath !== '.')
    .map(({ subpath, name }) => [subpath.slice(2), [`./dist/${name}.d.ts`]]);
  return { '*': Object.fromEntries(paths) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = join(root, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  const wanted = { ...pkg, exports: exportsField(), typesVersions: typesVersionsField() };
  if (JSON.stringify(wanted) === JSON.stringify(pkg)) process.exit(0);
  if (!process.argv.includes('--write')) {
    console.error('package.json exports differ from lib/entries/subpaths.json: run node scripts/subpaths.mjs --write');
    process.exit(1);
  }
  writeFileSync(file, JSON.stringify(wanted, null, 2) + '\n');
}
