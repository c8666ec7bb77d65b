// The TypeScript snippets of the README and docs/*.md, so the consumer check can compile them as
// written. Every ```ts block is taken. An HTML comment on the last non-blank line before the fence
// names it and says what to do with it:
//   <!-- check:consumer recall.node-test.ts run -->   compile it as recall.node-test.ts, then run it with node --test
//   <!-- check:consumer skip: <why> -->               leave it out (the reason is required)
// A block without a comment is compiled under a generated name.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const FENCE = /^```(ts|typescript)\s*$/;
const MARKER = /^<!--\s*check:consumer\s+(.*?)\s*-->$/;
const NAME = /^([\w.-]+\.ts)(\s+run)?$/;

/** The markdown files whose snippets must compile: the README and every docs/*.md. */
export function documentationFiles(root) {
  const docs = join(root, 'docs');
  let pages = [];
  try {
    pages = readdirSync(docs)
      .filter((name) => name.endsWith('.md'))
      .sort()
      .map((name) => join(docs, name));
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  return [join(root, 'README.md'), ...pages];
}

/** Each snippet as { source, line, name, run, code }; skipped ones are left out. */
export function extractSnippets(root) {
  const snippets = [];
  const names = new Set();
  for (const file of documentationFiles(root)) {
    const source = relative(root, file);
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let index = 0; index < lines.length; index++) {
      if (!FENCE.test(lines[index])) continue;
      const end = lines.findIndex((line, after) => after > index && line.trim() === '```');
      if (end === -1) throw new Error(`${source}:${index + 1}: unclosed code block`);
      const marker = markerBefore(lines, index);
      const line = index + 1;
      const code = lines.slice(line, end).join('\n') + '\n';
      index = end;
      if (marker?.startsWith('skip')) {
        if (!/^skip:\s*\S/.test(marker)) throw new Error(`${source}: "check:consumer skip" needs a reason`);
        continue;
      }
      const named = marker === undefined ? null : NAME.exec(marker);
      if (marker !== undefined && !named) throw new Error(`${source}: unreadable marker "check:consumer ${marker}"`);
      const name = named ? named[1] : `${source.replace(/\W+/g, '-').toLowerCase()}-line-${line}.ts`;
      if (names.has(name)) throw new Error(`${source}: two snippets named ${name}`);
      names.add(name);
      snippets.push({ source, line, name, run: Boolean(named?.[2]), code });
    }
  }
  return snippets;
}

function markerBefore(lines, fenceIndex) {
  for (let index = fenceIndex - 1; index >= 0; index--) {
    const line = lines[index].trim();
    if (line === '') continue;
    return MARKER.exec(line)?.[1];
  }
  return undefined;
}
