// Text that people will read back (account names, depositor names): refuse characters that are invisible
// or change how the text around them is displayed. Pure: used by the API's validation and unit-tested alone.
//
// Refused, by Unicode general category:
// - Cc (control): C0/C1 controls, including tab and line feeds;
// - Cf (format): zero-width space/joiners (U+200B–U+200D), word joiner (U+2060), BOM (U+FEFF), soft
//   hyphen, and every bidirectional control — embeddings and overrides U+202A–U+202E, isolates
//   U+2066–U+2069, marks U+200E/U+200F/U+061C;
// - Zl, Zp: line and paragraph separators (U+2028, U+2029).
// Ordinary letters of every script (Hangul included), digits, punctuation, spaces and emoji pass.

const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

export interface ForbiddenChar {
  /** Index in code points of the first refused character. */
  index: number;
  /** `U+XXXX` of the character. */
  codePoint: string;
  kind: 'control' | 'zero-width or format' | 'bidirectional control' | 'line separator';
}

const BIDI = new Set([0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]);

/** The first character of `text` a name must not contain, or null when the text is clean. */
export function findForbiddenChar(text: string): ForbiddenChar | null {
  let index = 0;
  for (const ch of text) {
    if (FORBIDDEN.test(ch)) {
      const cp = ch.codePointAt(0)!;
      const kind = /\p{Cc}/u.test(ch) ? 'control' : BIDI.has(cp) ? 'bidirectional control' : /\p{Cf}/u.test(ch) ? 'zero-width or format' : 'line separator';
      return { index, codePoint: `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`, kind };
    }
    index++;
  }
  return null;
}

/** The refusal message for a name, or null when it is acceptable. */
export function nameProblem(text: string): string | null {
  const bad = findForbiddenChar(text);
  return bad ? `must not contain control, zero-width or bidirectional characters (${bad.kind} ${bad.codePoint} at position ${bad.index + 1})` : null;
}

const FORBIDDEN_ALL = new RegExp(FORBIDDEN.source, 'gu');

/** `text` without the characters a name must not contain (for names reported by a bank or gateway). */
export function stripForbiddenChars(text: string): string {
  return text.replace(FORBIDDEN_ALL, '');
}
