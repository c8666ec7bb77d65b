/**
 * Every subpath of lib/entries/subpaths.json: the entry points with an adapter export it and the
 * shared exports of the root, the same objects; the others share no adapter; the build has both
 * formats of each, and no declaration file imports Express's types.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as root from '../../lib/entries';
import { requireBuild } from '../support/build';
import { SUBPATHS } from '../support/subpaths';

const ROOT = resolve(__dirname, '..', '..');
const ADAPTERS = ['createRecallHandler', 'createRecallListener', 'recallWebhook'];
const SHARED = Object.keys(root).filter((name) => !ADAPTERS.includes(name));

const load = (source: string) => require(join(ROOT, source)) as Record<string, unknown>;
const adaptersOf = (entry: Record<string, unknown>) => ADAPTERS.filter((name) => name in entry);
const others = SUBPATHS.filter(({ subpath }) => subpath !== '.');

it('the root has every adapter', () => {
  expect(adaptersOf(root).sort()).toEqual([...ADAPTERS].sort());
});

describe.each(others)('$subpath', ({ source }) => {
  const entry = load(source);
  const adapters = adaptersOf(entry);

  if (adapters.length > 0) {
    it('exports one adapter and the shared exports of the root, the same objects', () => {
      expect(adapters).toHaveLength(1);
      expect(Object.keys(entry).sort()).toEqual([...SHARED, ...adapters].sort());
      for (const name of SHARED) expect(entry[name]).toBe(root[name as keyof typeof root]);
      // /fastify and /koa have a recallWebhook of their own; /node and /fetch share the root's.
      expect(typeof entry[adapters[0]]).toBe('function');
    });
  } else {
    it('is not an adapter entry: it shares no adapter with the root', () => {
      expect(Object.keys(entry).length).toBeGreaterThan(0);
      expect(adapters).toEqual([]);
    });
  }
});

describe('the build', () => {
  beforeAll(requireBuild);

  it.each(SUBPATHS)('has $subpath in both formats, with declarations', ({ name }) => {
    const built = readdirSync(join(ROOT, 'dist'));
    expect(built).toEqual(expect.arrayContaining([`${name}.js`, `${name}.mjs`, `${name}.d.ts`, `${name}.d.mts`]));
  });

  it('has no declaration file that imports Express', () => {
    const declarations = readdirSync(join(ROOT, 'dist')).filter((file) => /\.d\.m?ts$/.test(file));
    expect(declarations.length).toBeGreaterThan(SUBPATHS.length);
    for (const file of declarations) {
      expect(readFileSync(join(ROOT, 'dist', file), 'utf8')).not.toMatch(
        /from ['"]express['"]|import\(['"]express['"]\)/,
      );
    }
  });
});
