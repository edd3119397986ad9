/**
 * Business calendar for bank-transfer processing (top-up confirmation) and refund
 * reviews.
 *
 * DETERMINISM: everything in this module runs inside Temporal workflow code, so it
 * is pure. No Date.now(), no `new Date()` without an argument, no luxon
 * `DateTime.now()`/`DateTime.fromObject()` (the latter reads the clock for its
 * provisional offset), no env, no I/O. The only luxon API used is
 * `IANAZone#offset(ts)`, a pure function of its argument (Intl tz data). All
 * inputs are explicit: the calendar is a plain JSON-serializable object (holidays
 * materialized as 'YYYY-MM-DD' strings) and every instant is passed in.
 *
 * DEFINITIONS (all wall-clock times are in `cal.timeZone`):
 * - Business day: a local date whose ISO weekday has non-null `hours` and which is
 *   not listed in `closedDates`.
 * - Opening hours of a business day: the half-open interval [open, close). An
 *   instant exactly at `close` is outside hours; exactly at `open` is inside.
 * - Same-day cut-off: a request at or after `cutoff` (e.g. 16:00:00.000 exactly
 *   counts as after; 15:59:59.999 is before) is not picked up that day. The cut-off
 *   only affects intake (`pickupAt`), not how processing time is counted. When
 *   `close` is earlier than `cutoff` (Friday 13:30 < 16:00) `close` wins, so a
 *   Friday 14:00 request is simply outside hours.
 * - Business time normalization (`nextBusinessTime`): t itself if t is within the
 *   opening hours of a business day, otherwise the next opening (the same day's
 *   opening if t is before it on a business day).
 * - `addBusinessHours(t, h)`: starting from nextBusinessTime(t), consume h hours of
 *   time that lies within opening hours. A deadline that lands exactly on a day's
 *   close stays at that close (it is not moved to the next opening).
 * - `addBusinessDays(t, n)`: let s = nextBusinessTime(t) and D its local date; the
 *   result is on the n-th business day after D, at s's local wall-clock time,
 *   clamped into that day's [open, close] (e.g. 15:00 landing on a Friday that
 *   closes at 13:30 becomes Friday 13:30). n = 0 returns s.
 *
 * DST: wall times that do not exist (spring-forward gap) are shifted forward by the
 * gap length; ambiguous wall times (fall-back overlap) resolve to the earlier
 * instant.
 */
import { IANAZone } from 'luxon';

import { koreanPublicHolidays } from './holidays.ts';

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** Local wall-clock time 'HH:mm' (00:00–23:59; a `close` may also be '24:00'). */
export type HHmm = string;

export type OpeningHours = { open: HHmm; close: HHmm };

export type BusinessCalendar = {
  /** IANA time zone, e.g. 'Asia/Seoul'. */
  timeZone: string;
  /** Opening hours per ISO weekday; null = closed all day. */
  hours: Record<IsoWeekday, OpeningHours | null>;
  /** Same-day cut-off; requests at or after it are picked up at the next opening. null = none. */
  cutoff: HHmm | null;
  /** 'YYYY-MM-DD' local dates with no processing (public holidays + extra closures). */
  closedDates: string[];
};

export const DEFAULT_TIME_ZONE = 'Asia/Seoul';
export const DEFAULT_CUTOFF: HHmm = '16:00';
export const DEFAULT_HOURS: Readonly<Record<IsoWeekday, Readonly<OpeningHours> | null>> = Object.freeze({
  1: Object.freeze({ open: '09:30', close: '18:30' }),
  2: Object.freeze({ open: '09:30', close: '18:30' }),
  3: Object.freeze({ open: '09:30', close: '18:30' }),
  4: Object.freeze({ open: '09:30', close: '18:30' }),
  5: Object.freeze({ open: '09:30', close: '13:30' }),
  6: null,
  7: null,
});

export const DEFAULT_CONFIRM_WITHIN_BUSINESS_HOURS = 1;
export const DEFAULT_EXPIRE_AFTER_BUSINESS_DAYS = 5;
export const DEFAULT_REMIND_AFTER_BUSINESS_DAYS = 1;
export const DEFAULT_OVERDUE_AFTER_BUSINESS_DAYS = 5;

/**
 * The default calendar: Asia/Seoul, Mon–Thu 09:30–18:30, Fri 09:30–13:30, closed
 * Sat/Sun, 16:00 same-day cut-off, closed on Korean public holidays (incl.
 * substitute holidays) for `years` (default: every year the holiday package
 * covers) plus `extraClosedDates`.
 *
 * Call this outside the workflow and pass the result in as workflow input.
 */
export function defaultCalendar(opts?: { extraClosedDates?: string[]; years?: number[] }): BusinessCalendar {
  const extra = opts?.extraClosedDates ?? [];
  for (const d of extra) parseIsoDate(d);
  const closedDates = [...new Set([...koreanPublicHolidays(opts?.years), ...extra])].sort();
  return {
    timeZone: DEFAULT_TIME_ZONE,
    hours: {
      1: { ...DEFAULT_HOURS[1]! },
      2: { ...DEFAULT_HOURS[2]! },
      3: { ...DEFAULT_HOURS[3]! },
      4: { ...DEFAULT_HOURS[4]! },
      5: { ...DEFAULT_HOURS[5]! },
      6: null,
      7: null,
    },
    cutoff: DEFAULT_CUTOFF,
    closedDates,
  };
}

/** Throws (TypeError / RangeError) if the calendar is malformed. */
export function assertValidCalendar(cal: BusinessCalendar): void {
  compile(cal);
}

/** Whether a local 'YYYY-MM-DD' date is a business day. */
export function isBusinessDay(cal: BusinessCalendar, date: string): boolean {
  const c = compile(cal);
  return isBizDay(c, parseIsoDate(date));
}

/**
 * When a request made at instant `t` is picked up:
 * - within opening hours of a business day and before the cut-off → `t` itself;
 * - before opening on a business day → that day's opening;
 * - otherwise (at/after cut-off, at/after close, non-business day) → next business
 *   day's opening.
 */
export function pickupAt(cal: BusinessCalendar, t: Date): Date {
  const c = compile(cal);
  const ts = instantOf(t);
  const { day } = localParts(c, ts);
  if (isBizDay(c, day)) {
    const h = hoursOf(c, day)!;
    const open = wallToInstant(c, day, h.open);
    if (ts < open) return new Date(open);
    const intakeEnd = wallToInstant(c, day, c.cutoff === null ? h.close : Math.min(h.close, c.cutoff));
    if (ts < intakeEnd) return new Date(ts);
  }
  return new Date(openingOf(c, nextBizDay(c, day)));
}

/**
 * `t` if it lies within opening hours [open, close) of a business day, else the
 * next opening. Ignores the cut-off (use `pickupAt` for request intake).
 */
export function nextBusinessTime(cal: BusinessCalendar, t: Date): Date {
  return new Date(normalize(compile(cal), instantOf(t)).ts);
}

/**
 * `t` plus `hours` of processing time, counting only time within opening hours,
 * starting at `nextBusinessTime(t)`. `hours` may be fractional; must be >= 0.
 * Example (defaults): Fri 13:00 + 1 → Mon 10:00 (30 min Fri, 30 min Mon).
 */
export function addBusinessHours(cal: BusinessCalendar, t: Date, hours: number): Date {
  if (!Number.isFinite(hours) || hours < 0) throw new RangeError(`hours must be a finite number >= 0, got ${hours}`);
  const c = compile(cal);
  let remaining = Math.round(hours * HOUR);
  let { ts, day } = normalize(c, instantOf(t));
  for (;;) {
    const close = wallToInstant(c, day, hoursOf(c, day)!.close);
    const available = close - ts;
    if (remaining <= available) return new Date(ts + remaining);
    remaining -= available;
    day = nextBizDay(c, day);
    ts = openingOf(c, day);
  }
}

/**
 * N business days after `t`: on the N-th business day after the local date of
 * s = nextBusinessTime(t), at s's local time-of-day, clamped into that day's
 * [open, close]. `days` must be an integer >= 0; 0 returns s.
 * Example (defaults): Tue 10:00 → +5 → next Tue 10:00 (absent holidays);
 * Thu 15:00 → +5 landing on a Friday → that Friday 13:30 (clamped to close).
 */
export function addBusinessDays(cal: BusinessCalendar, t: Date, days: number): Date {
  if (!Number.isInteger(days) || days < 0) throw new RangeError(`days must be an integer >= 0, got ${days}`);
  const c = compile(cal);
  const start = normalize(c, instantOf(t));
  if (days === 0) return new Date(start.ts);
  const { msOfDay } = localParts(c, start.ts);
  let day = start.day;
  for (let i = 0; i < days; i++) day = nextBizDay(c, day);
  const h = hoursOf(c, day)!;
  const open = wallToInstant(c, day, h.open);
  const close = wallToInstant(c, day, h.close);
  const candidate = wallMsToInstant(c, day * DAY + msOfDay);
  return new Date(Math.min(Math.max(candidate, open), close));
}

export type ChargeSchedule = {
  /** When staff processing starts (`pickupAt(requestedAt)`). */
  processingStartsAt: Date;
  /** Staff should confirm by: processingStartsAt + confirmWithinBusinessHours business hours. */
  expectedBy: Date;
  /** Unconfirmed request expires at: processingStartsAt + expireAfterBusinessDays business days. */
  expiresAt: Date;
};

export function chargeSchedule(
  cal: BusinessCalendar,
  requestedAt: Date,
  opts?: { confirmWithinBusinessHours?: number; expireAfterBusinessDays?: number },
): ChargeSchedule {
  const processingStartsAt = pickupAt(cal, requestedAt);
  return {
    processingStartsAt,
    expectedBy: addBusinessHours(cal, processingStartsAt, opts?.confirmWithinBusinessHours ?? DEFAULT_CONFIRM_WITHIN_BUSINESS_HOURS),
    expiresAt: addBusinessDays(cal, processingStartsAt, opts?.expireAfterBusinessDays ?? DEFAULT_EXPIRE_AFTER_BUSINESS_DAYS),
  };
}

export type ReviewSchedule = { remindAt: Date; overdueAt: Date };

/**
 * Refund review deadlines, counted with `addBusinessDays` from `requestedAt`
 * (i.e. from nextBusinessTime(requestedAt); the bank-transfer same-day cut-off
 * does not apply to internal reviews).
 */
export function reviewSchedule(
  cal: BusinessCalendar,
  requestedAt: Date,
  opts?: { remindAfterBusinessDays?: number; overdueAfterBusinessDays?: number },
): ReviewSchedule {
  return {
    remindAt: addBusinessDays(cal, requestedAt, opts?.remindAfterBusinessDays ?? DEFAULT_REMIND_AFTER_BUSINESS_DAYS),
    overdueAt: addBusinessDays(cal, requestedAt, opts?.overdueAfterBusinessDays ?? DEFAULT_OVERDUE_AFTER_BUSINESS_DAYS),
  };
}

// ---------------------------------------------------------------------------
// internals
// ---------------------------------------------------------------------------

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Give up looking for the next business day after this many days (misconfiguration guard). */
const MAX_SCAN_DAYS = 3_660;

/** Day numbers are local calendar dates counted as days since 1970-01-01. */
type DayNumber = number;
/** Opening hours in minutes since local midnight. */
type Window = { open: number; close: number };
type Compiled = {
  zone: IANAZone;
  /** Index = ISO weekday (0 unused). */
  hours: readonly (Window | null)[];
  cutoff: number | null;
  closed: ReadonlySet<DayNumber>;
};

/**
 * The first instant of the calendar month (local time in `timeZone`) that contains `t`: where a monthly
 * limit (auto-recharge) starts counting. Pure, like the rest of this module.
 */
export function startOfMonth(timeZone: string, t: Date): Date {
  if (typeof timeZone !== 'string' || !IANAZone.isValidZone(timeZone)) throw new RangeError(`Invalid IANA time zone: ${String(timeZone)}`);
  const zone = IANAZone.create(timeZone);
  const ts = instantOf(t);
  const local = new Date(ts + zone.offset(ts) * MINUTE);
  const firstLocal = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1);
  return new Date(wallMsToInstant({ zone } as Compiled, firstLocal));
}

const WEEKDAYS: readonly IsoWeekday[] = [1, 2, 3, 4, 5, 6, 7];

function compile(cal: BusinessCalendar): Compiled {
  if (typeof cal?.timeZone !== 'string' || !IANAZone.isValidZone(cal.timeZone)) {
    throw new RangeError(`Invalid IANA time zone: ${String(cal?.timeZone)}`);
  }
  const zone = IANAZone.create(cal.timeZone);
  const hours: (Window | null)[] = [null];
  for (const wd of WEEKDAYS) {
    const h = cal.hours?.[wd] ?? null;
    if (h === null) {
      hours.push(null);
      continue;
    }
    const open = parseHHmm(h.open, false);
    const close = parseHHmm(h.close, true);
    if (!(open < close)) throw new RangeError(`Weekday ${wd}: open ${h.open} must be before close ${h.close}`);
    hours.push({ open, close });
  }
  const cutoff = cal.cutoff == null ? null : parseHHmm(cal.cutoff, false);
  const closed = new Set<DayNumber>();
  for (const d of cal.closedDates ?? []) closed.add(parseIsoDate(d));
  return { zone, hours, cutoff, closed };
}

function parseHHmm(s: unknown, allow24: boolean): number {
  const m = typeof s === 'string' ? /^(\d{2}):(\d{2})$/.exec(s) : null;
  const hh = Number(m?.[1]);
  const mm = Number(m?.[2]);
  if (!m || mm > 59 || hh > 24 || (hh === 24 && (!allow24 || mm !== 0))) {
    throw new RangeError(`Invalid time (expected HH:mm): ${String(s)}`);
  }
  return hh * 60 + mm;
}

function parseIsoDate(s: unknown): DayNumber {
  const m = typeof s === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(s) : null;
  if (m) {
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    // Date.UTC normalizes overflow (2026-02-30 → 2026-03-02); reject that.
    if (isoDateOf(ms / DAY) === s) return ms / DAY;
  }
  throw new RangeError(`Invalid date (expected YYYY-MM-DD): ${String(s)}`);
}

function isoDateOf(day: DayNumber): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

function isoWeekdayOf(day: DayNumber): IsoWeekday {
  // 1970-01-01 was a Thursday (ISO 4).
  return (((((day + 3) % 7) + 7) % 7) + 1) as IsoWeekday;
}

function instantOf(t: Date): number {
  const ts = t instanceof Date ? t.getTime() : NaN;
  if (!Number.isFinite(ts)) throw new RangeError('Invalid Date');
  return ts;
}

function hoursOf(c: Compiled, day: DayNumber): Window | null {
  return c.hours[isoWeekdayOf(day)] ?? null;
}

function isBizDay(c: Compiled, day: DayNumber): boolean {
  return hoursOf(c, day) !== null && !c.closed.has(day);
}

function nextBizDay(c: Compiled, day: DayNumber): DayNumber {
  for (let d = day + 1; d <= day + MAX_SCAN_DAYS; d++) if (isBizDay(c, d)) return d;
  throw new RangeError(`No business day within ${MAX_SCAN_DAYS} days after ${isoDateOf(day)}`);
}

function openingOf(c: Compiled, day: DayNumber): number {
  return wallToInstant(c, day, hoursOf(c, day)!.open);
}

/** Local calendar day and milliseconds since local midnight of an instant. */
function localParts(c: Compiled, ts: number): { day: DayNumber; msOfDay: number } {
  const local = ts + c.zone.offset(ts) * MINUTE;
  const day = Math.floor(local / DAY);
  return { day, msOfDay: local - day * DAY };
}

/** Instant of local wall time `minutes` after midnight of `day`. */
function wallToInstant(c: Compiled, day: DayNumber, minutes: number): number {
  return wallMsToInstant(c, day * DAY + minutes * MINUTE);
}

/**
 * Instant for a local wall-clock timestamp (local time expressed as if it were UTC
 * ms). Deterministic: candidate offsets come from the zone around that time, never
 * from "now". Overlap → earlier instant; gap → shifted forward by the gap.
 */
function wallMsToInstant(c: Compiled, localMs: number): number {
  const before = c.zone.offset(localMs - DAY);
  const candidates = [before, c.zone.offset(localMs), c.zone.offset(localMs + DAY)];
  let best: number | undefined;
  for (const o of candidates) {
    const utc = localMs - o * MINUTE;
    if (c.zone.offset(utc) === o && (best === undefined || utc < best)) best = utc;
  }
  return best ?? localMs - before * MINUTE;
}

/** nextBusinessTime on compiled data, also returning the local business day. */
function normalize(c: Compiled, ts: number): { ts: number; day: DayNumber } {
  const { day } = localParts(c, ts);
  const h = hoursOf(c, day);
  if (h !== null && isBizDay(c, day)) {
    const open = wallToInstant(c, day, h.open);
    if (ts < open) return { ts: open, day };
    if (ts < wallToInstant(c, day, h.close)) return { ts, day };
  }
  const next = nextBizDay(c, day);
  return { ts: openingOf(c, next), day: next };
}
