// The admin's page (/admin, outside /v1: the page itself is public, its script sends the admin key) and the
// admin-only list of recent admin events it shows.
import { Router } from 'express';
import type { AppDeps } from '../../deps.ts';
import { requireAdmin } from '../../principal.ts';
import { parse } from '../../validation.ts';
import { sendPage } from '../../pages/html.ts';
import { adminPage, ADMIN_SCRIPT_SRC } from '../../pages/admin.ts';
import { adminEventView } from '../../views/admin.ts';
import { DecisionsQuery, EventsQuery } from './validators.ts';
import { accountNames, recentDecisions } from './helpers.ts';

export function adminEventsRouter({ db }: AppDeps): Router {
  const r = Router();

  r.get('/admin/decisions', async (req, res) => {
    requireAdmin(req);
    const q = parse(DecisionsQuery, req.query);
    res.json({ decisions: await recentDecisions(db, q.limit) });
  });

  // Newest first: what happened lately.
  r.get('/admin/events', async (req, res) => {
    requireAdmin(req);
    const q = parse(EventsQuery, req.query);
    const rows = await db.adminEvent.findMany({ where: q.type ? { type: q.type } : {}, orderBy: { id: 'desc' }, take: q.limit });
    const names = await accountNames(
      db,
      rows.map((e) => e.accountId),
    );
    res.json({
      events: rows.map((e) => adminEventView(e, names)),
    });
  });

  return r;
}

export function adminPageRouter({ config }: AppDeps): Router {
  const r = Router();
  const page = adminPage(config.calendar.timeZone);
  r.get('/admin', (_req, res) => {
    sendPage(res, 200, page, { scriptSrc: ADMIN_SCRIPT_SRC, connectSelf: true });
  });
  return r;
}
