// The stack's port layout: Temporal stores membership ports as SMALLINT, so they must stay below 32768.
import { describe, expect, it } from 'vitest';
import { freeLayout, MAX_MEMBERSHIP_PORT, portLayout } from '../scripts/stack/ports.ts';

const membership = (p: ReturnType<typeof portLayout>) => [
  p.temporal.frontendMembership,
  p.temporal.historyMembership,
  p.temporal.matchingMembership,
  p.temporal.workerMembership,
];
const all = (p: ReturnType<typeof portLayout>) => [p.proxy, p.postgres, ...p.apis, ...p.workerMetrics, ...Object.values(p.temporal)];

describe('stack ports', () => {
  it('lays out distinct ports from one base, membership ports below 32768', () => {
    const p = portLayout(17200, 2, 2);
    expect(new Set(all(p)).size).toBe(all(p).length);
    expect(Math.max(...membership(p))).toBeLessThanOrEqual(MAX_MEMBERSHIP_PORT);
    expect(p).toMatchObject({ proxy: 17200, apis: [17201, 17202], postgres: 17210, workerMetrics: [17240, 17241] });
  });

  it('refuses a base whose membership ports would not fit a SMALLINT, unless given a low membership base', () => {
    expect(() => portLayout(43000, 2, 2)).toThrow(/below 32768/);
    const p = portLayout(43000, 2, 2, 29430);
    expect(membership(p)).toEqual([29430, 29431, 29432, 29433]);
  });

  it('picks free ports for the test, membership ports below 32768', async () => {
    const p = await freeLayout(2, 2);
    expect(new Set(all(p)).size).toBe(all(p).length);
    expect(Math.max(...membership(p))).toBeLessThanOrEqual(MAX_MEMBERSHIP_PORT);
  });
});
