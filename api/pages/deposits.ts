// Page pieces for deposits (SPEC §6.2), kept apart from pay.ts and admin.ts so those stay as they are:
// the charge-link page's virtual-account form and the page of an issued account (deadline in the business
// time zone), and the /admin section of unmatched bank deposits (with Assign) and failed tax documents,
// driven by its own inline script (its CSP hash is added to the admin page's).
import { randomUUID } from 'node:crypto';
import { html, SafeHtml, scriptHash } from './html.ts';
import { formatInstant } from './pay.ts';
import type { ChargeLimits } from '../../config/config.ts';
import type { VirtualAccountInfo } from '../../workflows/charge/definitions.ts';

const won = (n: number) => n.toLocaleString('ko-KR');

/** The charge-link page's form for a virtual account, beside card and bank transfer. */
export function virtualAccountForm(token: string, limits: ChargeLimits): SafeHtml {
  return html`<form class="card" method="post" action="/pay/${encodeURIComponent(token)}/virtual-account" id="virtual-account-form">
  <h2>가상계좌 · Virtual account</h2>
  <input type="hidden" name="idempotencyKey" value="${randomUUID()}">
  <label for="va-amount">충전 금액 · Amount (P)</label>
  <input id="va-amount" name="amount" type="number" inputmode="numeric" required min="${limits.minimum.virtual_account}" max="${limits.maximum}" step="1" value="${limits.minimum.virtual_account}">
  <div class="muted">최소 ${won(limits.minimum.virtual_account)} P · 이 충전 전용 계좌가 발급되며, 입금 즉시 24시간 자동 충전됩니다 (A one-off account; credited as soon as you deposit, around the clock).</div>
  <button type="submit">가상계좌 발급 · Issue account</button>
</form>`;
}

export interface LinkVirtualAccountCharge {
  id: string;
  amount: number;
  virtualAccount: VirtualAccountInfo;
}

/** The issued account: where to deposit exactly what, by when (in the business time zone). */
export function virtualAccountIssued(token: string, accountName: string, c: LinkVirtualAccountCharge, timeZone: string): SafeHtml {
  const va = c.virtualAccount;
  return html`<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex, nofollow"><title>${accountName} — 가상계좌 안내</title>
<style>body{font:15px/1.55 system-ui,sans-serif;max-width:760px;margin:1.5rem auto;padding:0 1rem} .card{border:1px solid #d0d7de;border-radius:8px;padding:1rem 1.2rem} th{text-align:left;padding-right:1rem} .muted{color:#59636e}</style></head>
<body><h1>${accountName} <span class="muted">가상계좌 안내 · Virtual account</span></h1>
<section class="card" id="virtual-account">
  <p>아래 계좌로 <strong>정확히 ${won(c.amount)}원</strong>을 입금 기한까지 입금해 주세요. 입금되면 바로 충전됩니다. · Deposit exactly this amount before the deadline; it is credited at once.</p>
  <table>
    <tr><th>은행 · Bank</th><td>${va.bank}</td></tr>
    <tr><th>계좌번호 · Account</th><td><strong data-account-number>${va.accountNumber}</strong></td></tr>
    <tr><th>예금주 · Holder</th><td>${va.holder}</td></tr>
    <tr><th>금액 · Amount</th><td>${won(c.amount)} 원</td></tr>
    <tr><th>입금 기한 · Deposit by</th><td data-at="${va.dueAt}">${formatInstant(va.dueAt, timeZone)}</td></tr>
  </table>
  <p class="muted">기한이 지나면 계좌가 닫히고 요청은 만료됩니다 · After the deadline the account closes and the request expires. 요청 번호 · Request: <code>${c.id}</code></p>
</section>
<p><a href="/pay/${encodeURIComponent(token)}">← 충전 페이지로 · Back</a></p></body></html>`;
}

export const DEPOSITS_ADMIN_SCRIPT = `
'use strict';
(() => {
  const KEY = 'prepaidPoints.adminKey';
  const tz = document.body.dataset.tz || 'Asia/Seoul';
  const byId = (id) => document.getElementById(id);
  const time = (iso) => iso ? new Intl.DateTimeFormat('ko-KR', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(iso)) : '—';
  const pts = (n) => typeof n === 'number' ? n.toLocaleString('ko-KR') + ' P' : '—';
  function make(tag, props, ...children) {
    const e = document.createElement(tag);
    Object.assign(e, props || {});
    for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
    return e;
  }
  async function call(method, path, body) {
    const res = await fetch(path, { method, headers: Object.assign({ Authorization: 'Bearer ' + sessionStorage.getItem(KEY) }, body ? { 'Content-Type': 'application/json' } : {}), body: body ? JSON.stringify(body) : undefined });
    const data = await res.json().catch(() => null);
    if (!res.ok) throw new Error((data && (data.code + ': ' + data.detail)) || 'HTTP ' + res.status);
    return data;
  }
  function say(text, ok) {
    const f = byId('deposit-flash');
    f.textContent = text;
    f.className = 'card ' + (ok ? 'ok' : 'error');
    f.hidden = !text;
  }
  function unmatchedRow(d) {
    const charge = make('input', { placeholder: 'charge id', className: 'charge-id', maxLength: 36, ariaLabel: 'charge id' });
    const assign = make('button', { type: 'button', className: 'assign' }, '배정 · Assign');
    assign.onclick = async () => {
      if (!charge.value.trim()) { charge.focus(); return say('충전 요청 ID를 입력하세요 · enter the charge id', false); }
      assign.disabled = true;
      try {
        await call('POST', '/v1/bank-deposits/' + d.id + '/assign', { chargeId: charge.value.trim() });
        say('배정됨 · assigned ' + d.id, true);
        await loadDeposits();
      } catch (err) { say(err.message, false); assign.disabled = false; }
    };
    return make('tr', { id: 'bank-deposit-' + d.id }, make('td', {}, time(d.depositedAt)), make('td', {}, pts(d.amount)), make('td', {}, d.depositorName),
      make('td', {}, d.bankTransactionId), make('td', { className: 'muted' }, d.note || ''), make('td', {}, charge, assign));
  }
  function failedRow(e) {
    const d = e.data || {};
    return make('tr', {}, make('td', {}, time(e.createdAt)), make('td', {}, d.chargeId || e.subjectId), make('td', {}, d.type || ''), make('td', { className: 'muted' }, d.reason || ''));
  }
  function put(id, rows, empty, cols) {
    byId(id).replaceChildren(...(rows.length ? rows : [make('tr', {}, make('td', { colSpan: cols, className: 'muted' }, empty))]));
  }
  async function loadDeposits() {
    if (!sessionStorage.getItem(KEY)) return;
    const [deposits, failed] = await Promise.all([call('GET', '/v1/bank-deposits?status=unmatched&limit=200'), call('GET', '/v1/admin/events?type=tax_document_failed&limit=50')]);
    put('unmatched-deposits', deposits.deposits.map(unmatchedRow), '미확인 입금이 없습니다 · no unmatched deposits', 6);
    put('failed-tax-documents', failed.events.map(failedRow), '실패한 증빙이 없습니다 · no failed documents', 4);
    byId('count-unmatched').textContent = String(deposits.deposits.length);
  }
  const reload = () => setTimeout(() => loadDeposits().catch((err) => say(err.message, false)), 50);
  const refresh = byId('refresh');
  if (refresh) refresh.addEventListener('click', reload);
  const login = byId('login');
  if (login) login.addEventListener('submit', reload);
  byId('deposits-refresh').addEventListener('click', reload);
  reload();
})();
`;

export const DEPOSITS_ADMIN_SCRIPT_SRC = scriptHash(DEPOSITS_ADMIN_SCRIPT);

/** The /admin section: unmatched bank deposits (Assign to a charge) and tax documents that failed. */
export function depositsAdminSection(): SafeHtml {
  return html`<div id="deposit-flash" class="card" hidden></div>
  <section class="card" id="bank-deposits"><h2>미확인 입금 · Unmatched bank deposits (<span id="count-unmatched">0</span>) <button type="button" id="deposits-refresh" class="secondary">↻</button></h2>
    <table><thead><tr><th>입금 · Deposited</th><th>금액 · Amount</th><th>입금자 · Depositor</th><th>거래 · Transaction</th><th>사유 · Why</th><th>배정 · Assign to charge</th></tr></thead><tbody id="unmatched-deposits"></tbody></table>
  </section>
  <section class="card" id="tax-documents"><h2>발행 실패 증빙 · Tax documents that failed</h2>
    <table><thead><tr><th>시각 · At</th><th>충전 · Charge</th><th>종류 · Type</th><th>사유 · Reason</th></tr></thead><tbody id="failed-tax-documents"></tbody></table>
  </section>`;
}

export function depositsAdminScript(): SafeHtml {
  return html`<script>${new SafeHtml(DEPOSITS_ADMIN_SCRIPT)}</script>`;
}
