// Server-rendered pages: one escaping function for everything interpolated, a tagged template that applies
// it, and the headers every page sends. Pages are self-contained (no external assets: the service runs
// offline), so a strict Content-Security-Policy costs nothing.
import { createHash } from 'node:crypto';
import type { Response } from 'express';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => ENTITIES[c]!);
}

/** Markup that is already safe (built by `html`); anything else interpolated is escaped. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(value);
}

/** A tagged template that escapes every interpolated value unless it is SafeHtml (or an array of it). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** The CSP source of an inline script: its SHA-256, so no other inline script runs. */
export function scriptHash(script: string): string {
  return `'sha256-${createHash('sha256').update(script).digest('base64')}'`;
}

export function sendPage(res: Response, status: number, page: SafeHtml, opts: { scriptSrc?: string; connectSelf?: boolean } = {}): void {
  const csp = [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `script-src ${opts.scriptSrc ?? "'none'"}`,
    ...(opts.connectSelf ? ["connect-src 'self'"] : []),
    "img-src 'self' data:",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  res
    .status(status)
    .set({
      'Content-Security-Policy': csp,
      'Cache-Control': 'no-store',
      // A charge-link URL is a bearer secret: never send it onwards as a Referer.
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'X-Robots-Tag': 'noindex, nofollow',
    })
    .type('html')
    .send(`<!doctype html>\n${page.value}`);
}

export const BASE_STYLE = `
body{font:15px/1.55 system-ui,-apple-system,"Apple SD Gothic Neo","Noto Sans CJK KR","Noto Sans KR","Malgun Gothic",sans-serif;max-width:760px;margin:1.5rem auto;padding:0 1rem;color:#1f2328;background:#f6f8fa;word-break:keep-all;overflow-wrap:break-word}
*:focus-visible{outline:3px solid #0969da;outline-offset:2px}
[hidden]{display:none!important}
h1{font-size:1.4rem;margin:.2rem 0 1rem} h2{font-size:1.1rem;margin:0 0 .6rem}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:1rem 1.2rem;margin:0 0 1rem}
.muted{color:#59636e;font-size:.9em} .big{font-size:1.8rem;font-weight:700}
label{display:block;margin:.5rem 0 .2rem;font-weight:600} input,select{font:inherit;padding:.45rem .5rem;border:1px solid #d0d7de;border-radius:6px;width:100%;box-sizing:border-box}
button{font:inherit;font-weight:600;padding:.5rem 1rem;border:0;border-radius:6px;background:#1f883d;color:#fff;cursor:pointer;margin-top:.8rem}
button.secondary{background:#6e7781} button.danger{background:#cf222e}
table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:.35rem .4rem;border-bottom:1px solid #eaeef2;vertical-align:top}
.error{border-color:#cf222e;background:#fff5f5} .ok{border-color:#1f883d;background:#f3fbf5}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:1rem}
code{font-family:ui-monospace,monospace;background:#eaeef2;padding:0 .25rem;border-radius:4px}
`;
