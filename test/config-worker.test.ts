// How a worker process is sized: `npm run worker` starts it with the V8 heap limit worker/worker.ts
// documents (the limit, not the concurrency, bounds how far its memory swings under load), and the
// virtual accounts' validity is read as a number of hours that may be a fraction (the waiting benchmark
// lets virtual accounts expire within the run).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { WORKER_HEAP_MB } from '../worker/worker.ts';

describe('the worker process', () => {
  it('npm run worker starts it with the heap limit worker/worker.ts measured (WORKER_HEAP_MB)', () => {
    const scripts = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.worker).toBe(`tsx --max-old-space-size=${WORKER_HEAP_MB} worker/main.ts`);
  });
});

describe('VIRTUAL_ACCOUNT_VALID_HOURS', () => {
  it('defaults to 72 hours and accepts a fraction of an hour', () => {
    expect(loadConfig({}).virtualAccountValidHours).toBe(72);
    expect(loadConfig({ VIRTUAL_ACCOUNT_VALID_HOURS: '0.25' }).virtualAccountValidHours).toBe(0.25);
  });

  it('refuses zero, negative and non-numeric validities, and more than a year', () => {
    for (const value of ['0', '-1', 'soon', String(24 * 365 + 1)]) {
      expect(() => loadConfig({ VIRTUAL_ACCOUNT_VALID_HOURS: value }), value).toThrow(/VIRTUAL_ACCOUNT_VALID_HOURS/);
    }
  });
});
