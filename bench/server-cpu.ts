// CPU time of the processes that answer a load run, read from /proc: the figure that moves least
// when the machine is shared, since time spent waiting for a core is not counted.
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** User and system CPU seconds of these processes and all their descendants (nginx's workers). */
export function cpuSecondsOf(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of withDescendants(pids)) {
    try {
      // The command name (field 2) may hold spaces; the fields after its ')' are fixed.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      /* gone since it was listed */
    }
  }
  return ticks / TICKS_PER_SECOND;
}

function withDescendants(pids: readonly number[]): number[] {
  const all: number[] = [];
  const queue = [...pids];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    all.push(pid);
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
        if (children !== '') queue.push(...children.split(' ').map(Number));
      } catch {
        /* the thread ended */
      }
    }
  }
  return all;
}
