// Pure rules behind the hygiene checks: which characters a name refuses, the automatic refund window.
import { describe, expect, it } from 'vitest';
import { findForbiddenChar, nameProblem, stripForbiddenChars } from '../domain/text.ts';
import { withinAutoRefundWindow } from '../domain/refund-window.ts';

describe('names: findForbiddenChar', () => {
  it('accepts letters of every script, digits, punctuation, spaces and emoji', () => {
    for (const ok of ['Acme Messaging', '(주)마케팅 플랫폼', '홍길동', 'Zoë & Co.', 'شركة', '株式会社', 'A-B_C/D', 'Shop 😀', '👍🏽']) {
      expect(findForbiddenChar(ok), ok).toBeNull();
    }
  });

  it('refuses control characters, naming the code point and its position', () => {
    expect(findForbiddenChar('Ac\u0000me')).toEqual({ index: 2, codePoint: 'U+0000', kind: 'control' });
    expect(findForbiddenChar('a\tb')?.kind).toBe('control');
    expect(findForbiddenChar('a\nb')?.kind).toBe('control');
    expect(findForbiddenChar('a\u0085b')?.codePoint).toBe('U+0085');
    expect(findForbiddenChar('a\u007Fb')?.kind).toBe('control');
  });

  it('refuses zero-width and other invisible format characters', () => {
    for (const cp of [0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x00ad]) {
      expect(findForbiddenChar(`a${String.fromCodePoint(cp)}b`)?.kind, cp.toString(16)).toBe('zero-width or format');
    }
  });

  it('refuses every bidirectional embedding, override, isolate and mark', () => {
    for (const cp of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c]) {
      expect(findForbiddenChar(`x${String.fromCodePoint(cp)}`), cp.toString(16)).toMatchObject({ index: 1, kind: 'bidirectional control' });
    }
  });

  it('refuses line and paragraph separators; positions count code points, not UTF-16 units', () => {
    expect(findForbiddenChar('a\u2028')?.kind).toBe('line separator');
    expect(findForbiddenChar('😀\u2029')).toMatchObject({ index: 1, codePoint: 'U+2029' });
    expect(nameProblem('ok')).toBeNull();
    expect(nameProblem('evil\u202Etxt.exe')).toMatch(/bidirectional control U\+202E at position 5/);
  });
});

describe('names reported by a bank or gateway: stripForbiddenChars', () => {
  it('removes every refused character and keeps the rest, so the stripped name passes', () => {
    const reported = '\u202e(주)\u200b한빛\u0000 상사\u2028';
    expect(stripForbiddenChars(reported)).toBe('(주)한빛 상사');
    expect(findForbiddenChar(stripForbiddenChars(reported))).toBeNull();
    expect(stripForbiddenChars('HANBIT 🙂')).toBe('HANBIT 🙂');
  });
});

describe('automatic refund window', () => {
  const DAY = 24 * 60 * 60 * 1000;
  const consumed = new Date('2026-11-01T00:00:00Z');
  it('is inclusive at exactly the window and closed one millisecond after', () => {
    expect(withinAutoRefundWindow(consumed, new Date(consumed.getTime() + 7 * DAY), 7)).toBe(true);
    expect(withinAutoRefundWindow(consumed, new Date(consumed.getTime() + 7 * DAY + 1), 7)).toBe(false);
    expect(withinAutoRefundWindow(consumed, consumed, 7)).toBe(true);
  });
  it('a zero-day window allows only the same instant; a refund dated before its consumption is inside', () => {
    expect(withinAutoRefundWindow(consumed, new Date(consumed.getTime() + 1), 0)).toBe(false);
    expect(withinAutoRefundWindow(consumed, new Date(consumed.getTime() - 5_000), 0)).toBe(true);
  });
});
