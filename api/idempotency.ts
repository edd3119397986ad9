// Idempotency-Key handling for requests that move money.
//
// The first request with a key records (principal, key, request hash, a fresh resource id). Every request
// with that key and the same body — a later retry or a concurrent twin — runs against that same resource
// id; the operations behind it (a workflow id derived from the resource id, ledger entries with unique
// business keys) are themselves idempotent, so racing twins converge on one effect and one answer. The
// first finished answer (success or a 4xx business outcome) is stored and replayed from then on. A 5xx is
// not stored: the client retries with the same key and the same resource id.
import { createHash, randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Db } from '../db/client.ts';
import { principalId, principalOf } from './principal.ts';
import { HttpProblem, problemBody, toHttpProblem } from './problem.ts';

export interface Outcome {
  status: number;
  body: unknown;
  contentType?: string;
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The route a request matched, independent of how its path was spelled: the router's mount path (our
 * mounts are literal lower-case paths; Express matches them case-insensitively) and the route's pattern,
 * with the route parameters' values as parsed (UUIDs in lower case, as PostgreSQL compares them). A
 * trailing slash or other letter case reaches the same route, so it is the same request.
 */
export function matchedRoute(req: Request): string {
  const pattern = typeof req.route?.path === 'string' ? req.route.path : req.path;
  const params = Object.entries(req.params ?? {})
    .map(([k, v]) => [k, typeof v === 'string' && UUID.test(v) ? v.toLowerCase() : v] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${req.baseUrl.toLowerCase().replace(/\/+$/, '')}${pattern} ${canonical(Object.fromEntries(params))}`;
}

export function requestHash(req: Request, body: unknown = req.body): string {
  return hashRequest(req.method, matchedRoute(req), body);
}

/**
 * The hash records made before requests were hashed by their matched route carry (the path as spelled).
 * Accepted too, so a key first used before that change still replays; such records age out with the
 * retention (IDEMPOTENCY_RETENTION_DAYS), and this can go after one retention period.
 */
function spelledPathHash(req: Request, body: unknown = req.body): string {
  return hashRequest(req.method, `${req.baseUrl}${req.path}`, body);
}

/**
 * The hash of a request as `requestHash` computes it from its method, matched route (`matchedRoute`) and
 * body, for a request that arrives in another form (a batch item is hashed as the single request it stands
 * for, so one key means one thing in both).
 */
export function hashRequest(method: string, route: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${route}\n${canonical(body)}`)
    .digest('hex');
}

/** Whether `key` is a well-formed idempotency key (1 to 255 visible ASCII characters). */
export function isIdempotencyKey(key: unknown): key is string {
  return typeof key === 'string' && KEY_PATTERN.test(key);
}

/** The request's Idempotency-Key header, or `fallback` (a form's hidden field) when the header is absent. */
export function idempotencyKeyOf(req: Request, fallback?: string): string {
  const key = req.get('idempotency-key') ?? fallback;
  if (!key) throw new HttpProblem('validation_error', 'the Idempotency-Key header is required for this request');
  if (!KEY_PATTERN.test(key)) throw new HttpProblem('validation_error', 'Idempotency-Key must be 1 to 255 visible ASCII characters');
  return key;
}

/** Answers with an outcome: its status and body, `Idempotent-Replayed: true` when it was stored before. */
export function sendOutcome(res: Response, outcome: Outcome, replayed: boolean) {
  res.status(outcome.status);
  if (replayed) res.set('Idempotent-Replayed', 'true');
  const type = outcome.contentType ?? (outcome.status >= 400 ? 'application/problem+json' : 'application/json');
  res.type(type).send(JSON.stringify(outcome.body));
}

/** Who may replay whose answers: a (principal, key) pair and the hash of the request it was first used with. */
export interface IdempotencyScope {
  principal: string;
  key: string;
  requestHash: string;
  /** Earlier forms of the same request's hash that a stored record may carry. */
  sameRequestHashes?: string[];
}

/**
 * Runs `handler(resourceId)` at most once in effect per (principal, Idempotency-Key). `handler` must be
 * idempotent for a given resource id; it returns the outcome to store, or throws an HttpProblem (a 4xx
 * is stored too; anything else is not).
 */
export async function idempotent(db: Db, req: Request, res: Response, handler: (resourceId: string) => Promise<Outcome>): Promise<void> {
  const { outcome, replayed } = await idempotentOutcome(db, idempotencyScope(req), handler);
  sendOutcome(res, outcome, replayed);
}

/** The request's (principal, Idempotency-Key) and the hashes that make a stored record its own. */
export function idempotencyScope(req: Request): Required<IdempotencyScope> {
  return {
    principal: principalId(principalOf(req)),
    key: idempotencyKeyOf(req),
    requestHash: requestHash(req),
    sameRequestHashes: [spelledPathHash(req)],
  };
}

/**
 * The core of `idempotent` for callers that render the outcome themselves (the charge-link page answers
 * HTML forms): the stored or fresh outcome, and whether it was replayed.
 */
export async function idempotentOutcome(
  db: Db,
  { principal, key, requestHash: hash, sameRequestHashes = [] }: IdempotencyScope,
  handler: (resourceId: string) => Promise<Outcome>,
): Promise<{ outcome: Outcome; replayed: boolean }> {
  // One statement in the common case (a new key): the insert answers the record it created; only a key
  // seen before needs the second read.
  const created = await db.$queryRaw<{ requestHash: string; resourceId: string }[]>`
    INSERT INTO "IdempotencyRecord" ("principal", "key", "requestHash", "resourceId")
    VALUES (${principal}, ${key}, ${hash}, ${randomUUID()})
    ON CONFLICT DO NOTHING
    RETURNING "requestHash", "resourceId"`;
  const record = created[0]
    ? { ...created[0], completedAt: null, responseStatus: null, responseBody: null }
    : await db.idempotencyRecord.findUniqueOrThrow({ where: { principal_key: { principal, key } } });
  if (record.requestHash !== hash && !sameRequestHashes.includes(record.requestHash)) {
    throw new HttpProblem('idempotency_key_reused', 'this Idempotency-Key was used with a different request');
  }
  if (record.completedAt && record.responseStatus) {
    return { outcome: { status: record.responseStatus, body: record.responseBody }, replayed: true };
  }
  let outcome: Outcome;
  try {
    outcome = await handler(record.resourceId);
  } catch (err) {
    const problem = toHttpProblem(err);
    // Only a definite answer is stored: a 5xx (a dependency that did not answer) says nothing about the outcome.
    if (!problem || problem.status >= 500) throw err;
    outcome = { status: problem.status, body: problemBody(problem.code, problem.detail, problem.extra) };
  }
  // First answer wins; a concurrent twin that finished first has already stored the same outcome.
  const stored = await db.$executeRaw`
    UPDATE "IdempotencyRecord" SET "responseStatus" = ${outcome.status}, "responseBody" = ${JSON.stringify(outcome.body)}::jsonb, "completedAt" = now()
    WHERE "principal" = ${principal} AND "key" = ${key} AND "completedAt" IS NULL`;
  if (stored === 0) {
    const winner = await db.idempotencyRecord.findUniqueOrThrow({ where: { principal_key: { principal, key } } });
    if (winner.responseStatus) return { outcome: { status: winner.responseStatus, body: winner.responseBody }, replayed: true };
  }
  return { outcome, replayed: false };
}

/** A (principal, key) record as a batch sees it. */
export interface KeyRecord {
  key: string;
  requestHash: string;
  resourceId: string;
  /** The stored answer, once the key's request finished. */
  outcome?: Outcome;
}

/**
 * The batch form of `idempotentOutcome`'s first half, for many keys of one principal in two statements:
 * records each new key with its request hash and a fresh resource id, and returns every key's record (an
 * earlier one, of a single request or another batch, wins). The caller compares hashes, replays stored
 * outcomes, runs the rest against their resource ids and stores their answers with `storeOutcomes`.
 */
export async function claimKeys(db: Db, principal: string, claims: readonly { key: string; requestHash: string }[]): Promise<Map<string, KeyRecord>> {
  const first = new Map<string, string>();
  for (const c of claims) if (!first.has(c.key)) first.set(c.key, c.requestHash);
  const keys = [...first.keys()];
  await db.$executeRaw`
    INSERT INTO "IdempotencyRecord" ("principal", "key", "requestHash", "resourceId")
    SELECT ${principal}, t."key", t."hash", t."rid"
    FROM unnest(${keys}::text[], ${keys.map((k) => first.get(k)!)}::text[], ${keys.map(() => randomUUID())}::text[]) AS t("key", "hash", "rid")
    ON CONFLICT DO NOTHING`;
  const rows = await db.$queryRaw<
    { key: string; requestHash: string; resourceId: string; responseStatus: number | null; responseBody: unknown; completedAt: Date | null }[]
  >`
    SELECT "key", "requestHash", "resourceId", "responseStatus", "responseBody", "completedAt" FROM "IdempotencyRecord"
    WHERE "principal" = ${principal} AND "key" = ANY(${keys}::text[])`;
  return new Map(
    rows.map((r) => [
      r.key,
      {
        key: r.key,
        requestHash: r.requestHash,
        resourceId: r.resourceId,
        outcome: r.completedAt && r.responseStatus ? { status: r.responseStatus, body: r.responseBody } : undefined,
      },
    ]),
  );
}

/**
 * Stores the answers of many keys at once, first answer wins (as in `idempotentOutcome`): returns the
 * outcome each key now answers — its own, or the one a twin (a racing single request or batch) stored first.
 */
export async function storeOutcomes(db: Db, principal: string, answers: ReadonlyMap<string, Outcome>): Promise<Map<string, Outcome>> {
  const keys = [...answers.keys()];
  const result = new Map(answers);
  if (keys.length === 0) return result;
  const stored = await db.$queryRaw<{ key: string }[]>`
    UPDATE "IdempotencyRecord" r
    SET "responseStatus" = t."status", "responseBody" = t."body"::jsonb, "completedAt" = now()
    FROM unnest(${keys}::text[], ${keys.map((k) => answers.get(k)!.status)}::int[], ${keys.map((k) => JSON.stringify(answers.get(k)!.body))}::text[]) AS t("key", "status", "body")
    WHERE r."principal" = ${principal} AND r."key" = t."key" AND r."completedAt" IS NULL
    RETURNING r."key"`;
  if (stored.length < keys.length) {
    const mine = new Set(stored.map((r) => r.key));
    const others = keys.filter((k) => !mine.has(k));
    const winners = await db.idempotencyRecord.findMany({ where: { principal, key: { in: others } } });
    for (const w of winners) if (w.responseStatus) result.set(w.key, { status: w.responseStatus, body: w.responseBody });
  }
  return result;
}
