import { Router } from 'express';
import type { AppDeps } from '../deps.ts';

export function pricesRouter({ config }: AppDeps): Router {
  const r = Router();
  r.get('/prices', (_req, res) => {
    res.json({ items: Object.entries(config.prices).map(([item, unitPrice]) => ({ item, unitPrice })) });
  });
  return r;
}
