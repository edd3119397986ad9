// The charge-link page's forms as a browser posts them: zod schemas whose messages are Korean and name the
// field, so a refused form is shown again with the typed values and one message per field (JSON clients of
// the same routes keep the API's problem+json).
import { z } from 'zod';
import type { ChargeLimits } from '../../../config/config.ts';
import { won } from '../../pages/format.ts';

/** What the person typed, as typed (shown again when the form is refused). */
export type FormValues = Record<string, string>;
/** One Korean message per field; `form` for what belongs to no single field. */
export type FormErrors = Partial<Record<string, string>>;

export type FormResult<T> = { ok: true; value: T } | { ok: false; errors: FormErrors };

/** "50,000", " 50000 ", "５００００" → 50000; empty → undefined; anything else → NaN. */
export function parseAmountText(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const text = v.normalize('NFKC').replace(/[\s,원]/g, '');
  if (text === '') return undefined;
  return /^\d+$/.test(text) ? Number(text) : Number.NaN;
}

const METHOD_WORD = { card: '카드 결제는', bank_transfer: '무통장 입금은', virtual_account: '가상계좌는' } as const;

function amountField(limits: ChargeLimits, method: keyof typeof METHOD_WORD) {
  const minimum = limits.minimum[method];
  return z.preprocess(
    parseAmountText,
    z
      .number({ error: (iss) => (iss.input === undefined ? '충전 금액을 입력해 주세요.' : '충전 금액은 숫자로만 입력해 주세요. (예: 100,000)') })
      .int({ error: '충전 금액은 1원 단위로 입력해 주세요.' })
      .min(minimum, { error: `${METHOD_WORD[method]} ${won(minimum)}원부터 충전할 수 있습니다.` })
      .max(limits.maximum, { error: `한 번에 ${won(limits.maximum)}원까지 충전할 수 있습니다.` }),
  );
}

const RELOAD = '화면을 새로 고친 뒤 다시 시도해 주세요.';
const formKey = z.string({ error: RELOAD }).regex(/^[\x21-\x7e]{1,255}$/, { error: RELOAD });

export function cardForm(limits: ChargeLimits) {
  return z.object({
    amount: amountField(limits, 'card'),
    cardToken: z
      .string({ error: '결제할 카드를 선택해 주세요.' })
      .trim()
      .min(1, { error: '결제할 카드를 선택해 주세요.' })
      .max(200, { error: '카드 정보가 너무 깁니다.' }),
    idempotencyKey: formKey,
  });
}

export function virtualAccountForm(limits: ChargeLimits) {
  return z.object({ amount: amountField(limits, 'virtual_account'), idempotencyKey: formKey });
}

export function bankTransferForm(limits: ChargeLimits) {
  return z.object({
    amount: amountField(limits, 'bank_transfer'),
    depositorName: z
      .string({ error: '입금자명을 입력해 주세요.' })
      .trim()
      .min(1, { error: '입금자명을 입력해 주세요. 통장에 찍히는 이름과 같아야 확인이 빠릅니다.' })
      .max(100, { error: '입금자명은 100자 이내로 입력해 주세요.' }),
    idempotencyKey: formKey,
    /** Set when the person was warned about an open request of the same amount and still wants a new one. */
    confirmDuplicate: z.literal('yes', { error: RELOAD }).optional(),
  });
}

/** Parses a posted form: the typed value, or the first Korean message of each field. */
export function readForm<S extends z.ZodType>(schema: S, body: unknown): FormResult<z.infer<S>> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return { ok: true, value: result.data };
  const errors: FormErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path.length ? String(issue.path[0]) : 'form';
    if (field === 'idempotencyKey') errors.form ??= issue.message;
    else errors[field] ??= issue.message;
  }
  return { ok: false, errors };
}

/** The posted fields as strings, to put back into the form. */
export function typedValues(body: unknown, fields: readonly string[]): FormValues {
  const out: FormValues = {};
  const b = (body ?? {}) as Record<string, unknown>;
  for (const f of fields) if (typeof b[f] === 'string') out[f] = (b[f] as string).slice(0, 300);
  return out;
}
