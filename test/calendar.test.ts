import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it, vi } from 'vitest';

import {
  type BusinessCalendar,
  addBusinessDays,
  addBusinessHours,
  assertValidCalendar,
  chargeSchedule,
  defaultCalendar,
  isBusinessDay,
  nextBusinessTime,
  pickupAt,
  reviewSchedule,
} from '../domain/calendar.ts';
import { KOREAN_HOLIDAY_YEARS, koreanHolidayNames, koreanPublicHolidays } from '../domain/holidays.ts';

/** A KST wall-clock time as an instant: kst('2026-09-11T17:00') === 2026-09-11T17:00+09:00. */
const kst = (local: string): Date => new Date(`${local}${local.length === 16 ? ':00' : ''}+09:00`);

const cal = defaultCalendar();

// Reference week without holidays: Mon 2026-09-07 … Fri 2026-09-11, Sat 12, Sun 13, Mon 14.
// Chuseok 2026: Thu 09-24, Fri 09-25, Sat 09-26 (no substitute: it does not overlap a Sunday).
// 개천절 Sat 2026-10-03 → substitute Mon 2026-10-05; 한글날 Fri 2026-10-09.
// Seollal 2027: Sat 02-06, Sun 02-07, Mon 02-08 + substitute Tue 02-09.

describe('holidays (package data)', () => {
  it('covers 2018–2027', () => {
    expect(KOREAN_HOLIDAY_YEARS).toEqual([2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026, 2027]);
  });

  it('has Chuseok 2026, the 개천절 substitute day, and Seollal 2027 with its substitute day', () => {
    const h = koreanPublicHolidays([2026, 2027]);
    expect(h).toEqual(expect.arrayContaining(['2026-09-24', '2026-09-25', '2026-09-26', '2026-10-03', '2026-10-05']));
    expect(h).toEqual(expect.arrayContaining(['2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09']));
    expect(h).not.toContain('2026-09-28'); // no Chuseok substitute in 2026
    expect(koreanHolidayNames('2027-02-09')).toEqual(['대체공휴일(설날)']);
    expect(koreanHolidayNames('2026-09-25')).toEqual(['추석']);
    expect(koreanHolidayNames('2026-09-28')).toBeNull();
  });

  it('is sorted, de-duplicated, filtered by year, and fails loudly for uncovered years', () => {
    const h = koreanPublicHolidays([2026]);
    expect(h).toEqual([...new Set(h)].sort());
    expect(h.every((d) => d.startsWith('2026-'))).toBe(true);
    expect(() => koreanPublicHolidays([2028])).toThrow(RangeError);
  });
});

describe('defaultCalendar', () => {
  it('builds the documented defaults', () => {
    expect(cal.timeZone).toBe('Asia/Seoul');
    expect(cal.cutoff).toBe('16:00');
    expect(cal.hours).toEqual({
      1: { open: '09:30', close: '18:30' },
      2: { open: '09:30', close: '18:30' },
      3: { open: '09:30', close: '18:30' },
      4: { open: '09:30', close: '18:30' },
      5: { open: '09:30', close: '13:30' },
      6: null,
      7: null,
    });
    expect(cal.closedDates).toEqual(koreanPublicHolidays());
    expect(() => assertValidCalendar(cal)).not.toThrow();
  });

  it('merges extra closures and limits years', () => {
    const c = defaultCalendar({ years: [2026], extraClosedDates: ['2026-12-31', '2026-12-25'] });
    expect(c.closedDates).toContain('2026-12-31');
    expect(c.closedDates.filter((d) => d === '2026-12-25')).toHaveLength(1);
    expect(c.closedDates.some((d) => d.startsWith('2027-'))).toBe(false);
    expect(c.closedDates).toEqual([...c.closedDates].sort());
    expect(() => defaultCalendar({ extraClosedDates: ['2026-13-01'] })).toThrow(RangeError);
    expect(() => defaultCalendar({ years: [2030] })).toThrow(RangeError);
  });

  it('returns a fresh, JSON-serializable object', () => {
    const a = defaultCalendar();
    a.hours[1] = null;
    a.closedDates.push('2026-09-07');
    expect(defaultCalendar().hours[1]).toEqual({ open: '09:30', close: '18:30' });
    expect(JSON.parse(JSON.stringify(cal))).toEqual(cal);
  });
});

describe('isBusinessDay', () => {
  it('weekdays yes, weekends no', () => {
    expect(isBusinessDay(cal, '2026-09-07')).toBe(true); // Mon
    expect(isBusinessDay(cal, '2026-09-11')).toBe(true); // Fri
    expect(isBusinessDay(cal, '2026-09-12')).toBe(false); // Sat
    expect(isBusinessDay(cal, '2026-09-13')).toBe(false); // Sun
  });

  it('public and substitute holidays are closed', () => {
    expect(isBusinessDay(cal, '2026-09-23')).toBe(true);
    expect(isBusinessDay(cal, '2026-09-24')).toBe(false);
    expect(isBusinessDay(cal, '2026-09-25')).toBe(false);
    expect(isBusinessDay(cal, '2026-09-28')).toBe(true);
    expect(isBusinessDay(cal, '2026-10-05')).toBe(false); // 대체공휴일(개천절)
    expect(isBusinessDay(cal, '2026-05-01')).toBe(false); // 노동절 (public holiday from 2026 in the package)
    expect(isBusinessDay(cal, '2027-02-08')).toBe(false);
    expect(isBusinessDay(cal, '2027-02-09')).toBe(false); // 대체공휴일(설날)
    expect(isBusinessDay(cal, '2027-02-10')).toBe(true);
  });

  it('extra closures are closed; bad dates throw', () => {
    expect(isBusinessDay(defaultCalendar({ extraClosedDates: ['2026-09-07'] }), '2026-09-07')).toBe(false);
    expect(() => isBusinessDay(cal, '2026-02-30')).toThrow(RangeError);
    expect(() => isBusinessDay(cal, '2026/09/07')).toThrow(RangeError);
  });
});

describe('pickupAt', () => {
  it('Friday 17:00 → Monday 09:30', () => {
    expect(pickupAt(cal, kst('2026-09-11T17:00'))).toEqual(kst('2026-09-14T09:30'));
  });

  it('Friday 12:00 → immediately', () => {
    expect(pickupAt(cal, kst('2026-09-11T12:00'))).toEqual(kst('2026-09-11T12:00'));
  });

  it('Friday closes at 13:30, before the 16:00 cut-off: 13:29 now, 13:30 and 14:00 → Monday', () => {
    expect(pickupAt(cal, kst('2026-09-11T13:29'))).toEqual(kst('2026-09-11T13:29'));
    expect(pickupAt(cal, kst('2026-09-11T13:30'))).toEqual(kst('2026-09-14T09:30'));
    expect(pickupAt(cal, kst('2026-09-11T14:00'))).toEqual(kst('2026-09-14T09:30'));
  });

  it('cut-off: 15:59 (and 15:59:59.999) is before, exactly 16:00 is after', () => {
    expect(pickupAt(cal, kst('2026-09-07T15:59'))).toEqual(kst('2026-09-07T15:59'));
    expect(pickupAt(cal, kst('2026-09-07T15:59:59.999'))).toEqual(kst('2026-09-07T15:59:59.999'));
    expect(pickupAt(cal, kst('2026-09-07T16:00'))).toEqual(kst('2026-09-08T09:30'));
    expect(pickupAt(cal, kst('2026-09-10T16:00'))).toEqual(kst('2026-09-11T09:30')); // Thu → Fri
  });

  it('between cut-off and close, and exactly at close → next opening', () => {
    expect(pickupAt(cal, kst('2026-09-08T17:00'))).toEqual(kst('2026-09-09T09:30'));
    expect(pickupAt(cal, kst('2026-09-08T18:29'))).toEqual(kst('2026-09-09T09:30'));
    expect(pickupAt(cal, kst('2026-09-08T18:30'))).toEqual(kst('2026-09-09T09:30'));
    expect(pickupAt(cal, kst('2026-09-08T23:59:59.999'))).toEqual(kst('2026-09-09T09:30'));
  });

  it('exactly at opening is immediate; before opening waits for it', () => {
    expect(pickupAt(cal, kst('2026-09-08T09:30'))).toEqual(kst('2026-09-08T09:30'));
    expect(pickupAt(cal, kst('2026-09-08T09:29:59.999'))).toEqual(kst('2026-09-08T09:30'));
    expect(pickupAt(cal, kst('2026-09-08T00:00'))).toEqual(kst('2026-09-08T09:30'));
  });

  it('without a cut-off, requests until close are picked up immediately', () => {
    const noCutoff: BusinessCalendar = { ...cal, cutoff: null };
    expect(pickupAt(noCutoff, kst('2026-09-07T18:29'))).toEqual(kst('2026-09-07T18:29'));
    expect(pickupAt(noCutoff, kst('2026-09-07T18:30'))).toEqual(kst('2026-09-08T09:30'));
  });

  it('Saturday / Sunday → Monday 09:30', () => {
    expect(pickupAt(cal, kst('2026-09-12T10:00'))).toEqual(kst('2026-09-14T09:30'));
    expect(pickupAt(cal, kst('2026-09-13T23:59'))).toEqual(kst('2026-09-14T09:30'));
  });

  it('uses the KST wall date even when the UTC date differs', () => {
    // 2026-09-13T23:00Z = Mon 2026-09-14 08:00 KST
    expect(pickupAt(cal, new Date('2026-09-13T23:00:00Z'))).toEqual(kst('2026-09-14T09:30'));
    // 2026-09-11T08:00Z = Fri 17:00 KST
    expect(pickupAt(cal, new Date('2026-09-11T08:00:00Z'))).toEqual(kst('2026-09-14T09:30'));
  });

  it('Chuseok 2026 bridging the weekend: Wed 16:00 → Mon 09-28', () => {
    expect(pickupAt(cal, kst('2026-09-23T15:00'))).toEqual(kst('2026-09-23T15:00'));
    expect(pickupAt(cal, kst('2026-09-23T16:00'))).toEqual(kst('2026-09-28T09:30'));
    expect(pickupAt(cal, kst('2026-09-24T10:00'))).toEqual(kst('2026-09-28T09:30'));
    expect(pickupAt(cal, kst('2026-09-25T12:00'))).toEqual(kst('2026-09-28T09:30'));
  });

  it('개천절 substitute Monday: Fri 2026-10-02 14:00 → Tue 10-06', () => {
    expect(pickupAt(cal, kst('2026-10-02T14:00'))).toEqual(kst('2026-10-06T09:30'));
  });

  it('Seollal 2027 (Sat–Mon + substitute Tue): Fri 02-05 14:00 → Wed 02-10 09:30', () => {
    expect(pickupAt(cal, kst('2027-02-05T14:00'))).toEqual(kst('2027-02-10T09:30'));
    expect(pickupAt(cal, kst('2027-02-08T10:00'))).toEqual(kst('2027-02-10T09:30'));
    expect(pickupAt(cal, kst('2027-02-09T10:00'))).toEqual(kst('2027-02-10T09:30'));
  });

  it('extra closure days', () => {
    const c = defaultCalendar({ extraClosedDates: ['2026-09-14', '2026-09-15'] });
    expect(pickupAt(c, kst('2026-09-11T17:00'))).toEqual(kst('2026-09-16T09:30'));
  });
});

describe('addBusinessHours', () => {
  it('Friday 12:00 + 1h = Friday 13:00', () => {
    expect(addBusinessHours(cal, kst('2026-09-11T12:00'), 1)).toEqual(kst('2026-09-11T13:00'));
  });

  it('Friday 13:00 + 1h = Monday 10:00 (30 min Fri + 30 min Mon)', () => {
    expect(addBusinessHours(cal, kst('2026-09-11T13:00'), 1)).toEqual(kst('2026-09-14T10:00'));
  });

  it('landing exactly on close stays at close', () => {
    expect(addBusinessHours(cal, kst('2026-09-11T12:30'), 1)).toEqual(kst('2026-09-11T13:30'));
    expect(addBusinessHours(cal, kst('2026-09-07T09:30'), 9)).toEqual(kst('2026-09-07T18:30'));
  });

  it('carries over to the next opening', () => {
    expect(addBusinessHours(cal, kst('2026-09-07T09:30'), 9.5)).toEqual(kst('2026-09-08T10:00'));
    expect(addBusinessHours(cal, kst('2026-09-07T18:00'), 1)).toEqual(kst('2026-09-08T10:00'));
  });

  it('starts from the next opening when t is outside hours (cut-off is irrelevant here)', () => {
    expect(addBusinessHours(cal, kst('2026-09-11T17:00'), 1)).toEqual(kst('2026-09-14T10:30'));
    expect(addBusinessHours(cal, kst('2026-09-12T10:00'), 0)).toEqual(kst('2026-09-14T09:30'));
    expect(addBusinessHours(cal, kst('2026-09-07T07:00'), 0.25)).toEqual(kst('2026-09-07T09:45'));
    expect(addBusinessHours(cal, kst('2026-09-07T17:00'), 1)).toEqual(kst('2026-09-07T18:00'));
  });

  it('a full week is 40 business hours', () => {
    expect(addBusinessHours(cal, kst('2026-09-07T09:30'), 40)).toEqual(kst('2026-09-11T13:30'));
    expect(addBusinessHours(cal, kst('2026-09-07T09:30'), 41)).toEqual(kst('2026-09-14T10:30'));
  });

  it('skips Chuseok', () => {
    expect(addBusinessHours(cal, kst('2026-09-23T18:00'), 1)).toEqual(kst('2026-09-28T10:00'));
  });

  it('rejects negative / non-finite hours', () => {
    expect(() => addBusinessHours(cal, kst('2026-09-07T10:00'), -1)).toThrow(RangeError);
    expect(() => addBusinessHours(cal, kst('2026-09-07T10:00'), Number.NaN)).toThrow(RangeError);
  });
});

describe('addBusinessDays', () => {
  it('same local time N business days later', () => {
    expect(addBusinessDays(cal, kst('2026-09-08T10:00'), 1)).toEqual(kst('2026-09-09T10:00'));
    expect(addBusinessDays(cal, kst('2026-09-08T10:00'), 5)).toEqual(kst('2026-09-15T10:00'));
    expect(addBusinessDays(cal, kst('2026-09-10T10:15:30.5'), 1)).toEqual(kst('2026-09-11T10:15:30.5'));
  });

  it('clamps to the target day close (Friday 13:30)', () => {
    expect(addBusinessDays(cal, kst('2026-09-10T15:00'), 1)).toEqual(kst('2026-09-11T13:30'));
    // Thu 08-13 + 5 with 대체공휴일(광복절) on Mon 08-17: Fri 14, Tue 18, Wed 19, Thu 20, Fri 21
    expect(addBusinessDays(cal, kst('2026-08-13T15:00'), 5)).toEqual(kst('2026-08-21T13:30'));
  });

  it('clamps to the target day opening when that day opens later', () => {
    const c: BusinessCalendar = { ...cal, hours: { ...cal.hours, 2: { open: '11:00', close: '18:30' } } };
    expect(addBusinessDays(c, kst('2026-09-07T10:00'), 1)).toEqual(kst('2026-09-08T11:00'));
  });

  it('outside hours starts from the next opening', () => {
    expect(addBusinessDays(cal, kst('2026-09-12T10:00'), 1)).toEqual(kst('2026-09-15T09:30')); // Sat → Mon 09:30 → Tue
    expect(addBusinessDays(cal, kst('2026-09-11T17:00'), 1)).toEqual(kst('2026-09-15T09:30')); // Fri after close
    expect(addBusinessDays(cal, kst('2026-09-11T17:00'), 0)).toEqual(kst('2026-09-14T09:30'));
    expect(addBusinessDays(cal, kst('2026-09-08T10:00'), 0)).toEqual(kst('2026-09-08T10:00'));
  });

  it('crosses Chuseok and the October holidays', () => {
    // Tue 09-22 → Wed 23, Mon 28, Tue 29, Wed 30, Thu 10-01
    expect(addBusinessDays(cal, kst('2026-09-22T10:00'), 5)).toEqual(kst('2026-10-01T10:00'));
    // Fri 10-02 → Tue 6, Wed 7, Thu 8, Mon 12, Tue 13 (Mon 5 substitute, Fri 9 한글날)
    expect(addBusinessDays(cal, kst('2026-10-02T10:00'), 5)).toEqual(kst('2026-10-13T10:00'));
  });

  it('rejects negative / fractional days', () => {
    expect(() => addBusinessDays(cal, kst('2026-09-07T10:00'), -1)).toThrow(RangeError);
    expect(() => addBusinessDays(cal, kst('2026-09-07T10:00'), 1.5)).toThrow(RangeError);
  });
});

describe('nextBusinessTime', () => {
  it('ignores the cut-off', () => {
    expect(nextBusinessTime(cal, kst('2026-09-07T17:00'))).toEqual(kst('2026-09-07T17:00'));
    expect(nextBusinessTime(cal, kst('2026-09-07T18:30'))).toEqual(kst('2026-09-08T09:30'));
  });
});

describe('chargeSchedule', () => {
  it('Friday 17:00: Monday 09:30 pickup, confirm by 10:30, expire next Monday 09:30', () => {
    expect(chargeSchedule(cal, kst('2026-09-11T17:00'))).toEqual({
      processingStartsAt: kst('2026-09-14T09:30'),
      expectedBy: kst('2026-09-14T10:30'),
      expiresAt: kst('2026-09-21T09:30'),
    });
  });

  it('Friday 12:00: immediate, confirm by 13:00, expire next Friday 12:00', () => {
    expect(chargeSchedule(cal, kst('2026-09-11T12:00'))).toEqual({
      processingStartsAt: kst('2026-09-11T12:00'),
      expectedBy: kst('2026-09-11T13:00'),
      expiresAt: kst('2026-09-18T12:00'),
    });
  });

  it('Friday 13:00: confirm by Monday 10:00', () => {
    expect(chargeSchedule(cal, kst('2026-09-11T13:00')).expectedBy).toEqual(kst('2026-09-14T10:00'));
  });

  it('cut-off minute on Mon–Thu', () => {
    expect(chargeSchedule(cal, kst('2026-09-09T15:59'))).toMatchObject({
      processingStartsAt: kst('2026-09-09T15:59'),
      expectedBy: kst('2026-09-09T16:59'),
    });
    expect(chargeSchedule(cal, kst('2026-09-09T16:00'))).toMatchObject({
      processingStartsAt: kst('2026-09-10T09:30'),
      expectedBy: kst('2026-09-10T10:30'),
    });
  });

  it('at 18:00 with 1 business hour: pickup is next morning (after cut-off), not 30 min today', () => {
    expect(chargeSchedule(cal, kst('2026-09-09T18:00')).expectedBy).toEqual(kst('2026-09-10T10:30'));
  });

  it('expiry crossing Chuseok 2026 (clamped to Friday close)', () => {
    // Wed 09-23 → Mon 28, Tue 29, Wed 30, Thu 10-01, Fri 10-02
    expect(chargeSchedule(cal, kst('2026-09-23T10:00'))).toEqual({
      processingStartsAt: kst('2026-09-23T10:00'),
      expectedBy: kst('2026-09-23T11:00'),
      expiresAt: kst('2026-10-02T10:00'),
    });
    expect(chargeSchedule(cal, kst('2026-09-23T15:00')).expiresAt).toEqual(kst('2026-10-02T13:30'));
  });

  it('Seollal 2027: Friday after close → Wed 02-10, expire Wed 02-17', () => {
    expect(chargeSchedule(cal, kst('2027-02-05T15:00'))).toEqual({
      processingStartsAt: kst('2027-02-10T09:30'),
      expectedBy: kst('2027-02-10T10:30'),
      expiresAt: kst('2027-02-17T09:30'),
    });
  });

  it('extra closure days shift pickup and expiry', () => {
    const c = defaultCalendar({ extraClosedDates: ['2026-09-14'] });
    expect(chargeSchedule(c, kst('2026-09-11T17:00'))).toEqual({
      processingStartsAt: kst('2026-09-15T09:30'),
      expectedBy: kst('2026-09-15T10:30'),
      expiresAt: kst('2026-09-22T09:30'),
    });
  });

  it('options override defaults', () => {
    expect(chargeSchedule(cal, kst('2026-09-11T12:00'), { confirmWithinBusinessHours: 2, expireAfterBusinessDays: 1 })).toEqual({
      processingStartsAt: kst('2026-09-11T12:00'),
      expectedBy: kst('2026-09-14T10:00'),
      expiresAt: kst('2026-09-14T12:00'),
    });
  });

  it('works on a JSON round-tripped calendar (workflow input)', () => {
    const wire = JSON.parse(JSON.stringify(cal)) as BusinessCalendar;
    expect(chargeSchedule(wire, kst('2026-09-23T16:30'))).toEqual(chargeSchedule(cal, kst('2026-09-23T16:30')));
  });
});

describe('reviewSchedule', () => {
  it('reminder after 1 business day, overdue after 5 (no cut-off for reviews)', () => {
    expect(reviewSchedule(cal, kst('2026-09-07T16:30'))).toEqual({
      remindAt: kst('2026-09-08T16:30'),
      overdueAt: kst('2026-09-14T16:30'),
    });
  });

  it('Thursday 15:00: reminder clamped to Friday 13:30', () => {
    expect(reviewSchedule(cal, kst('2026-09-10T15:00'))).toEqual({
      remindAt: kst('2026-09-11T13:30'),
      overdueAt: kst('2026-09-17T15:00'),
    });
  });

  it('weekend request counts from Monday opening', () => {
    expect(reviewSchedule(cal, kst('2026-09-12T10:00'))).toEqual({
      remindAt: kst('2026-09-15T09:30'),
      overdueAt: kst('2026-09-21T09:30'),
    });
  });

  it('crosses Chuseok', () => {
    expect(reviewSchedule(cal, kst('2026-09-23T10:00'))).toEqual({
      remindAt: kst('2026-09-28T10:00'),
      overdueAt: kst('2026-10-02T10:00'),
    });
  });

  it('options override defaults', () => {
    expect(reviewSchedule(cal, kst('2026-09-07T10:00'), { remindAfterBusinessDays: 2, overdueAfterBusinessDays: 10 })).toEqual({
      remindAt: kst('2026-09-09T10:00'),
      overdueAt: kst('2026-09-21T10:00'),
    });
  });
});

describe('other time zones', () => {
  const ny: BusinessCalendar = {
    timeZone: 'America/New_York',
    hours: {
      1: { open: '09:00', close: '17:00' },
      2: { open: '09:00', close: '17:00' },
      3: { open: '09:00', close: '17:00' },
      4: { open: '09:00', close: '17:00' },
      5: { open: '09:00', close: '17:00' },
      6: null,
      7: null,
    },
    cutoff: '15:00',
    closedDates: ['2026-11-26'], // Thanksgiving
  };

  it('uses New York wall time, across the DST start (2026-03-08)', () => {
    expect(pickupAt(ny, new Date('2026-03-06T14:59:00-05:00'))).toEqual(new Date('2026-03-06T14:59:00-05:00'));
    expect(pickupAt(ny, new Date('2026-03-06T15:00:00-05:00'))).toEqual(new Date('2026-03-09T09:00:00-04:00'));
    expect(addBusinessHours(ny, new Date('2026-03-06T16:30:00-05:00'), 1)).toEqual(new Date('2026-03-09T09:30:00-04:00'));
    expect(addBusinessDays(ny, new Date('2026-03-06T10:00:00-05:00'), 1)).toEqual(new Date('2026-03-09T10:00:00-04:00'));
  });

  it('across the DST end (2026-11-01) and a closed date', () => {
    expect(addBusinessDays(ny, new Date('2026-10-30T10:00:00-04:00'), 1)).toEqual(new Date('2026-11-02T10:00:00-05:00'));
    expect(addBusinessDays(ny, new Date('2026-11-25T10:00:00-05:00'), 1)).toEqual(new Date('2026-11-27T10:00:00-05:00'));
    // 09:00 Seoul Thursday is still Wednesday evening in New York
    expect(isBusinessDay(ny, '2026-11-26')).toBe(false);
    expect(pickupAt(ny, kst('2026-11-26T09:00'))).toEqual(new Date('2026-11-27T09:00:00-05:00'));
  });

  it('wall times in a DST gap shift forward; in an overlap take the earlier instant', () => {
    const sundays: BusinessCalendar = { ...ny, hours: { ...ny.hours, 7: { open: '02:30', close: '05:00' } }, cutoff: null };
    // 2026-03-08 02:30 does not exist in New York → 03:30 EDT
    expect(pickupAt(sundays, new Date('2026-03-08T01:00:00-05:00'))).toEqual(new Date('2026-03-08T03:30:00-04:00'));
    const overlap: BusinessCalendar = { ...ny, hours: { ...ny.hours, 7: { open: '01:30', close: '05:00' } }, cutoff: null };
    // 2026-11-01 01:30 happens twice → first one (EDT)
    expect(pickupAt(overlap, new Date('2026-11-01T00:00:00-04:00'))).toEqual(new Date('2026-11-01T01:30:00-04:00'));
  });

  it('half-hour offset zone (Asia/Kolkata)', () => {
    const kolkata: BusinessCalendar = { ...cal, timeZone: 'Asia/Kolkata', closedDates: [] };
    expect(pickupAt(kolkata, new Date('2026-09-11T17:00:00+05:30'))).toEqual(new Date('2026-09-14T09:30:00+05:30'));
    expect(addBusinessHours(kolkata, new Date('2026-09-11T13:00:00+05:30'), 1)).toEqual(new Date('2026-09-14T10:00:00+05:30'));
  });
});

describe('validation', () => {
  it('rejects malformed calendars', () => {
    expect(() => assertValidCalendar({ ...cal, timeZone: 'Mars/Olympus' })).toThrow(RangeError);
    expect(() => assertValidCalendar({ ...cal, cutoff: '4pm' })).toThrow(RangeError);
    expect(() => assertValidCalendar({ ...cal, hours: { ...cal.hours, 1: { open: '18:30', close: '09:30' } } })).toThrow(RangeError);
    expect(() => assertValidCalendar({ ...cal, hours: { ...cal.hours, 1: { open: '9:30', close: '18:30' } } })).toThrow(RangeError);
    expect(() => assertValidCalendar({ ...cal, closedDates: ['2026-02-30'] })).toThrow(RangeError);
    expect(() => pickupAt(cal, new Date(Number.NaN))).toThrow(RangeError);
  });

  it('accepts a 24:00 close', () => {
    const c: BusinessCalendar = { ...cal, hours: { ...cal.hours, 6: { open: '00:00', close: '24:00' } }, cutoff: null };
    expect(pickupAt(c, kst('2026-09-12T23:59'))).toEqual(kst('2026-09-12T23:59'));
    expect(addBusinessHours(c, kst('2026-09-12T23:30'), 1)).toEqual(kst('2026-09-14T10:00'));
    // with the default 16:00 cut-off, Saturday 23:59 is after cut-off
    expect(pickupAt({ ...c, cutoff: '16:00' }, kst('2026-09-12T23:59'))).toEqual(kst('2026-09-14T09:30'));
  });

  it('fails instead of looping forever when there are no business days', () => {
    const closed: BusinessCalendar = {
      ...cal,
      hours: { 1: null, 2: null, 3: null, 4: null, 5: null, 6: null, 7: null },
    };
    expect(() => pickupAt(closed, kst('2026-09-07T10:00'))).toThrow(RangeError);
  });
});

describe('determinism', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('never reads the clock', () => {
    vi.spyOn(Date, 'now').mockImplementation(() => {
      throw new Error('clock read');
    });
    const c = JSON.parse(JSON.stringify(cal)) as BusinessCalendar;
    expect(() => {
      chargeSchedule(c, kst('2026-09-11T13:00'));
      reviewSchedule(c, kst('2026-09-12T13:00'));
      addBusinessDays(c, kst('2026-03-06T16:30'), 3);
      isBusinessDay(c, '2026-09-25');
      pickupAt({ ...c, timeZone: 'America/New_York' }, new Date('2026-03-08T01:00:00-05:00'));
    }).not.toThrow();
  });

  it('source uses no clock, env or I/O', () => {
    for (const file of ['../domain/calendar.ts', '../domain/holidays.ts']) {
      const code = readFileSync(fileURLToPath(new URL(file, import.meta.url)), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      expect(code).not.toMatch(/Date\.now|new Date\(\s*\)|DateTime\.(now|local|fromObject)|Settings|process\.|node:|\bfs\b/);
    }
  });
});
