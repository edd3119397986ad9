// The Korean wording of the pages as pure functions: instants in the business time zone, the configured
// opening hours in words, VAT included in an amount, amounts as people type them, the forms' Korean
// messages, and the configurable item names.
import { describe, expect, it } from 'vitest';
import { koreanDateTime, openingHoursText, itemName, won } from '../api/pages/format.ts';
import { bankTransferForm, cardForm, parseAmountText, readForm } from '../api/routes/charge-links/pay-forms.ts';
import { DEFAULT_ITEM_NAMES, vatIncluded } from '../domain/money.ts';
import { defaultCalendar } from '../domain/calendar.ts';
import { loadConfig } from '../config/config.ts';
import { payPage, presetAmounts, type PayPageModel } from '../api/pages/pay.ts';

describe('koreanDateTime', () => {
  const ref = new Date('2026-11-30T00:00:00Z');
  it('writes an instant in the business time zone as "12월 7일(월) 09:30", with the year only when it differs', () => {
    expect(koreanDateTime('2026-12-07T00:30:00Z', 'Asia/Seoul', ref)).toBe('12월 7일(월) 09:30');
    expect(koreanDateTime(new Date('2026-12-31T15:00:00Z'), 'Asia/Seoul', ref)).toBe('2027년 1월 1일(금) 00:00');
    expect(koreanDateTime('2026-12-07T00:30:00Z', 'UTC', ref)).toBe('12월 7일(월) 00:30');
    expect(koreanDateTime(undefined, 'Asia/Seoul', ref)).toBe('—');
  });
});

describe('openingHoursText', () => {
  it('groups the default hours: Mon–Thu, Fri, and the closed days with holidays', () => {
    expect(openingHoursText(defaultCalendar({ years: [2026] }))).toEqual(['월–목 09:30–18:30', '금 09:30–13:30', '토·일·공휴일 휴무']);
  });
  it('follows a configured calendar, not fixed text', () => {
    const cal = defaultCalendar({ years: [2026] });
    cal.hours[3] = { open: '10:00', close: '17:00' };
    cal.hours[6] = { open: '10:00', close: '12:00' };
    expect(openingHoursText(cal)).toEqual(['월·화 09:30–18:30', '수 10:00–17:00', '목 09:30–18:30', '금 09:30–13:30', '토 10:00–12:00', '일·공휴일 휴무']);
  });
});

describe('amounts', () => {
  it('splits a VAT-included amount into supply value and VAT that add up', () => {
    expect(vatIncluded(110_000)).toEqual({ supply: 100_000, vat: 10_000 });
    expect(vatIncluded(100_000)).toEqual({ supply: 90_909, vat: 9_091 });
    for (const n of [1, 7, 50_000, 123_457]) {
      const { supply, vat } = vatIncluded(n);
      expect(supply + vat).toBe(n);
    }
  });
  it('reads amounts as people type them; anything else is not a number', () => {
    expect(parseAmountText('50,000')).toBe(50_000);
    expect(parseAmountText(' 1 000 000원 ')).toBe(1_000_000);
    expect(parseAmountText('５００００')).toBe(50_000);
    expect(parseAmountText('')).toBeUndefined();
    expect(parseAmountText('12,3OO')).toBeNaN();
    expect(parseAmountText('1.5')).toBeNaN();
    expect(won(1234567)).toBe('1,234,567');
  });
  it('offers presets within the limits', () => {
    expect(presetAmounts(50_000, 100_000_000)).toEqual([50_000, 100_000, 300_000, 500_000, 1_000_000]);
    expect(presetAmounts(200_000, 400_000)).toEqual([300_000]);
    expect(presetAmounts(2_000_000, 3_000_000)).toEqual([2_000_000]);
  });
});

describe('the forms in Korean', () => {
  const limits = { minimum: { card: 50_000, bank_transfer: 30_000, virtual_account: 50_000 }, maximum: 1_000_000 };
  it('names each refused field once, in Korean', () => {
    const r = readForm(bankTransferForm(limits), { amount: '1,000', depositorName: ' ', idempotencyKey: 'k' });
    expect(r).toEqual({
      ok: false,
      errors: {
        amount: '무통장 입금은 30,000원부터 충전할 수 있습니다.',
        depositorName: '입금자명을 입력해 주세요. 통장에 찍히는 이름과 같아야 확인이 빠릅니다.',
      },
    });
    expect(readForm(cardForm(limits), { amount: '2,000,000', cardToken: 'tok_visa', idempotencyKey: 'k' })).toEqual({
      ok: false,
      errors: { amount: '한 번에 1,000,000원까지 충전할 수 있습니다.' },
    });
    expect(readForm(cardForm(limits), { amount: '', idempotencyKey: 'k' })).toEqual({
      ok: false,
      errors: { amount: '충전 금액을 입력해 주세요.', cardToken: '결제할 카드를 선택해 주세요.' },
    });
    expect(readForm(cardForm(limits), { amount: 'abc', cardToken: 'tok_visa' })).toEqual({
      ok: false,
      errors: { amount: '충전 금액은 숫자로만 입력해 주세요. (예: 100,000)', form: '화면을 새로 고친 뒤 다시 시도해 주세요.' },
    });
  });
  it('accepts a well-formed form', () => {
    expect(readForm(cardForm(limits), { amount: '50,000', cardToken: ' tok_visa ', idempotencyKey: 'k' })).toEqual({
      ok: true,
      value: { amount: 50_000, cardToken: 'tok_visa', idempotencyKey: 'k' },
    });
  });
});

describe('item names', () => {
  it('default to the Korean names and can be configured per item', () => {
    expect(itemName('alimtalk', DEFAULT_ITEM_NAMES)).toBe('알림톡');
    expect(itemName('fax', DEFAULT_ITEM_NAMES)).toBe('FAX');
    const config = loadConfig({ ITEM_NAMES: JSON.stringify({ sms: '단문 문자', fax: '팩스' }) });
    expect(config.itemNames).toMatchObject({ sms: '단문 문자', lms: '장문(LMS)', fax: '팩스' });
    expect(() => loadConfig({ ITEM_NAMES: JSON.stringify({ sms: '' }) })).toThrow();
  });
});

describe('payPage', () => {
  it('escapes every value it shows and states the schedule of the configured calendar', () => {
    const now = new Date('2026-11-30T07:30:00Z'); // Monday 16:30 KST: after the cut-off
    const model: PayPageModel = {
      token: 'cl_"><script>',
      accountName: '<img src=x onerror=alert(1)>',
      balance: 90,
      pendingCharges: 0,
      prices: { sms: 9, '<b>': 1 },
      itemNames: { ...DEFAULT_ITEM_NAMES, '<b>': '<i>굵게</i>' },
      linkExpiresAt: '2026-12-07T00:00:00Z',
      limits: { minimum: { card: 50_000, bank_transfer: 50_000, virtual_account: 50_000 }, maximum: 100_000_000 },
      calendar: defaultCalendar({ years: [2026] }),
      bankTransferSchedule: {
        processingStartsAt: new Date('2026-12-01T00:30:00Z'),
        expectedBy: new Date('2026-12-01T01:30:00Z'),
        expiresAt: new Date('2026-12-08T00:30:00Z'),
      },
      virtualAccountValidHours: 72,
      now,
      openRequests: [],
      formKeys: { card: 'k1', bank_transfer: 'k2', virtual_account: 'k3' },
    };
    const page = payPage(model).value;
    expect(page).not.toMatch(/<img src=x|"><script>|<i>굵게/);
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('&lt;i&gt;굵게&lt;/i&gt;');
    expect(page).toContain('문자(SMS)');
    expect(page).toContain('지금 요청하면 <strong><time datetime="2026-12-01T00:30:00.000Z">12월 1일(화) 09:30</time></strong>에 확인을 시작해');
    expect(page).toContain('입금 기한: <strong><time datetime="2026-12-08T00:30:00.000Z">12월 8일(화) 09:30</time>까지</strong>');
    expect(page).toContain('영업일 <span class="num">16:00</span> 이후 요청은 다음 영업일에 확인합니다.');
    const noCutoff = payPage({ ...model, calendar: { ...model.calendar, cutoff: null } }).value;
    expect(noCutoff).not.toContain('이후 요청은 다음 영업일');
  });
});
