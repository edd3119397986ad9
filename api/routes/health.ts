// Liveness and readiness. /readyz names each dependency with a status of its own — database and temporal
// `ok` or `down`, calendar `ok` or `degraded` — and never the error text (it carries hosts, users and ports;
// it goes to the log). A down database or Temporal is 503 (take this process out of the load balancer); a
// degraded calendar (the holiday data ends within 90 days) is still 200 with status `degraded`: the API
// works, an operator must upgrade the holiday package.
import { Router } from 'express';
import type { AppDeps } from '../deps.ts';
import { holidayCoverage } from '../../domain/holidays.ts';

const CHECK_TIMEOUT_MS = 3_000;

function withinDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

export function healthRouter({ db, temporal, logger, now = Date.now }: AppDeps): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (req, res) => {
    const log = req.log ?? logger;
    const probe = async (name: string, check: () => Promise<unknown>): Promise<'ok' | 'down'> => {
      try {
        await withinDeadline(check(), CHECK_TIMEOUT_MS);
        return 'ok';
      } catch (err) {
        log.warn({ err, dependency: name }, `readiness: ${name} is down`);
        return 'down';
      }
    };
    const [database, temporalStatus] = await Promise.all([
      probe('database', () => db.$queryRaw`SELECT 1`),
      probe('temporal', () => temporal.workflowService.getSystemInfo({})),
    ]);
    const coverage = holidayCoverage(new Date(now()));
    const checks = { database, temporal: temporalStatus, calendar: coverage.covered ? ('ok' as const) : ('degraded' as const) };
    const ready = database === 'ok' && temporalStatus === 'ok';
    res.status(ready ? 200 : 503).json({
      status: !ready ? 'not_ready' : coverage.covered ? 'ready' : 'degraded',
      checks,
      calendar: { holidayDataUntil: coverage.coveredUntil, neededUntil: coverage.neededUntil },
    });
  });
  return r;
}
