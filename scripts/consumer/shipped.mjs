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

/** Every relative link of the installed README, CHANGELOG, docs/ and examples/ resolves inside the package. */
export function checkShippedLinks(installed) {
  const { links, broken } = checkLinks(installed);
  if (broken.length > 0) throw new Error(`links leading outside the installed package: ${broken.join('; ')}`);
  console.log(`ok   the ${links.length} relative links of the installed Markdown resolve inside the package`);
}
