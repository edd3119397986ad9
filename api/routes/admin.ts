// The admin's page (/admin, outside /v1: the page itself is public, its script sends the admin key) and the
// admin-only list of recent admin events it shows.
import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../app.ts';
import { requireAdmin } from '../auth.ts';
import { parse } from '../validation.ts';
import { sendPage } from '../pages/html.ts';
import { adminPage, ADMIN_SCRIPT_SRC } from '../pages/admin.ts';
import { DEPOSITS_ADMIN_SCRIPT_SRC } from '../pages/deposits.ts';

const EventsQuery = z
  .object({
    type: z.string().min(1).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export function adminEventsRouter({ db }: AppDeps): Router {
  const r = Router();

  // Newest first: what happened lately.
  r.get('/admin/events', async (req, res) => {
    requireAdmin(req);
    const q = parse(EventsQuery, req.query);
    const rows = await db.adminEvent.findMany({ where: q.type ? { type: q.type } : {}, orderBy: { id: 'desc' }, take: q.limit });
    res.json({
      events: rows.map((e) => ({ id: e.id.toString(), type: e.type, subjectId: e.subjectId, accountId: e.accountId ?? undefined, data: e.data ?? undefined, createdAt: e.createdAt.toISOString() })),
    });
  });

  return r;
}

export function adminPageRouter({ config }: AppDeps): Router {
  const r = Router();
  const page = adminPage(config.calendar.timeZone);
  r.get('/admin', (_req, res) => {
    sendPage(res, 200, page, { scriptSrc: `${ADMIN_SCRIPT_SRC} ${DEPOSITS_ADMIN_SCRIPT_SRC}`, connectSelf: true });
  });
  return r;
}
