/** The package's subpaths, read from their one list (lib/entries/subpaths.json). */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface Subpath {
  /** As in package.json `exports`: `.`, `./node`... */
  subpath: string;
  /** The build's name for it: dist/<name>.js, dist/<name>.mjs, dist/<name>.d.ts. */
  name: string;
  source: string;
}

const ROOT = resolve(__dirname, '..', '..');

export const SUBPATHS: readonly Subpath[] = JSON.parse(
  readFileSync(join(ROOT, 'lib', 'entries', 'subpaths.json'), 'utf8'),
) as Subpath[];
