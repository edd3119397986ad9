/**
 * Korean public holidays, materialized from `@hyunbinseo/holidays-kr` (official
 * gazette / KASA 월력요항 data).
 *
 * We import the static `./all` entry (plain object literals, one per year) rather
 * than the package root, whose API lazily `import()`s yearly presets and is async.
 * The static data is synchronous, pure and safe to bundle into Temporal workflow
 * code; still, the intended use is to call `koreanPublicHolidays()` outside the
 * workflow (when building the calendar config) and pass the resulting ISO date
 * strings in as workflow input.
 *
 * The presets already contain substitute holidays (대체공휴일, e.g. '2026-10-05'
 * for 개천절 on a Saturday, '2027-02-09' for 설날), temporary holidays (임시공휴일)
 * and election days, so nothing has to be derived here.
 *
 * Package version 5.2027.1 covers 2018–2027 (inclusive).
 */
import { y2018, y2019, y2020, y2021, y2022, y2023, y2024, y2025, y2026, y2027 } from '@hyunbinseo/holidays-kr/all';

type Preset = Readonly<Record<string, readonly string[]>>;

const PRESETS: ReadonlyMap<number, Preset> = new Map<number, Preset>([
  [2018, y2018],
  [2019, y2019],
  [2020, y2020],
  [2021, y2021],
  [2022, y2022],
  [2023, y2023],
  [2024, y2024],
  [2025, y2025],
  [2026, y2026],
  [2027, y2027],
]);

/** Years for which the installed package ships holiday data, ascending. */
export const KOREAN_HOLIDAY_YEARS: readonly number[] = Object.freeze([...PRESETS.keys()].sort((a, b) => a - b));

/**
 * Korean public holidays (including substitute / temporary / election holidays)
 * as sorted, de-duplicated 'YYYY-MM-DD' strings.
 *
 * @param years Years to include. Defaults to every year the package covers
 *   (`KOREAN_HOLIDAY_YEARS`) — never "the current year", so the result is
 *   deterministic. Throws a RangeError for a year the package does not cover,
 *   so a missing data year fails loudly instead of silently treating every
 *   holiday that year as a business day.
 */
export function koreanPublicHolidays(years?: readonly number[]): string[] {
  const wanted = years ?? KOREAN_HOLIDAY_YEARS;
  const out = new Set<string>();
  for (const year of wanted) {
    const preset = PRESETS.get(year);
    if (!preset) {
      throw new RangeError(
        `No Korean holiday data for year ${year} (package covers ${KOREAN_HOLIDAY_YEARS[0]}–${KOREAN_HOLIDAY_YEARS[KOREAN_HOLIDAY_YEARS.length - 1]})`,
      );
    }
    for (const date of Object.keys(preset)) out.add(date);
  }
  return [...out].sort();
}

/** Names of the holiday(s) on a 'YYYY-MM-DD' date, or null (for logs / UI). */
export function koreanHolidayNames(date: string): readonly string[] | null {
  const preset = PRESETS.get(Number(date.slice(0, 4)));
  return preset?.[date] ?? null;
}

/** The last date the installed holiday data covers ('YYYY-12-31' of its last year). */
export function holidayDataCoveredUntil(years: readonly number[] = KOREAN_HOLIDAY_YEARS): string {
  return `${Math.max(...years)}-12-31`;
}

export interface HolidayCoverage {
  /** The last date with holiday data. */
  coveredUntil: string;
  /** The date the data must reach: `horizonDays` after `now`. */
  neededUntil: string;
  covered: boolean;
}

/**
 * Whether the holiday data covers the next `horizonDays` days from `now` (default 90): past its last
 * year the calendar would treat every holiday as a business day. Dates are compared a day ahead of UTC,
 * so no time zone (Asia/Seoul is UTC+9) reaches a date the check did not look at.
 */
export function holidayCoverage(now: Date, horizonDays = 90, years: readonly number[] = KOREAN_HOLIDAY_YEARS): HolidayCoverage {
  const coveredUntil = holidayDataCoveredUntil(years);
  const neededUntil = new Date(now.getTime() + (horizonDays + 1) * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
  const coveredFrom = `${Math.min(...years)}-01-01`;
  const today = now.toISOString().slice(0, 10);
  return { coveredUntil, neededUntil, covered: neededUntil <= coveredUntil && today >= coveredFrom };
}
