import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/**
 * The peak heap of a fresh process that applies limitHeapGrowth(percent) and then churns a bounded
 * cache, as a stream of first-seen keys does: every entry lives long enough to reach the old
 * generation, then is replaced. (The built module: V8 flags act on the process that sets them.)
 */
function peakHeapMb(percent: number): number {
  const module = pathToFileURL('dist/bootstrap/heap-growth.js').href;
  const script = `
    const { limitHeapGrowth } = await import(${JSON.stringify(module)});
    limitHeapGrowth(${percent});
    const cache = new Array(50000);
    let peak = 0;
    for (let i = 0; i < 1500000; i++) {
      cache[i % cache.length] = { id: i + '-' + Math.random(), hash: Math.random().toString(16).repeat(4), groups: ['g' + i] };
      if (i % 1000 === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        peak = Math.max(peak, process.memoryUsage().heapTotal);
      }
    }
    console.log(peak / 1048576);
  `;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script]).toString());
}

describe('limitHeapGrowth', () => {
  it('keeps a churning cache’s heap well below what V8’s own growth factor lets it reach', () => {
    const unlimited = peakHeapMb(0);
    const limited = peakHeapMb(20);
    // Measured: about 130 MB against 80.
    expect(limited).toBeLessThan(unlimited * 0.8);
  });
});
