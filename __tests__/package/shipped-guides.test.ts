/**
 * The guides the package ships: the files `npm pack` would put in the tarball besides dist/
 * include the docs, the examples and the changelog, and every relative link of their Markdown
 * resolves among them (scripts/consumer/links.mjs, which the consumer check runs on the installed
 * package), so a link into the repository fails here already. The packed manifest leaves out
 * `prepare` (scripts/pack-manifest.mjs), which would warn on every install of the tarball.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const LINKS = join(ROOT, 'scripts', 'consumer', 'links.mjs');

function checkLinks(folder: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [LINKS, folder], { encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
}

function folderOf(files: Record<string, string>): string {
  const folder = mkdtempSync(join(tmpdir(), 'shipped-guides-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
  return folder;
}

describe('the files npm packs besides dist/', () => {
  const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  const [{ files }] = JSON.parse(packed.stdout) as [{ files: Array<{ path: string }> }];
  const guides = files.map(({ path }) => path).filter((path) => !path.startsWith('dist/'));

  it('are the docs, the examples, the changelog, the README, the licence and package.json', () => {
    expect(guides).toEqual(
      expect.arrayContaining(['CHANGELOG.md', 'README.md', 'LICENSE', 'docs/durable.md', 'examples/server.ts']),
    );
    expect(guides.filter((path) => !/^(docs|examples)\//.test(path)).sort()).toEqual([
      'CHANGELOG.md',
      'LICENSE',
      'README.md',
      'package.json',
    ]);
  });

  it('link only to one another: every relative link of their Markdown resolves among them', () => {
    const folder = mkdtempSync(join(tmpdir(), 'shipped-guides-'));
    try {
      for (const path of guides) {
        mkdirSync(dirname(join(folder, path)), { recursive: true });
        copyFileSync(join(ROOT, path), join(folder, path));
      }
      const { status, output } = checkLinks(folder);
      expect(output).toMatch(/^\d{2,} relative links, 0 broken/);
      expect(status).toBe(0);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

it('the link check names a link out of the package and one to a missing file, and ignores code and URLs', () => {
  const folder = folderOf({
    'README.md': [
      '[guide](docs/guide.md#part) [site](https://example.com) [top](#usage)',
      '[test](../__tests__/x.test.ts) `[code](nowhere.md)`',
      '```md\n[fenced](nowhere.md)\n```',
    ].join('\n'),
    'docs/guide.md': '[back](../README.md) [gone](missing.md)',
  });
  try {
    const { status, output } = checkLinks(folder);
    expect(status).toBe(1);
    expect(output.split('\n').filter(Boolean)).toEqual([
      '4 relative links, 2 broken',
      'broken: README.md: ../__tests__/x.test.ts',
      'broken: docs/guide.md: missing.md',
    ]);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

describe('scripts/pack-manifest.mjs, which prepack and postpack run', () => {
  const original = readFileSync(join(ROOT, 'package.json'), 'utf8');
  const packManifest = (folder: string, mode: string) =>
    spawnSync(process.execPath, [join(folder, 'scripts', 'pack-manifest.mjs'), mode], { encoding: 'utf8' });
  let folder: string;
  beforeEach(() => {
    folder = folderOf({ 'package.json': original });
    mkdirSync(join(folder, 'scripts'));
    copyFileSync(join(ROOT, 'scripts', 'pack-manifest.mjs'), join(folder, 'scripts', 'pack-manifest.mjs'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('leaves prepare out of the package.json npm packs, then puts the repository one back unchanged', () => {
    expect(JSON.parse(original).scripts.prepare).toBe('npm run build');
    expect(packManifest(folder, 'strip').status).toBe(0);
    const packed = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
    expect(packed.scripts.prepare).toBeUndefined();
    expect({ ...packed, scripts: { ...packed.scripts, prepare: 'npm run build' } }).toEqual(JSON.parse(original));

    expect(packManifest(folder, 'restore').status).toBe(0);
    expect(readFileSync(join(folder, 'package.json'), 'utf8')).toBe(original);
  });

  it('refuses to strip again while a pack that did not finish left its copy, naming it', () => {
    expect(packManifest(folder, 'strip').status).toBe(0);
    const again = packManifest(folder, 'strip');
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/package\.json\.unpacked is left from a pack that did not finish/);
  });
});
