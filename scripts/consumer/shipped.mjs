// What the packed tarball holds, and that the guides it ships link only to what it ships.
import { checkLinks } from './links.mjs';

/** The guides a reader of node_modules/tencent-chat-recall-webhook/ must find. */
const GUIDES = [
  'CHANGELOG.md',
  'docs/durable.md',
  'docs/observability.md',
  'docs/reconciliation.md',
  'examples/server.ts',
];

export function checkPackedFiles(paths) {
  // npm adds README* and LICENSE* whatever `files` says; anything else must come from the whitelist.
  const strays = paths.filter(
    (path) => !/^(dist\/|docs\/|examples\/|CHANGELOG\.md$|package\.json$|README|LICENSE)/.test(path),
  );
  if (strays.length > 0) throw new Error(`files outside the whitelist were packed: ${strays.join(', ')}`);
  const missing = GUIDES.filter((guide) => !paths.includes(guide));
  if (missing.length > 0) throw new Error(`the tarball lacks ${missing.join(', ')}`);
  const guides = paths.filter((path) => !path.startsWith('dist/')).sort();
  console.log(`ok   packed: ${paths.length} files, dist/ and ${guides.join(', ')}`);
}

/** `npm pack --json`'s entry for the tarball: the JSON follows what the prepack script printed. */
export function packedFrom(stdout) {
  const [packed] = JSON.parse(stdout.slice(stdout.search(/^\[$/m)));
  return packed;
}

/**
 * The installed manifest has none of the scripts npm 11 lists as install scripts of a package
 * installed from a tarball (and warns about on every install): preinstall, install, postinstall, prepare.
 */
export function checkNoInstallScripts({ scripts = {} }) {
  const found = ['preinstall', 'install', 'postinstall', 'prepare'].filter((name) => name in scripts);
  if (found.length > 0) throw new Error(`the packed package.json has install scripts: ${found.join(', ')}`);
  console.log('ok   the packed package.json has no install script (prepare stays in the repository)');
}

/** Every relative link of the installed README, CHANGELOG, docs/ and examples/ resolves inside the package. */
export function checkShippedLinks(installed) {
  const { links, broken } = checkLinks(installed);
  if (broken.length > 0) throw new Error(`links leading outside the installed package: ${broken.join('; ')}`);
  console.log(`ok   the ${links.length} relative links of the installed Markdown resolve inside the package`);
}
