import { spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from './redis-server';
import { spawnServer, stopProcess } from './server-process';

export const POSTGRES_INSTALL_HINT =
  "install the server with `apt-get install -y postgresql` (Debian/Ubuntu; 13 or newer, BullMQ's minimum)";

/** The folder holding initdb and postgres: the newest /usr/lib/postgresql/<version>/bin, else the PATH's. */
export function postgresBinDir(): string | undefined {
  const debianRoot = '/usr/lib/postgresql';
  const versions = existsSync(debianRoot)
    ? readdirSync(debianRoot)
        .filter((version) => existsSync(join(debianRoot, version, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length > 0) return join(debianRoot, versions[0], 'bin');
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const bindir = pgConfig.status === 0 ? pgConfig.stdout.trim() : '';
  return bindir !== '' && existsSync(join(bindir, 'initdb')) ? bindir : undefined;
}

/**
 * Whom the server runs as: initdb and postgres refuse to run as root, so root hands them to the
 * `postgres` system user that Debian's package creates.
 */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) throw new Error('running as root, and there is no `postgres` user');
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
}

/**
 * A throwaway PostgreSQL cluster: initdb in a temporary folder, the server on a free loopback
 * port (trust authentication, no fsync: nothing in it outlives the test), removed on stop.
 */
export class TestPostgresServer {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly dataDir: string,
    private readonly binDir: string,
    private readonly user: { uid: number; gid: number } | undefined,
  ) {}

  /** A connection string for the `postgres` superuser and database. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start(): Promise<TestPostgresServer> {
    const binDir = postgresBinDir();
    if (!binDir) throw new Error(`no PostgreSQL server binaries found; ${POSTGRES_INSTALL_HINT}`);
    const user = serverUser();
    const root = mkdtempSync(join(tmpdir(), 'tencent-chat-recall-webhook-pg-'));
    if (user) chownSync(root, user.uid, user.gid);
    const dataDir = join(root, 'data');
    const initdb = spawnSync(
      join(binDir, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync'],
      { encoding: 'utf8', ...user },
    );
    if (initdb.status !== 0) {
      rmSync(root, { recursive: true, force: true });
      throw new Error(`initdb failed (${initdb.error ?? `exit ${initdb.status}`}):\n${initdb.stderr}`);
    }
    for (let attempt = 1; ; attempt++) {
      const server = new TestPostgresServer(await freeLoopbackPort(), dataDir, binDir, user);
      try {
        await server.launch();
        return server;
      } catch (error) {
        if (attempt === 3) {
          rmSync(root, { recursive: true, force: true });
          throw error;
        }
      }
    }
  }

  private async launch(): Promise<void> {
    // The socket folder is the data folder: no shared /var/run/postgresql needed.
    const args = ['-D', this.dataDir, '-p', String(this.port), '-k', this.dataDir];
    const settings = ['listen_addresses=127.0.0.1', 'fsync=off', 'max_connections=100'];
    this.process = await spawnServer(
      join(this.binDir, 'postgres'),
      [...args, ...settings.flatMap((setting) => ['-c', setting])],
      'database system is ready to accept connections',
      20_000,
      this.user ?? {},
    );
  }

  /**
   * Stops the server, waits for it to exit and removes the cluster. A smart shutdown first: a
   * pg Pool's `end()` resolves before its sockets are closed, and a fast shutdown would answer
   * those closing sessions with an error (57P01) that the pool emits unhandled. Sessions still
   * open after the grace period are cut by a fast shutdown.
   */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    await stopProcess(child, 'SIGTERM', { signal: 'SIGINT', afterMs: 5_000 });
    rmSync(join(this.dataDir, '..'), { recursive: true, force: true });
  }
}
