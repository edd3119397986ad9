// Pure rules of deposits (SPEC §6.2): the business registration number checksum, depositor-name
// normalisation, and webhook signatures (format, tolerance, tampering).
import { describe, expect, it } from 'vitest';
import { checkBusinessRegistrationNumber, formatBusinessRegistrationNumber } from '../domain/business-number.ts';
import { normalizeDepositorName, sameDepositor } from '../domain/depositor-name.ts';
import { signatureHeader, verifySignature } from '../api/webhook-signature.ts';
import { bankDepositWorkflowId, parseWorkflowId } from '../workflows/ids.ts';

describe('business registration number (사업자등록번호)', () => {
  it('accepts valid numbers with or without dashes and returns the 10 digits', () => {
    expect(checkBusinessRegistrationNumber('124-81-00998')).toEqual({ ok: true, digits: '1248100998' });
    expect(checkBusinessRegistrationNumber('1248100998')).toEqual({ ok: true, digits: '1248100998' });
    expect(checkBusinessRegistrationNumber(' 220-81-62517 ')).toEqual({ ok: true, digits: '2208162517' });
  });

  it('refuses a wrong check digit, naming the expected one', () => {
    const r = checkBusinessRegistrationNumber('124-81-00997');
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('expected 8') });
    // Every other last digit is wrong.
    for (let d = 0; d <= 9; d++) if (d !== 8) expect(checkBusinessRegistrationNumber(`124810099${d}`).ok).toBe(false);
  });

  it('refuses wrong lengths, letters and misplaced dashes', () => {
    for (const bad of ['', '12481009', '12481009981', '124-8100998', '12-481-00998', '124-81-0099a', '１２４８１００９９８']) {
      expect(checkBusinessRegistrationNumber(bad)).toMatchObject({ ok: false, reason: expect.stringContaining('10 digits') });
    }
  });

  it('formats 10 digits as 3-2-5', () => {
    expect(formatBusinessRegistrationNumber('1248100998')).toBe('124-81-00998');
  });
});

describe('depositor names', () => {
  it('ignore spaces, case and full-width forms', () => {
    expect(normalizeDepositorName(' 홍 길동 ')).toBe('홍길동');
    expect(normalizeDepositorName('ＡＢＣ　Ｍｅｓｓａｇｉｎｇ')).toBe('abcmessaging');
    expect(sameDepositor('Acme Corp', 'ACMECORP')).toBe(true);
  });

  it('ignore the company forms (주), ㈜, 주식회사 wherever they stand', () => {
    for (const n of ['(주)에이비씨', '㈜에이비씨', '주식회사 에이비씨', '에이비씨 주식회사', '에이비씨(주)', '（주）에이비씨', '(주) 에이비씨']) {
      expect(normalizeDepositorName(n)).toBe('에이비씨');
      expect(sameDepositor(n, '에이비씨')).toBe(true);
    }
  });

  it('keep different names apart, and match nothing on empty names', () => {
    expect(sameDepositor('홍길동', '홍길순')).toBe(false);
    expect(sameDepositor('(주)에이비씨', '(주)에이비씨디')).toBe(false);
    expect(sameDepositor('', '')).toBe(false);
    expect(sameDepositor('(주)', '주식회사')).toBe(false);
    expect(sameDepositor(null, '홍길동')).toBe(false);
  });
});

describe('webhook signatures', () => {
  const secret = 'whsec_test_0123456789';
  const body = Buffer.from('{"transactionId":"tx_1","amount":100000}');
  const now = 1_800_000_000;

  it('verify a signature made with the same secret over the raw body', () => {
    expect(verifySignature(signatureHeader(secret, body, now), body, secret, now)).toEqual({ ok: true, timestamp: now });
    // Within the 5-minute tolerance either way.
    expect(verifySignature(signatureHeader(secret, body, now - 299), body, secret, now).ok).toBe(true);
    expect(verifySignature(signatureHeader(secret, body, now + 299), body, secret, now).ok).toBe(true);
  });

  it('refuse a missing, malformed, stale, re-keyed or tampered signature', () => {
    expect(verifySignature(undefined, body, secret, now)).toMatchObject({ ok: false, reason: 'missing signature header' });
    expect(verifySignature('v1=abc', body, secret, now)).toMatchObject({ ok: false, reason: expect.stringContaining('malformed') });
    expect(verifySignature(signatureHeader(secret, body, now - 301), body, secret, now)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('tolerance'),
    });
    expect(verifySignature(signatureHeader('another-secret', body, now), body, secret, now)).toMatchObject({ ok: false, reason: 'signature does not match' });
    const tampered = Buffer.from(body.toString().replace('100000', '900000'));
    expect(verifySignature(signatureHeader(secret, body, now), tampered, secret, now).ok).toBe(false);
    // The timestamp is part of what is signed: moving it breaks the signature.
    const moved = signatureHeader(secret, body, now).replace(`t=${now}`, `t=${now - 1}`);
    expect(verifySignature(moved, body, secret, now).ok).toBe(false);
  });
});

describe('bank-deposit workflow ids', () => {
  it('are the deposit id with a prefix, and parse back', () => {
    const id = '6f1c1f9e-3b0e-4e4c-9d55-0a4b3c2d1e0f';
    expect(bankDepositWorkflowId(id)).toBe(`bank-deposit:${id}`);
    expect(parseWorkflowId(bankDepositWorkflowId(id))).toEqual({ kind: 'bankDeposit', id });
  });
});
