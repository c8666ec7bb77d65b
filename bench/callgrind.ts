// Instruction counts under valgrind's callgrind: what a server process executes per request.
// Far steadier than CPU time on a shared VM, which moves by tens of µs between rounds, as long as
// nothing else runs (a starved server takes other code paths); they leave out the kernel's share
// (socket reads and writes), which every server pays alike.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** True when valgrind and its callgrind tools are on the PATH. */
export function callgrindInstalled(): boolean {
  return ['valgrind', 'callgrind_control', 'callgrind_annotate'].every(
    // callgrind_annotate --version exits 255 even when it works: only a missing tool counts.
    (tool) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).error === undefined,
  );
}

/** The command prefix that runs a process under callgrind, counting nothing until `countFrom`. */
export function callgrindPrefix(outFile: string): string[] {
  return ['valgrind', '-q', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${outFile}`];
}

function control(pid: number, ...args: string[]): void {
  execFileSync('callgrind_control', [...args, String(pid)], { stdio: 'ignore' });
}

export function countFrom(pid: number): void {
  control(pid, '-i', 'on');
}

/** Stops counting and writes what was counted since `countFrom` to a dump file, which it returns. */
export function stopCounting(pid: number, outFile: string): string {
  control(pid, '-i', 'off');
  control(pid, '-d');
  const dumps = readdirSync(dirname(outFile)).filter((name) => name.startsWith(`${basename(outFile)}.`));
  if (dumps.length !== 1) throw new Error(`expected one callgrind dump for ${outFile}, found ${dumps.length}`);
  return join(dirname(outFile), dumps[0]);
}

export interface Instructions {
  total: number;
  /** Spent in V8's optimizing compiler: it varies from run to run, so it is also shown apart. */
  compiler: number;
}

/** Reads a dump's instruction count, whole and in V8's compiler, from callgrind_annotate's report. */
export function readInstructions(dumpFile: string): Instructions {
  const report = execFileSync('callgrind_annotate', ['--threshold=100', dumpFile], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let total = 0;
  let compiler = 0;
  for (const line of report.split('\n')) {
    const match = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$/.exec(line);
    if (!match) continue;
    const count = Number(match[1].replaceAll(',', ''));
    if (match[2].startsWith('PROGRAM TOTALS')) total = count;
    else if (/v8::internal::(compiler|maglev)::/.test(match[2])) compiler += count;
  }
  if (total === 0) throw new Error(`no instruction total in ${dumpFile}`);
  return { total, compiler };
}
