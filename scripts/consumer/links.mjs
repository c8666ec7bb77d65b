// The relative links of the package's Markdown files (README, CHANGELOG, docs/, examples/) as
// installed: each must name a file or folder inside the package, since a reader of
// node_modules/tencent-chat-recall-webhook/ has nothing else.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

// [text](target) and [text](target "title"); images too. Code spans and fences are left out first.
const LINK = /!?\[[^\]]*\]\(\s*<?([^\s)>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const FENCE = /^(```|~~~)[^\n]*\n[\s\S]*?^\1/gm;
const CODE_SPAN = /`[^`\n]*`/g;

/** The Markdown files under `folder`, but for those of its own node_modules. */
function markdownFiles(folder) {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((file) => !relative(folder, file).split(sep).includes('node_modules'));
}

/** Every relative link in `packageDir`'s Markdown files, and the ones that lead outside it or nowhere. */
export function checkLinks(packageDir) {
  const root = resolve(packageDir);
  const links = [];
  const broken = [];
  for (const file of markdownFiles(root)) {
    const text = readFileSync(file, 'utf8').replace(FENCE, '').replace(CODE_SPAN, '');
    for (const [, target] of text.matchAll(LINK)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
      const path = decodeURIComponent(target.replace(/[#?].*$/, ''));
      const resolved = resolve(dirname(file), path);
      const where = `${relative(root, file)}: ${target}`;
      links.push(where);
      const inside = resolved === root || resolved.startsWith(root + sep);
      if (!inside || !existsSync(resolved)) broken.push(where);
    }
  }
  return { links, broken };
}

// node scripts/consumer/links.mjs <folder>: the same check on a folder, e.g. an unpacked tarball.
if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const { links, broken } = checkLinks(process.argv[2] ?? '.');
  console.log(`${links.length} relative links, ${broken.length} broken`);
  for (const where of broken) console.log(`broken: ${where}`);
  process.exitCode = broken.length > 0 ? 1 : 0;
}
