// The charge-link page (간편 충전 링크): the business's name and balance, a card top-up form and a
// bank-transfer request form; and the pages that answer those forms. No script: it works on any phone.
import { randomUUID } from 'node:crypto';
import { BASE_STYLE, html, SafeHtml } from './html.ts';
import type { BankAccount, ChargeLimits } from '../../config/config.ts';
import { virtualAccountForm } from './deposits.ts';

const won = (n: number) => `${n.toLocaleString('ko-KR')}`;

/** An instant in the business time zone, e.g. "2026. 11. 26. (목) 오전 9:30 KST". */
export function formatInstant(iso: string | undefined, timeZone: string): string {
  if (!iso) return '—';
  const text = new Intl.DateTimeFormat('ko-KR', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(iso));
  return `${text} ${timeZone === 'Asia/Seoul' ? 'KST' : timeZone}`;
}

function layout(title: string, body: SafeHtml): SafeHtml {
  return html`<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex, nofollow">
<title>${title}</title><style>${new SafeHtml(BASE_STYLE)}</style></head><body>${body}</body></html>`;
}

export interface PayPageModel {
  token: string;
  accountName: string;
  balance: number;
  pendingCharges: number;
  sendable: Record<string, number>;
  linkExpiresAt: string;
  limits: ChargeLimits;
  timeZone: string;
}

export function payPage(m: PayPageModel): SafeHtml {
  const action = (path: string) => `/pay/${encodeURIComponent(m.token)}/${path}`;
  const sendable = Object.entries(m.sendable);
  return layout(
    `${m.accountName} — 포인트 충전`,
    html`<h1>${m.accountName} <span class="muted">포인트 충전 · Top up points</span></h1>
<section class="card" id="balance">
  <div class="muted">현재 잔액 · Balance</div>
  <div class="big" data-balance="${m.balance}">${won(m.balance)} P</div>
  ${m.pendingCharges > 0 ? html`<div class="muted">처리 중인 충전 · Pending top-ups: ${won(m.pendingCharges)} P</div>` : ''}
  ${sendable.length
    ? html`<table><thead><tr><th>발송 가능 수 · Sendable</th><th></th></tr></thead><tbody>${sendable.map(([item, n]) => html`<tr><td>${item.toUpperCase()}</td><td>${won(n)}건</td></tr>`)}</tbody></table>`
    : ''}
  <p class="muted">이 링크는 ${formatInstant(m.linkExpiresAt, m.timeZone)}까지 유효합니다 · This link is valid until then.</p>
</section>
<div class="grid">
<form class="card" method="post" action="${action('card')}">
  <h2>카드 충전 · Card</h2>
  <input type="hidden" name="idempotencyKey" value="${randomUUID()}">
  <label for="card-amount">충전 금액 · Amount (P)</label>
  <input id="card-amount" name="amount" type="number" inputmode="numeric" required min="${m.limits.minimum.card}" max="${m.limits.maximum}" step="1" value="${m.limits.minimum.card}">
  <label for="card-token">카드 토큰 · Card token</label>
  <input id="card-token" name="cardToken" required maxlength="200" placeholder="tok_visa" autocomplete="off">
  <div class="muted">결제대행사가 발급한 카드 토큰 (시험: <code>tok_visa</code>, <code>tok_declined</code>)</div>
  <div class="muted">최소 ${won(m.limits.minimum.card)} P · 최대 ${won(m.limits.maximum)} P</div>
  <button type="submit">카드로 충전 · Pay by card</button>
</form>
<form class="card" method="post" action="${action('bank-transfer')}">
  <h2>무통장 입금 · Bank transfer</h2>
  <input type="hidden" name="idempotencyKey" value="${randomUUID()}">
  <label for="bt-amount">충전 금액 · Amount (P)</label>
  <input id="bt-amount" name="amount" type="number" inputmode="numeric" required min="${m.limits.minimum.bank_transfer}" max="${m.limits.maximum}" step="1" value="${m.limits.minimum.bank_transfer}">
  <label for="bt-name">입금자명 · Depositor name</label>
  <input id="bt-name" name="depositorName" required maxlength="100" autocomplete="name">
  <div class="muted">최소 ${won(m.limits.minimum.bank_transfer)} P · 영업일 근무시간에 입금 확인 후 충전됩니다 (Credited after staff confirm the deposit in business hours).</div>
  <button type="submit">입금 요청 · Request</button>
</form>
${virtualAccountForm(m.token, m.limits)}
</div>`,
  );
}

/** A charge as the link holder sees it (no ids of the account, its cards or the gateway). */
export interface LinkCharge {
  id: string;
  amount: number;
  method: 'card' | 'bank_transfer';
  status: string;
  depositorName?: string | undefined;
  bankAccount?: BankAccount | undefined;
  processingStartsAt?: string | undefined;
  expectedBy?: string | undefined;
  expiresAt?: string | undefined;
  creditedAmount?: number | undefined;
  failureCode?: string | undefined;
  failureReason?: string | undefined;
  createdAt: string;
  completedAt?: string | undefined;
}

export function chargeResultPage(token: string, accountName: string, c: LinkCharge, timeZone: string): SafeHtml {
  const back = html`<p><a href="/pay/${encodeURIComponent(token)}">← 충전 페이지로 · Back</a></p>`;
  if (c.method === 'bank_transfer' && c.status === 'awaiting_deposit') {
    const bank = c.bankAccount;
    return layout(
      `${accountName} — 입금 안내`,
      html`<h1>${accountName} <span class="muted">입금 안내 · Bank transfer</span></h1>
<section class="card ok" id="bank-transfer">
  <p>아래 계좌로 <strong>${won(c.amount)}원</strong>을 <strong>${c.depositorName ?? ''}</strong> 이름으로 입금해 주세요. · Please deposit the amount under the depositor name below.</p>
  <table>
    <tr><th>은행 · Bank</th><td>${bank?.bank}</td></tr>
    <tr><th>계좌번호 · Account</th><td><strong>${bank?.accountNumber}</strong></td></tr>
    <tr><th>예금주 · Holder</th><td>${bank?.holder}</td></tr>
    <tr><th>금액 · Amount</th><td>${won(c.amount)} 원</td></tr>
    <tr><th>입금자명 · Depositor</th><td>${c.depositorName}</td></tr>
    <tr><th>처리 시작 · Processing starts</th><td data-at="${c.processingStartsAt}">${formatInstant(c.processingStartsAt, timeZone)}</td></tr>
    <tr><th>확인 예정 · Expected by</th><td data-at="${c.expectedBy}">${formatInstant(c.expectedBy, timeZone)}</td></tr>
    <tr><th>요청 만료 · Expires</th><td data-at="${c.expiresAt}">${formatInstant(c.expiresAt, timeZone)}</td></tr>
  </table>
  <p class="muted">요청 번호 · Request: <code>${c.id}</code></p>
</section>${back}`,
    );
  }
  const ok = c.status === 'succeeded';
  return layout(
    `${accountName} — ${ok ? '충전 완료' : '충전 결과'}`,
    html`<h1>${accountName} <span class="muted">${ok ? '충전 완료 · Charged' : '충전 결과 · Result'}</span></h1>
<section class="card ${ok ? 'ok' : 'error'}" id="charge-result">
  <p class="big">${won(c.creditedAmount ?? c.amount)} P</p>
  <p>상태 · Status: <strong>${c.status}</strong>${c.failureReason ? html` — ${c.failureReason}` : ''}</p>
  <p class="muted">요청 번호 · Request: <code>${c.id}</code> · ${formatInstant(c.completedAt ?? c.createdAt, timeZone)}</p>
</section>${back}`,
  );
}

export function problemPage(token: string | undefined, status: number, title: string, detail: string): SafeHtml {
  return layout(
    title,
    html`<h1>${title}</h1><section class="card error" id="problem"><p>${detail}</p><p class="muted">HTTP ${status}</p></section>
${token ? html`<p><a href="/pay/${encodeURIComponent(token)}">← 충전 페이지로 · Back</a></p>` : ''}`,
  );
}

/** The one answer for an unknown, expired or revoked link: it says nothing about which. */
export function linkNotFoundPage(): SafeHtml {
  return layout(
    '링크를 찾을 수 없습니다 · Link not found',
    html`<h1>링크를 찾을 수 없습니다</h1><section class="card error" id="problem"><p>이 충전 링크는 유효하지 않습니다. 만료되었거나 취소되었을 수 있습니다. 사업장에 새 링크를 요청해 주세요.</p>
<p>This charge link is not valid. It may have expired or been revoked; ask the business for a new one.</p></section>`,
  );
}
