import { Router } from 'express';
import type { AppDeps } from '../app.ts';

export function healthRouter({ db, temporal }: AppDeps): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    const checks: Record<string, 'ok' | string> = {};
    try {
      await db.$queryRaw`SELECT 1`;
      checks.database = 'ok';
    } catch (err) {
      checks.database = (err as Error).message;
    }
    try {
      await temporal.workflowService.getSystemInfo({});
      checks.temporal = 'ok';
    } catch (err) {
      checks.temporal = (err as Error).message;
    }
    const ready = Object.values(checks).every((v) => v === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  return r;
}
