// Korean wording shared by the pages: amounts, instants in the business time zone written the way a Korean
// business reads them ("12월 7일(월) 09:30"), the opening hours of the configured calendar, item names.
import type { BusinessCalendar, IsoWeekday } from '../../domain/calendar.ts';
import type { ItemNames } from '../../domain/money.ts';

/** 1234567 → "1,234,567" (no unit: callers add 원 or P). */
export const won = (n: number): string => Math.trunc(n).toLocaleString('ko-KR');

const WEEKDAY_NAMES: Record<IsoWeekday, string> = { 1: '월', 2: '화', 3: '수', 4: '목', 5: '금', 6: '토', 7: '일' };

function parts(at: Date, timeZone: string) {
  const p = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes) => p.find((x) => x.type === type)?.value ?? '';
  const weekday = (['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(get('weekday')) + 1) as IsoWeekday;
  return { year: Number(get('year')), month: Number(get('month')), day: Number(get('day')), weekday, hour: get('hour'), minute: get('minute') };
}

/**
 * An instant in the business time zone: "12월 7일(월) 09:30", with the year in front when it is not the
 * year of `reference` ("2027년 1월 4일(월) 09:30").
 */
export function koreanDateTime(at: Date | string | undefined | null, timeZone: string, reference: Date = new Date()): string {
  if (!at) return '—';
  const d = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(d.getTime())) return '—';
  const x = parts(d, timeZone);
  const year = x.year !== parts(reference, timeZone).year ? `${x.year}년 ` : '';
  return `${year}${x.month}월 ${x.day}일(${WEEKDAY_NAMES[x.weekday]}) ${x.hour}:${x.minute}`;
}

/** The zone's short name for a reader ("KST" for Asia/Seoul, otherwise the IANA name). */
export function zoneLabel(timeZone: string): string {
  return timeZone === 'Asia/Seoul' ? '한국 시간(KST)' : timeZone;
}

/**
 * The calendar's opening hours in words, consecutive weekdays with the same hours grouped:
 * ["월–목 09:30–18:30", "금 09:30–13:30", "토·일·공휴일 휴무"].
 */
export function openingHoursText(cal: BusinessCalendar): string[] {
  const days = [1, 2, 3, 4, 5, 6, 7] as const;
  const runs: { from: IsoWeekday; to: IsoWeekday; hours: string }[] = [];
  const closed: string[] = [];
  for (const d of days) {
    const h = cal.hours[d];
    if (!h) {
      closed.push(WEEKDAY_NAMES[d]);
      continue;
    }
    const hours = `${h.open}–${h.close}`;
    const last = runs[runs.length - 1];
    if (last && last.hours === hours && last.to === d - 1) last.to = d;
    else runs.push({ from: d, to: d, hours });
  }
  const lines = runs.map((r) => {
    const span =
      r.from === r.to
        ? WEEKDAY_NAMES[r.from]
        : r.to === r.from + 1
          ? `${WEEKDAY_NAMES[r.from]}·${WEEKDAY_NAMES[r.to]}`
          : `${WEEKDAY_NAMES[r.from]}–${WEEKDAY_NAMES[r.to]}`;
    return `${span} ${r.hours}`;
  });
  lines.push(`${[...closed, '공휴일'].join('·')} 휴무`);
  return lines;
}

/** An item's display name: the configured one, else its code in capitals. */
export function itemName(code: string, names: ItemNames): string {
  return names[code] ?? code.toUpperCase();
}

/** Korean words for a charge's status, as a business reads them. */
export const CHARGE_STATUS_KO: Record<string, string> = {
  pending: '결제 확인 중',
  awaiting_deposit: '입금 대기',
  succeeded: '충전 완료',
  failed: '결제 실패',
  cancelled: '요청 취소',
  rejected: '요청 거절',
  expired: '기한 만료',
};

export const METHOD_KO: Record<string, string> = { card: '카드 결제', bank_transfer: '무통장 입금', virtual_account: '가상계좌' };
