// Start-up check of the business calendar's holiday data (see domain/holidays.ts holidayCoverage).
import type { Logger } from 'pino';
import { holidayCoverage } from '../domain/holidays.ts';

/** Logs a warning when the Korean holiday data ends within 90 days of `now`; returns whether it covers them. */
export function warnIfHolidayDataEnds(logger: Pick<Logger, 'warn'>, now: Date): boolean {
  const coverage = holidayCoverage(now);
  if (!coverage.covered) {
    logger.warn(
      { holidayDataUntil: coverage.coveredUntil, neededUntil: coverage.neededUntil },
      `the Korean public holiday data (@hyunbinseo/holidays-kr) ends ${coverage.coveredUntil}, within 90 days: upgrade the package or list the holidays in EXTRA_CLOSED_DATES, or bank transfers will be scheduled on holidays`,
    );
  }
  return coverage.covered;
}
