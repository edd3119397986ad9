// Depositor names as banks print them differ from what a business typed: "(주)에이비씨" vs "주식회사 에이비씨",
// full-width "ＡＢＣ" vs "abc", stray spaces. Two names are the same depositor when their normal forms are
// equal. Pure, unit-tested alone; the bank deposit feed matches on it.

/** Company-form markers dropped before comparing (after NFKC, so ㈜ is already (주)). */
const COMPANY_FORMS = [/\(주\)/g, /주식회사/g, /\(유\)/g, /유한회사/g];

/**
 * The comparable form of a depositor name: Unicode NFKC (full-width letters, digits, brackets and spaces
 * become their plain forms; ㈜ becomes (주)), lower case, company-form markers removed, whitespace removed.
 */
export function normalizeDepositorName(name: string): string {
  let s = name.normalize('NFKC').toLowerCase();
  for (const form of COMPANY_FORMS) s = s.replace(form, '');
  return s.replace(/[\s\u200b\ufeff]+/g, '');
}

/** Whether two depositor names name the same depositor. Empty names match nothing. */
export function sameDepositor(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  const na = normalizeDepositorName(a);
  return na !== '' && na === normalizeDepositorName(b);
}
