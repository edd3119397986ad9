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
import {
  y2018,
  y2019,
  y2020,
  y2021,
  y2022,
  y2023,
  y2024,
  y2025,
  y2026,
  y2027,
} from '@hyunbinseo/holidays-kr/all';

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
export const KOREAN_HOLIDAY_YEARS: readonly number[] = Object.freeze(
  [...PRESETS.keys()].sort((a, b) => a - b),
);

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
