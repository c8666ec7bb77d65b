import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from './redis-server';
import { spawnServer, stopProcess } from './server-process';

/** A throwaway Redis Cluster of three masters (no replicas) on loopback ports. */
export class TestRedisCluster {
  private constructor(
    readonly ports: readonly number[],
    private readonly processes: ChildProcess[],
    private readonly dir: string,
  ) {}

  /** `redis://127.0.0.1:<port>` of each node. */
  get urls(): string[] {
    return this.ports.map((port) => `redis://127.0.0.1:${port}`);
  }

  static async start(): Promise<TestRedisCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'tencent-chat-recall-webhook-cluster-'));
    const ports: number[] = [];
    const processes: ChildProcess[] = [];
    const cluster = new TestRedisCluster(ports, processes, dir);
    try {
      for (let node = 0; node < 3; node++) {
        const port = await freeLoopbackPort();
        const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
        const clusterArgs = ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`];
        processes.push(
          await spawnServer(
            'redis-server',
            [...args, ...clusterArgs, '--dir', dir],
            'Ready to accept connections',
            10_000,
          ),
        );
        ports.push(port);
      }
      const nodes = ports.map((port) => `127.0.0.1:${port}`);
      const create = spawnSync('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-yes'], { encoding: 'utf8' });
      if (create.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${create.stdout}${create.stderr}`);
      await cluster.waitUntilOk();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** Waits until every node reports `cluster_state:ok` (the slots are assigned and known to all). */
  private async waitUntilOk(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const states = this.ports.map(
        (port) => spawnSync('redis-cli', ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8' }).stdout,
      );
      if (states.every((state) => state.includes('cluster_state:ok'))) return;
      if (Date.now() > deadline) throw new Error(`the cluster is not ok:\n${states.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((child) => stopProcess(child, 'SIGTERM')));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
