// The admin page (/admin): one self-contained page whose script keeps the admin key in sessionStorage and
// calls the JSON API with it as a Bearer key. It lists the deposit confirmation queue, refunds awaiting
// review and recent admin events, with buttons for the existing decision endpoints. Every value from the
// API is put in the DOM with textContent, never as markup.
import { BASE_STYLE, html, SafeHtml, scriptHash } from './html.ts';
import { depositsAdminScript, depositsAdminSection } from './deposits.ts';

export const ADMIN_SCRIPT = `
'use strict';
const KEY = 'prepaidPoints.adminKey';
const tz = document.body.dataset.tz || 'Asia/Seoul';
const $ = (id) => document.getElementById(id);
const fmtTime = (iso) => iso ? new Intl.DateTimeFormat('ko-KR', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(iso)) : '—';
const fmtPoints = (n) => typeof n === 'number' ? n.toLocaleString('ko-KR') + ' P' : '—';
const names = new Map();

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}
function flash(text, ok) {
  const f = $('flash');
  f.textContent = text;
  f.className = 'card ' + (ok ? 'ok' : 'error');
  f.hidden = !text;
}
async function api(method, path, body) {
  const key = sessionStorage.getItem(KEY);
  const res = await fetch(path, {
    method,
    headers: Object.assign({ Authorization: 'Bearer ' + key }, body ? { 'Content-Type': 'application/json' } : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.status === 401 || res.status === 403) {
    sessionStorage.removeItem(KEY);
    showLogin((data && data.detail) || 'not the admin key');
    throw new Error('unauthorized');
  }
  if (!res.ok) throw new Error((data && (data.code + ': ' + data.detail)) || 'HTTP ' + res.status);
  return data;
}
async function accountName(id) {
  if (!id) return '';
  if (!names.has(id)) names.set(id, api('GET', '/v1/accounts/' + id).then((a) => a.name).catch(() => id));
  return names.get(id);
}
function accountCell(id) {
  const td = el('td', { className: 'account' }, id);
  accountName(id).then((n) => { td.textContent = n; td.title = id; });
  return td;
}
async function act(button, fn, done) {
  button.disabled = true;
  try {
    await fn();
    flash(done, true);
    await load();
  } catch (err) {
    if (err.message !== 'unauthorized') flash(err.message, false);
    button.disabled = false;
  }
}

function depositRow(c) {
  const deposited = el('input', { type: 'number', min: 1, step: 1, value: c.amount, className: 'deposited', ariaLabel: 'deposited amount' });
  const reason = el('input', { placeholder: '거절 사유 · reason', className: 'reason', maxLength: 500 });
  const confirmBtn = el('button', { type: 'button', className: 'confirm' }, '입금 확인 · Confirm');
  const rejectBtn = el('button', { type: 'button', className: 'danger reject' }, '거절 · Reject');
  confirmBtn.onclick = () => act(confirmBtn, () => api('POST', '/v1/charges/' + c.id + '/confirm-deposit', { depositedAmount: Number(deposited.value) }), '입금 확인됨 · confirmed ' + c.id);
  rejectBtn.onclick = () => {
    if (!reason.value.trim()) { reason.focus(); return flash('거절 사유를 입력하세요 · enter a reason', false); }
    act(rejectBtn, () => api('POST', '/v1/charges/' + c.id + '/reject', { reason: reason.value.trim() }), '거절됨 · rejected ' + c.id);
  };
  return el('tr', { id: 'charge-' + c.id },
    el('td', {}, fmtTime(c.createdAt)), accountCell(c.accountId), el('td', {}, fmtPoints(c.amount)), el('td', {}, c.depositorName || '—'),
    el('td', {}, fmtTime(c.expectedBy)), el('td', {}, fmtTime(c.expiresAt)),
    el('td', {}, deposited, confirmBtn), el('td', {}, reason, rejectBtn));
}
function refundRow(r) {
  const memo = el('input', { placeholder: '메모 · memo', className: 'memo', maxLength: 500 });
  const approveBtn = el('button', { type: 'button', className: 'approve' }, '승인 · Approve');
  const rejectBtn = el('button', { type: 'button', className: 'danger reject' }, '거절 · Reject');
  approveBtn.onclick = () => act(approveBtn, () => api('POST', '/v1/refunds/' + r.id + '/approve', memo.value.trim() ? { memo: memo.value.trim() } : {}), '승인됨 · approved ' + r.id);
  rejectBtn.onclick = () => {
    if (!memo.value.trim()) { memo.focus(); return flash('거절 사유를 메모에 입력하세요 · enter a reason in the memo', false); }
    act(rejectBtn, () => api('POST', '/v1/refunds/' + r.id + '/reject', { reason: memo.value.trim() }), '거절됨 · rejected ' + r.id);
  };
  return el('tr', { id: 'refund-' + r.id, className: r.overdue ? 'overdue' : '' },
    el('td', {}, fmtTime(r.createdAt)), accountCell(r.accountId), el('td', {}, fmtPoints(r.amount)), el('td', {}, r.reason), el('td', {}, r.memo || '—'),
    el('td', {}, fmtTime(r.reviewDueAt), r.overdue ? el('strong', {}, ' (지연 overdue)') : null),
    el('td', {}, memo, approveBtn, rejectBtn));
}
function eventRow(e) {
  return el('tr', {}, el('td', {}, fmtTime(e.createdAt)), el('td', {}, el('code', {}, e.type)), el('td', {}, e.subjectId),
    e.accountId ? accountCell(e.accountId) : el('td', {}, '—'), el('td', { className: 'muted' }, e.data ? JSON.stringify(e.data) : ''));
}
function fill(id, rows, empty, cols) {
  const tbody = $(id);
  tbody.replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colSpan: cols, className: 'muted' }, empty))]));
}
async function load() {
  const [charges, refunds, events] = await Promise.all([
    api('GET', '/v1/charges?status=awaiting_deposit&limit=200'),
    api('GET', '/v1/refunds?status=pending_review&limit=200'),
    api('GET', '/v1/admin/events?limit=50'),
  ]);
  fill('deposits', charges.charges.map(depositRow), '대기 중인 입금이 없습니다 · nothing awaiting deposit', 8);
  fill('refunds', refunds.refunds.map(refundRow), '검토 대기 환불이 없습니다 · no refunds awaiting review', 7);
  fill('events', events.events.map(eventRow), '이벤트가 없습니다 · no events', 5);
  $('count-deposits').textContent = String(charges.charges.length);
  $('count-refunds').textContent = String(refunds.refunds.length);
  $('updated').textContent = fmtTime(new Date().toISOString());
}
function showLogin(message) {
  $('login').hidden = false;
  $('main').hidden = true;
  $('login-error').textContent = message || '';
}
async function showMain() {
  $('login').hidden = true;
  $('main').hidden = false;
  try { await load(); } catch (err) { if (err.message !== 'unauthorized') flash(err.message, false); }
}
$('login').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const key = $('key').value.trim();
  if (!key) return;
  sessionStorage.setItem(KEY, key);
  $('key').value = '';
  showMain();
});
$('refresh').onclick = () => { flash('', true); load().catch((err) => err.message !== 'unauthorized' && flash(err.message, false)); };
$('logout').onclick = () => { sessionStorage.removeItem(KEY); showLogin(''); };
if (sessionStorage.getItem(KEY)) showMain(); else showLogin('');
`;

export const ADMIN_SCRIPT_SRC = scriptHash(ADMIN_SCRIPT);

export function adminPage(timeZone: string): SafeHtml {
  return html`<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex, nofollow">
<title>관리자 · Prepaid points admin</title>
<style>${new SafeHtml(BASE_STYLE)}
body{max-width:1200px} td input{width:8.5rem;margin-right:.3rem} td button{margin-top:.2rem;padding:.35rem .7rem} tr.overdue{background:#fff8c5}
.bar{display:flex;gap:.5rem;align-items:center;justify-content:space-between} .bar button{margin:0}
</style></head>
<body data-tz="${timeZone}">
<div class="bar"><h1>포인트 관리자 · Admin</h1><span><span class="muted">갱신 · updated <span id="updated">—</span></span></span></div>
<form id="login" class="card" hidden>
  <h2>관리자 키 · Admin key</h2>
  <p class="muted">키는 이 탭의 sessionStorage에만 보관되고 API 요청에 Bearer로 전송됩니다 · The key stays in this tab's sessionStorage.</p>
  <label for="key">ADMIN_API_KEY</label><input id="key" type="password" autocomplete="off" required>
  <button type="submit">로그인 · Sign in</button> <span id="login-error" class="muted"></span>
</form>
<div id="main" hidden>
  <div class="bar"><span></span><span><button type="button" id="refresh" class="secondary">새로고침 · Refresh</button> <button type="button" id="logout" class="secondary">로그아웃 · Sign out</button></span></div>
  <div id="flash" class="card" hidden></div>
  <section class="card"><h2>입금 확인 대기 · Deposits awaiting confirmation (<span id="count-deposits">0</span>)</h2>
    <table><thead><tr><th>요청 · Requested</th><th>사업장 · Account</th><th>금액 · Amount</th><th>입금자 · Depositor</th><th>확인 목표 · Expected by</th><th>만료 · Expires</th><th>입금액 확인 · Confirm</th><th>거절 · Reject</th></tr></thead><tbody id="deposits"></tbody></table>
  </section>
  <section class="card"><h2>검토 대기 환불 · Refunds awaiting review (<span id="count-refunds">0</span>)</h2>
    <table><thead><tr><th>요청 · Requested</th><th>사업장 · Account</th><th>금액 · Amount</th><th>사유 · Reason</th><th>메모 · Memo</th><th>검토 기한 · Review due</th><th>결정 · Decide</th></tr></thead><tbody id="refunds"></tbody></table>
  </section>
  <section class="card"><h2>최근 이벤트 · Recent admin events</h2>
    <table><thead><tr><th>시각 · At</th><th>종류 · Type</th><th>대상 · Subject</th><th>사업장 · Account</th><th>내용 · Data</th></tr></thead><tbody id="events"></tbody></table>
  </section>
  ${depositsAdminSection()}
</div>
<script>${new SafeHtml(ADMIN_SCRIPT)}</script>
${depositsAdminScript()}
</body></html>`;
}
