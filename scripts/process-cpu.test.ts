// The bench's CPU accounting: a child process given as the hub is counted as the hub, every other
// process the bench started as Postgres, with the time of the children those have already reaped (as
// the postmaster reaps its autovacuum workers).
// Each child burns a set amount of its own CPU time (measured by itself), so the assertions hold
// however loaded the machine is.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { cpuMeasured, cpuSnapshot, cpuUse, describeCpu } from './process-cpu';

/** A node child that spends `ms` of CPU, says so on stdout, then sleeps. */
async function burner(ms: number): Promise<ChildProcess> {
  const script = `
    const start = process.cpuUsage();
    for (;;) {
      const used = process.cpuUsage(start);
      if ((used.user + used.system) / 1000 >= ${ms}) break;
    }
    process.stdout.write('done\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout!, 'data');
  return child;
}

/** A node child that starts a grandchild spending `ms` of CPU, waits for it to exit (reaping it), then sleeps. */
async function parentOfBurner(ms: number): Promise<ChildProcess> {
  const grandchild = `const s = process.cpuUsage(); for (;;) { const u = process.cpuUsage(s); if ((u.user + u.system) / 1000 >= ${ms}) break; }`;
  const script = `
    const { spawn } = require('node:child_process');
    spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'ignore' }).on('exit', () => {
      process.stdout.write('done\\n');
      setInterval(() => {}, 1000);
    });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout!, 'data');
  return child;
}

async function stop(children: ChildProcess[]): Promise<void> {
  for (const child of children) {
    child.kill();
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  }
}

describe('bench CPU accounting (scripts/process-cpu.ts)', { skip: !cpuMeasured && 'no /proc here' }, () => {
  it('counts the hub child as the hub, and nothing once it sleeps', async () => {
    const before = cpuSnapshot(undefined);
    const hub = await burner(300);
    try {
      // The hub was born after `before`: all of its time falls in the interval.
      const after = cpuSnapshot(hub.pid);
      const use = cpuUse({ ...before, hub: 0 }, after, 10);
      const hubSeconds = use.hub * use.seconds;
      assert.ok(hubSeconds >= 0.28 && hubSeconds < 5, `hub CPU ${hubSeconds} s`);
      assert.ok(use.ms_per_item >= 28, `${use.ms_per_item} ms per item`);
      const idle = cpuUse(after, cpuSnapshot(hub.pid), 1);
      assert.ok(idle.hub * idle.seconds < 0.05, `sleeping hub CPU ${idle.hub * idle.seconds} s`);
      assert.match(describeCpu(use, 'payment', { local_postgres: true }), /ms CPU per payment$/);
      assert.match(
        describeCpu(use, 'payment', { local_postgres: false }),
        /postgres not measured \(DATABASE_URL\)/,
      );
    } finally {
      await stop([hub]);
    }
  });

  it('counts the other children as Postgres, with the workers they have reaped', async () => {
    const hub = await burner(0);
    const before = cpuSnapshot(hub.pid);
    // As the postmaster reaps an autovacuum worker: the grandchild is gone, its time in its parent's.
    const postmaster = await parentOfBurner(250);
    try {
      const use = cpuUse(before, cpuSnapshot(hub.pid), 1);
      const seconds = use.postgres * use.seconds;
      assert.ok(seconds >= 0.23, `postgres CPU ${seconds} s`);
      assert.ok(use.hub * use.seconds < 0.1, `hub CPU ${use.hub * use.seconds} s`);
    } finally {
      await stop([hub, postmaster]);
    }
  });
});
