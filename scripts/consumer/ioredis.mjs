// The durable mode with ioredis 5, the major before the one the project's own tests use.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** @param {object} tools `run`, `npmInstall` and `tsc` of the consumer check, `packages` besides the tarball */
export function checkIoredis5(work, tarball, { run, npmInstall, tsc, packages }) {
  const fixture = join(import.meta.dirname, 'ioredis');
  const consumer = join(work, 'ioredis-5');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'ioredis-5', private: true }, null, 2));
  for (const file of ['consumer.ts', 'check.cjs', 'tsconfig.json']) {
    copyFileSync(join(fixture, file), join(consumer, file));
  }
  npmInstall('npm install <tarball> with bullmq and ioredis 5', [tarball, 'ioredis@5', ...packages], consumer);
  run('ioredis 5: tsc, node16, skipLibCheck off', tsc, ['-p', 'tsconfig.json'], consumer);
  console.log(
    run('ioredis 5: receiver, worker, Cluster', process.execPath, ['check.cjs'], consumer)
      .trim()
      .replace(/^/gm, '     '),
  );
}
