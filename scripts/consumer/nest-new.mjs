// NestJS in a project laid out as the current `nest new` lays it out (CommonJS, tsconfig with
// module nodenext, decorators and skipLibCheck as @nestjs/schematics writes them, src/main.ts and
// src/app.module.ts, built by tsc with tsconfig.build.json into dist/), on either platform: the
// README's NestJS recipe is src/app.module.ts unchanged, src/main.ts the platform's bootstrap.
import { copyFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The README snippet that is the recipe's app.module.ts. */
export const NEST_RECIPE = 'nestjs.ts';

/**
 * @param {object} project `title`, `platform` (`express` or `fastify`) and the npm `packages` besides the tarball
 * @param {object} tools `run`, `npmInstall` and `tsc` of the consumer check, `recipe` (the snippet's code)
 */
export function checkNestNewProject(work, tarball, { title, platform, packages }, { run, npmInstall, tsc, recipe }) {
  const fixture = join(import.meta.dirname, 'nest-new');
  const project = join(work, title.replace(/\W+/g, '-').toLowerCase());
  mkdirSync(join(project, 'src'), { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'nest-new-app', version: '0.0.1', private: true, license: 'UNLICENSED' }, null, 2),
  );
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'requests.cjs']) {
    copyFileSync(join(fixture, file), join(project, file));
  }
  cpSync(join(fixture, 'src', `main.${platform}.ts`), join(project, 'src', 'main.ts'));
  writeFileSync(join(project, 'src', 'app.module.ts'), recipe);

  npmInstall(`npm install <tarball> in a nest new project with ${title}`, [tarball, ...packages], project);
  run(`${title}: tsc -p tsconfig.build.json (nest build)`, tsc, ['-p', 'tsconfig.build.json'], project);
  const output = run(`${title}: node dist/main.js and requests`, process.execPath, ['requests.cjs', platform], project);
  console.log(output.trim().replace(/^/gm, '     '));
}
