import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpuSecondsOf } from '../../bench/server-cpu.js';

/** A process's own CPU seconds, without its children (ticks of 1/100 s on Linux). */
function ownCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// The benchmark's CPU-per-response column: nginx and Apache answer from worker processes, so a
// server's CPU must include its children's.
describe(cpuSecondsOf.name, () => {
  it('counts the CPU of a process and of the children it started', async () => {
    const parent = spawn(
      process.execPath,
      [
        '-e',
        `require('node:child_process').spawn(process.execPath, ['-e',
         'const end = Date.now() + 600; while (Date.now() < end); setTimeout(() => {}, 60000)'],
         { stdio: 'ignore' });
       setTimeout(() => {}, 60000);`,
      ],
      { detached: true },
    ); // its own process group, so that the child goes with it
    try {
      const deadline = Date.now() + 10_000;
      while (cpuSecondsOf([parent.pid!]) < 0.5 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(cpuSecondsOf([parent.pid!])).toBeGreaterThanOrEqual(0.5);
      // The parent itself only started its child: the busy half second is the child's.
      expect(ownCpuSeconds(parent.pid!)).toBeLessThan(0.4);
    } finally {
      process.kill(-parent.pid!, 'SIGKILL');
    }
  });

  it('counts nothing for a process that is gone', () => {
    expect(cpuSecondsOf([2 ** 22 + 1])).toBe(0);
  });
});
