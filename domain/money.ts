// Points are integers (1 point = 1 KRW). Pure helpers shared by the API, activities and workflows.

export const MAX_POINTS = 1_000_000_000_000; // far below Number.MAX_SAFE_INTEGER; a sanity bound

export function assertPoints(value: number, what = 'amount'): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_POINTS) {
    throw new RangeError(`${what} must be a whole number of points between 0 and ${MAX_POINTS}`);
  }
  return value;
}

export function toPoints(value: bigint | number): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (!Number.isSafeInteger(n)) throw new RangeError(`points out of range: ${value}`);
  return n;
}

export type PriceList = Record<string, number>;

export const DEFAULT_PRICES: PriceList = { sms: 9, lms: 30, mms: 60, alimtalk: 8 };

/** Item code → the name a Korean business knows it by (shown on the pages; configurable). */
export type ItemNames = Record<string, string>;

export const DEFAULT_ITEM_NAMES: ItemNames = { sms: '문자(SMS)', lms: '장문(LMS)', mms: '사진(MMS)', alimtalk: '알림톡' };

/**
 * An amount that includes 10% VAT (부가세 포함) split into supply value and VAT, as on a Korean tax
 * invoice: supply = round(amount / 1.1), VAT = the rest. 1 point = 1 KRW, so the points credited equal the
 * amount paid.
 */
export function vatIncluded(amount: number): { supply: number; vat: number } {
  const supply = Math.round((amount * 10) / 11);
  return { supply, vat: amount - supply };
}

/** How many of each item a balance can still pay for (충전량에 따른 발송 가능 수). */
export function sendable(balance: number, prices: PriceList): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [item, unit] of Object.entries(prices)) out[item] = unit > 0 ? Math.floor(Math.max(balance, 0) / unit) : 0;
  return out;
}

/** The amount of a consumption given either an amount or an item and quantity. */
export function consumptionAmount(
  input: { amount?: number; item?: string; quantity?: number },
  prices: PriceList,
): { amount: number; unitPrice?: number } | { error: 'unknown_item' | 'missing_amount' } {
  if (input.item !== undefined) {
    const unit = prices[input.item];
    if (unit === undefined) return { error: 'unknown_item' };
    return { amount: unit * (input.quantity ?? 1), unitPrice: unit };
  }
  if (input.amount === undefined) return { error: 'missing_amount' };
  return { amount: input.amount };
}
