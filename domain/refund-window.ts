// How long after a consumption an automatic refund reason (send_failed, unreachable_number,
// duplicate_order) is still credited at once. Past the window the same refund waits for an admin's review:
// a failed send is reported within days, and an old claim deserves a person's look. Pure.

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Whether a refund requested at `requestedAt` of a consumption made at `consumedAt` is inside the
 * automatic window of `windowDays` days. The window is inclusive: exactly `windowDays` days later is
 * still inside; one millisecond more is outside. A refund dated before its consumption (clock skew
 * between machines) is inside.
 */
export function withinAutoRefundWindow(consumedAt: Date, requestedAt: Date, windowDays: number): boolean {
  return requestedAt.getTime() - consumedAt.getTime() <= windowDays * DAY_MS;
}
