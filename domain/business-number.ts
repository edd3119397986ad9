// 사업자등록번호 (Korean business registration number): 10 digits, written 123-45-67890, whose last digit
// is a check digit. Pure: used by the API's validation and unit-tested alone.
//
// The checksum (National Tax Service): weights 1,3,7,1,3,7,1,3,5 on the first nine digits; the ninth
// digit also adds floor(d9 * 5 / 10); the check digit is (10 - sum mod 10) mod 10.

const WEIGHTS = [1, 3, 7, 1, 3, 7, 1, 3, 5] as const;

export type BusinessNumberCheck = { ok: true; digits: string } | { ok: false; reason: string };

/** Validates a registration number (dashes allowed only in the 3-2-5 places) and returns its 10 digits. */
export function checkBusinessRegistrationNumber(input: string): BusinessNumberCheck {
  const s = input.trim();
  if (!/^(\d{10}|\d{3}-\d{2}-\d{5})$/.test(s)) {
    return { ok: false, reason: 'a business registration number is 10 digits, written 1234567890 or 123-45-67890' };
  }
  const digits = s.replace(/-/g, '');
  const d = [...digits].map(Number);
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += d[i]! * WEIGHTS[i]!;
  sum += Math.floor((d[8]! * 5) / 10);
  const check = (10 - (sum % 10)) % 10;
  if (check !== d[9])
    return { ok: false, reason: `the check digit of ${formatBusinessRegistrationNumber(digits)} does not match (expected ${check}): check for a typo` };
  return { ok: true, digits };
}

/** 1234567890 → 123-45-67890. */
export function formatBusinessRegistrationNumber(digits: string): string {
  return `${digits.slice(0, 3)}-${digits.slice(3, 5)}-${digits.slice(5)}`;
}
