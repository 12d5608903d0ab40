// Where a benchmark's CPU went, from /proc (Linux): the CPU time of the hub's process, of the embedded
// Postgres (every process the bench started other than the hub: the postmaster, its backends, and the
// children it has already reaped, such as autovacuum workers), of the bench itself, and how busy the
// machine was (with the time the hypervisor took away: steal). On a shared VM throughput moves with the
// neighbours; CPU time per payment moves much less, so a change to the hub is judged by both.
// Elsewhere than Linux (no /proc) nothing is measured and the line says so.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** USER_HZ: /proc reports CPU time in 1/100 s on every Linux architecture the benches run on. */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime of the process, and cutime + cstime of its children already reaped, in ticks. */
  ticks: number;
}

export interface CpuSnapshot {
  at: bigint;
  /** Ticks of the whole machine: total, busy (not idle or waiting for I/O), stolen by the hypervisor. */
  machine: { total: number; busy: number; steal: number };
  hub: number;
  postgres: number;
  /** This process (the bench's callers, and the baseline server while it runs), in microseconds. */
  self_us: number;
}

function readStat(pid: string): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // gone meanwhile
  }
  // The command name is in parentheses and may hold spaces: fields are counted after its last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Fields 4 (ppid) and 14-17 (utime, stime, cutime, cstime) of proc(5), here from index 0 = field 3.
  const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((index) => Number(fields[index]));
  return { pid: Number(pid), ppid: Number(fields[1]), ticks: utime! + stime! + cutime! + cstime! };
}

/** Every process below `root` (itself included), by its parent links. */
function subtree(stats: ReadonlyMap<number, ProcStat>, root: number): Set<number> {
  const children = new Map<number, number[]>();
  for (const stat of stats.values()) {
    const list = children.get(stat.ppid) ?? [];
    list.push(stat.pid);
    children.set(stat.ppid, list);
  }
  const found = new Set<number>();
  const pending = stats.has(root) ? [root] : [];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    found.add(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return found;
}

export const cpuMeasured = existsSync('/proc/stat');

export function cpuSnapshot(hubPid: number | undefined): CpuSnapshot {
  const own = process.cpuUsage();
  const self_us = own.user + own.system;
  const at = process.hrtime.bigint();
  if (!cpuMeasured) return { at, machine: { total: 0, busy: 0, steal: 0 }, hub: 0, postgres: 0, self_us };
  const stats = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (stat) stats.set(stat.pid, stat);
  }
  const hub = hubPid === undefined ? new Set<number>() : subtree(stats, hubPid);
  const mine = subtree(stats, process.pid);
  const sum = (pids: Iterable<number>) => [...pids].reduce((total, pid) => total + stats.get(pid)!.ticks, 0);
  const started = [...mine].filter((pid) => pid !== process.pid && !hub.has(pid));
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice)
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  return {
    at,
    machine: { total, busy: total - cpu[3]! - cpu[4]!, steal: cpu[7]! },
    hub: sum(hub),
    postgres: sum(started),
    self_us,
  };
}

export interface CpuUse {
  seconds: number;
  /** Cores used on average over the interval (1 = one core all the time). */
  hub: number;
  postgres: number;
  bench: number;
  /** Share of all the machine's cores that was busy, and the share stolen by the hypervisor. */
  machine_busy: number;
  steal: number;
  /** CPU milliseconds per unit of work, summed over the hub, Postgres and the bench. */
  ms_per_item: number;
}

export function cpuUse(from: CpuSnapshot, to: CpuSnapshot, items: number): CpuUse {
  const seconds = Number(to.at - from.at) / 1e9;
  const cores = (ticks: number) => ticks / TICKS_PER_SECOND / seconds;
  const hub = cores(to.hub - from.hub);
  const postgres = cores(to.postgres - from.postgres);
  const bench = (to.self_us - from.self_us) / 1e6 / seconds;
  const total = to.machine.total - from.machine.total;
  return {
    seconds,
    hub,
    postgres,
    bench,
    machine_busy: total === 0 ? 0 : (to.machine.busy - from.machine.busy) / total,
    steal: total === 0 ? 0 : (to.machine.steal - from.machine.steal) / total,
    ms_per_item: ((hub + postgres + bench) * seconds * 1000) / items,
  };
}

/**
 * One line for a phase's output. With an external Postgres (DATABASE_URL) its CPU is not on this
 * machine's books, and the CPU per unit leaves it out.
 */
export function describeCpu(use: CpuUse, unit: string, options: { local_postgres: boolean }): string {
  if (!cpuMeasured) return 'cpu       not measured (no /proc on this system)';
  const f = (n: number) => n.toFixed(2);
  const postgres = options.local_postgres ? f(use.postgres) : 'not measured (DATABASE_URL)';
  return (
    `cpu       hub ${f(use.hub)} + postgres ${postgres} + bench ${f(use.bench)} cores; ` +
    `machine ${Math.round(use.machine_busy * 100)}% busy of ${availableParallelism()} cores, ` +
    `${Math.round(use.steal * 100)}% stolen; ${use.ms_per_item.toFixed(2)} ms CPU per ${unit}`
  );
}
