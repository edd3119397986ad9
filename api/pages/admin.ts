// The admin page (/admin): one self-contained page whose script keeps the admin key in sessionStorage and
// calls the JSON API with it as a Bearer key. Korean first, for a finance team: the deposit confirmation
// queue (a deposit that differs from the request is confirmed only after a second question, with a memo),
// refunds awaiting review, the recent decisions and readable admin events, and a detail view of a charge or
// refund (#charge/<id>, #refund/<id>). Every value from the API is put in the DOM with textContent, never
// as markup. Status messages go to an aria-live region. Cards rather than wide tables, so it fits a phone.
import { BASE_STYLE, html, SafeHtml, scriptHash } from './html.ts';

export const ADMIN_SCRIPT = `
'use strict';
const KEY = 'prepaidPoints.adminKey';
const tz = document.body.dataset.tz || 'Asia/Seoul';
const $ = (id) => document.getElementById(id);
const WEEKDAY = { Sun: '일', Mon: '월', Tue: '화', Wed: '수', Thu: '목', Fri: '금', Sat: '토' };
const dateParts = new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric', month: 'numeric', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
function fmtTime(iso) {
  if (!iso) return '—';
  const p = {};
  for (const x of dateParts.formatToParts(new Date(iso))) p[x.type] = x.value;
  const thisYear = dateParts.formatToParts(new Date()).find((x) => x.type === 'year').value;
  return (p.year !== thisYear ? p.year + '년 ' : '') + p.month + '월 ' + p.day + '일(' + WEEKDAY[p.weekday] + ') ' + p.hour + ':' + p.minute;
}
const num = (n) => Number(n).toLocaleString('ko-KR');
const won = (n) => (typeof n === 'number' ? num(n) + '원' : '—');
const parseAmount = (s) => { const t = String(s || '').replace(/[\\s,원]/g, ''); return /^[0-9]+$/.test(t) ? Number(t) : NaN; };
const REFUND_REASON = { send_failed: '발송 실패', unreachable_number: '수신 불가 번호', duplicate_order: '중복 주문', wrong_service: '잘못 신청한 서비스', other: '기타' };
const STATUS = { pending: '결제 확인 중', awaiting_deposit: '입금 대기', succeeded: '완료', failed: '실패', cancelled: '취소됨', rejected: '거절됨', expired: '만료됨', pending_review: '검토 대기' };
const METHOD = { card: '카드 결제', bank_transfer: '무통장 입금', virtual_account: '가상계좌' };
const ORIGIN = { api: 'API', charge_link: '충전 링크', auto_recharge: '자동 충전' };
const TIMELINE = { requested: '요청', awaiting_deposit: '입금 대기 시작', capture_attempt_failed: '카드 승인 시도 실패', card_captured: '카드 승인', confirmation_overdue: '확인 목표 시각 지남', deposit_confirmed: '입금 확인', succeeded: '충전 완료', failed: '실패', cancelled: '취소', rejected: '거절', expired: '만료', capture_outcome_unknown: '카드 승인 결과 모름', capture_looked_up: '카드 승인 조회', deposit_notified: '가상계좌 입금 통지', virtual_account_closed: '가상계좌 닫힘', tax_document_requested: '증빙 발행 요청', tax_document_issued: '증빙 발행', tax_document_failed: '증빙 발행 실패' };
const TAX_DOC = { tax_invoice: '세금계산서', cash_receipt: '현금영수증' };
const TAX_DOC_STATUS = { requested: '발행 중', issued: '발행됨', failed: '발행 실패' };
const CONFIRMED_BY = { admin: '담당자', bank_feed: '은행 입금 내역(자동)', gateway: '결제대행사(가상계좌)' };
const names = new Map();

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('aria-') || k.startsWith('data-') || k === 'role' || k === 'for') e.setAttribute(k, String(v));
    else e[k] = v;
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}
function flash(text, ok) {
  const f = $('flash');
  f.hidden = !text;
  f.className = 'flash ' + (ok ? 'ok' : 'error');
  f.textContent = '';
  // A fresh text node in the live region, so a screen reader announces it even when the words repeat.
  if (text) setTimeout(() => { f.textContent = text; }, 30);
}
class ApiError extends Error {
  constructor(status, data) { super((data && data.detail) || 'HTTP ' + status); this.status = status; this.data = data || {}; }
}
async function api(method, path, body) {
  const key = sessionStorage.getItem(KEY);
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: Object.assign({ Authorization: 'Bearer ' + key }, body ? { 'Content-Type': 'application/json' } : {}),
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (err) {
    throw new ApiError(0, { code: 'network' });
  }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.status === 401 || res.status === 403) {
    // Only a refusal of the key still in use signs out: a late answer to a request made with an earlier
    // (wrong) key must not throw away the key entered since.
    if (sessionStorage.getItem(KEY) === key) {
      sessionStorage.removeItem(KEY);
      showLogin('관리자 키가 맞지 않습니다. 키를 다시 확인해 주세요.');
    }
    throw new ApiError(res.status, { code: 'unauthorized' });
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}
/** What went wrong, in words a finance team uses. */
function problemText(err, what) {
  const d = (err && err.data) || {};
  if (d.code === 'unauthorized') return '';
  if (d.code === 'network') return '서버에 연결하지 못했습니다. 잠시 뒤 다시 시도해 주세요.';
  if (d.code === 'invalid_state') return what + ' 처리하지 못했습니다: 이미 처리된 요청입니다' + (d.currentStatus ? ' (지금 상태: ' + (STATUS[d.currentStatus] || d.currentStatus) + ')' : '') + '. 목록을 새로 고쳤습니다.';
  if (d.code === 'not_found') return what + ' 처리하지 못했습니다: 요청을 찾을 수 없습니다.';
  if (d.code === 'validation_error') return what + ' 처리하지 못했습니다: 입력한 값을 확인해 주세요.';
  if (d.code === 'rate_limited') return '요청이 너무 많습니다. 잠시 뒤 다시 시도해 주세요.';
  return what + ' 처리하지 못했습니다 (오류 ' + (err.status || '') + ').';
}
function nameOf(id) {
  if (!id) return Promise.resolve('');
  if (!names.has(id)) names.set(id, api('GET', '/v1/accounts/' + id).then((a) => a.name).catch(() => '(이름 없는 사업장)'));
  return names.get(id);
}
function nameEl(id, known) {
  const s = el('strong', { className: 'who' }, known || '…');
  if (known) names.set(id, Promise.resolve(known));
  else nameOf(id).then((n) => { s.textContent = n; });
  return s;
}
function meta(pairs) {
  const dl = el('dl', { className: 'meta' });
  for (const [k, v] of pairs) if (v !== undefined && v !== null && v !== '') dl.append(el('dt', {}, k), el('dd', {}, v));
  return dl;
}
function fieldError(input) {
  const p = el('p', { className: 'field-error', id: input.id + '-error', role: 'alert', hidden: true });
  input.setAttribute('aria-describedby', p.id);
  return p;
}
function setError(input, p, text) {
  p.textContent = text || '';
  p.hidden = !text;
  if (text) { input.setAttribute('aria-invalid', 'true'); input.focus(); } else input.removeAttribute('aria-invalid');
}
async function act(buttons, fn, done, what) {
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const result = await fn();
    flash(await done(result), true);
    await load();
  } catch (err) {
    const text = problemText(err, what);
    if (text) flash(text, false);
    buttons.forEach((b) => { b.disabled = false; });
    if (err && err.data && err.data.code === 'invalid_state') await load().catch(() => {});
  }
}

function depositItem(c) {
  const id = c.id;
  const who = nameEl(c.accountId);
  const late = c.expectedBy && new Date(c.expectedBy) < new Date();
  const amount = el('input', { type: 'text', inputMode: 'numeric', autocomplete: 'off', id: 'deposited-' + id, className: 'amount-input', value: num(c.amount) });
  const amountErr = fieldError(amount);
  const confirmBtn = el('button', { type: 'button', className: 'confirm' }, '입금 확인');
  const memo = el('textarea', { id: 'memo-' + id, rows: 2, maxLength: 500, className: 'memo' });
  const warnText = el('p', { className: 'warn-text' });
  const confirmAgain = el('button', { type: 'button', className: 'confirm-again' }, '확인');
  const cancelAgain = el('button', { type: 'button', className: 'secondary' }, '취소');
  const warn = el('div', { className: 'warn', hidden: true, role: 'alert', id: 'warn-' + id },
    warnText, el('label', { for: memo.id }, '메모 (차액 사유, 선택)'), memo, el('div', { className: 'actions' }, confirmAgain, cancelAgain));
  const reason = el('input', { type: 'text', id: 'reject-reason-' + id, maxLength: 500, className: 'reason' });
  const reasonErr = fieldError(reason);
  const rejectBtn = el('button', { type: 'button', className: 'danger reject' }, '입금 요청 거절');
  const send = (deposited) => act([confirmBtn, confirmAgain, rejectBtn], async () => {
    const name = await nameOf(c.accountId);
    const body = { depositedAmount: deposited };
    if (memo.value.trim()) body.memo = memo.value.trim();
    await api('POST', '/v1/charges/' + id + '/confirm-deposit', body);
    return name;
  }, (name) => {
    const diff = deposited - c.amount;
    return name + '의 입금 ' + won(deposited) + '을 확인해 충전했습니다' + (diff ? ' (요청 ' + won(c.amount) + ', ' + won(Math.abs(diff)) + ' ' + (diff < 0 ? '적게' : '많이') + ' 입금).' : '.');
  }, '입금 확인을');
  amount.addEventListener('input', () => { warn.hidden = true; setError(amount, amountErr, ''); });
  confirmBtn.onclick = () => {
    const deposited = parseAmount(amount.value);
    if (!(deposited > 0)) return setError(amount, amountErr, '입금된 금액을 숫자로 입력해 주세요. (예: 100,000)');
    setError(amount, amountErr, '');
    if (deposited !== c.amount) {
      const diff = deposited - c.amount;
      warnText.textContent = '요청 금액 ' + won(c.amount) + '과 입금된 금액 ' + won(deposited) + '이 다릅니다 (' + won(Math.abs(diff)) + ' ' + (diff < 0 ? '적게' : '많이') + ' 입금). 확인하면 입금된 ' + won(deposited) + '만 충전합니다. 맞습니까?';
      confirmAgain.textContent = won(deposited) + '으로 확인';
      warn.hidden = false;
      memo.focus();
      return;
    }
    send(deposited);
  };
  confirmAgain.onclick = () => { const d = parseAmount(amount.value); if (d > 0) send(d); };
  cancelAgain.onclick = () => { warn.hidden = true; amount.focus(); };
  rejectBtn.onclick = () => {
    if (!reason.value.trim()) return setError(reason, reasonErr, '거절 사유를 입력해 주세요. 요청한 사업장에 전달됩니다.');
    setError(reason, reasonErr, '');
    act([confirmBtn, confirmAgain, rejectBtn], async () => {
      const name = await nameOf(c.accountId);
      await api('POST', '/v1/charges/' + id + '/reject', { reason: reason.value.trim() });
      return name;
    }, (name) => name + '의 ' + won(c.amount) + ' 입금 요청을 거절했습니다.', '거절을');
  };
  return el('li', { className: 'item' + (late ? ' late' : ''), id: 'charge-' + id },
    el('div', { className: 'head' }, who, el('span', { className: 'amount' }, won(c.amount)), late ? el('span', { className: 'badge bad' }, '확인 목표 지남') : null),
    meta([['입금자명', c.depositorName || '—'], ['요청', fmtTime(c.createdAt)], ['확인 목표', fmtTime(c.expectedBy)], ['만료', fmtTime(c.expiresAt)], ['경로', ORIGIN[c.origin] || c.origin]]),
    el('div', { className: 'decide' },
      el('label', { for: amount.id }, '입금된 금액 (원)'), el('div', { className: 'inline' }, amount, confirmBtn), amountErr, warn,
      el('details', { className: 'reject-box' }, el('summary', {}, '거절하기'), el('label', { for: reason.id }, '거절 사유'), reason, reasonErr, rejectBtn)),
    el('a', { href: '#charge/' + id, className: 'more' }, '자세히 보기'));
}

function refundItem(r) {
  const id = r.id;
  const note = el('input', { type: 'text', id: 'refund-note-' + id, maxLength: 500, className: 'memo' });
  const noteErr = fieldError(note);
  const approveBtn = el('button', { type: 'button', className: 'approve' }, '환불 승인');
  const rejectBtn = el('button', { type: 'button', className: 'danger reject' }, '환불 거절');
  const reasonKo = REFUND_REASON[r.reason] || r.reason;
  approveBtn.onclick = () => act([approveBtn, rejectBtn], async () => {
    const name = await nameOf(r.accountId);
    await api('POST', '/v1/refunds/' + id + '/approve', note.value.trim() ? { memo: note.value.trim() } : {});
    return name;
  }, (name) => name + '의 환불 ' + won(r.amount) + '(' + reasonKo + ')을 승인했습니다. 포인트를 돌려주었습니다.', '환불 승인을');
  rejectBtn.onclick = () => {
    if (!note.value.trim()) return setError(note, noteErr, '거절 사유를 메모에 입력해 주세요.');
    setError(note, noteErr, '');
    act([approveBtn, rejectBtn], async () => {
      const name = await nameOf(r.accountId);
      await api('POST', '/v1/refunds/' + id + '/reject', { reason: note.value.trim() });
      return name;
    }, (name) => name + '의 환불 ' + won(r.amount) + '(' + reasonKo + ') 요청을 거절했습니다.', '환불 거절을');
  };
  return el('li', { className: 'item' + (r.overdue ? ' late' : ''), id: 'refund-' + id },
    el('div', { className: 'head' }, nameEl(r.accountId), el('span', { className: 'amount' }, won(r.amount)), el('span', { className: 'badge' }, reasonKo), r.overdue ? el('span', { className: 'badge bad' }, '검토 기한 지남') : null),
    meta([['요청 메모', r.memo || '—'], ['요청', fmtTime(r.createdAt)], ['검토 기한', fmtTime(r.reviewDueAt)]]),
    el('div', { className: 'decide' }, el('label', { for: note.id }, '메모 (거절할 때는 사유)'), note, noteErr, el('div', { className: 'actions' }, approveBtn, rejectBtn)),
    el('a', { href: '#refund/' + id, className: 'more' }, '자세히 보기'));
}

/** Why a bank deposit was not matched, in Korean (the API's note is for developers). */
function unmatchedReason(note) {
  const n = note || '';
  if (n.startsWith('no charge')) return '금액과 입금자명이 같은 입금 요청이 없습니다.';
  if (/charges awaiting a deposit match it/.test(n)) return '금액과 입금자명이 같은 입금 요청이 여러 건입니다.';
  if (/claimed by another deposit/.test(n)) return '맞는 입금 요청이 다른 입금으로 이미 확인되었습니다.';
  if (/refused the confirmation/.test(n)) return '입금 요청이 확인을 받지 않았습니다 (이미 처리되었거나 만료됨).';
  return n;
}
function unmatchedItem(d, awaiting) {
  const id = d.id;
  const transfers = awaiting.filter((c) => c.method === 'bank_transfer');
  // Requests of the same amount first: the likeliest match.
  transfers.sort((a, b) => (a.amount === d.amount ? 0 : 1) - (b.amount === d.amount ? 0 : 1));
  const select = el('select', { id: 'assign-' + id, className: 'assign-to' }, el('option', { value: '' }, '입금 요청을 고르세요'),
    ...transfers.map((c) => {
      const o = el('option', { value: c.id }, won(c.amount) + ' · 입금자 ' + (c.depositorName || '—') + ' · ' + fmtTime(c.createdAt) + ' 요청');
      nameOf(c.accountId).then((n) => { o.textContent = n + ' — ' + o.textContent; });
      return o;
    }));
  const err = fieldError(select);
  select.onchange = () => { if (select.value) setError(select, err, ''); };
  const assign = el('button', { type: 'button', className: 'assign' }, '이 요청에 배정');
  assign.onclick = () => {
    if (!select.value) return setError(select, err, '배정할 입금 요청을 골라 주세요.');
    setError(select, err, '');
    act([assign], () => api('POST', '/v1/bank-deposits/' + id + '/assign', { chargeId: select.value }),
      () => d.depositorName + '님의 입금 ' + won(d.amount) + '을 배정해 충전했습니다.', '입금 배정을');
  };
  return el('li', { className: 'item', id: 'bank-deposit-' + id },
    el('div', { className: 'head' }, el('strong', { className: 'who' }, d.depositorName), el('span', { className: 'amount' }, won(d.amount))),
    meta([['입금 시각', fmtTime(d.depositedAt)], ['거래 번호', d.bankTransactionId], ['맞추지 못한 이유', unmatchedReason(d.note)]]),
    el('div', { className: 'decide' }, el('label', { for: select.id }, '맞는 입금 요청'), select, err, el('div', { className: 'actions' }, assign)));
}
function taxDocItem(e) {
  const d = e.data || {};
  return el('li', { className: 'line' },
    el('div', { className: 'when' }, el('time', { dateTime: e.createdAt }, fmtTime(e.createdAt)), ' ', el('span', { className: 'badge bad' }, (TAX_DOC[d.type] || '증빙') + ' 발행 실패')),
    el('div', {}, (e.accountName || '사업장') + ' — ' + (d.reason || ''), ' ', el('a', { href: '#charge/' + (d.chargeId || e.subjectId) }, '자세히')));
}

const DECISION = {
  deposit_confirmed: (d) => ['입금 확인', '입금 ' + won(d.amount) + ' 확인' + (d.amount !== d.requestedAmount ? ' (요청 ' + won(d.requestedAmount) + ', ' + won(Math.abs(d.amount - d.requestedAmount)) + ' ' + (d.amount < d.requestedAmount ? '적게' : '많이') + ' 입금)' : '') + (d.by === 'bank_feed' ? ' · 은행 입금 내역으로 자동 확인' : d.by === 'gateway' ? ' · 가상계좌 입금으로 자동 확인' : ''), 'ok'],
  charge_rejected: (d) => ['입금 요청 거절', won(d.amount) + ' 입금 요청 거절', 'bad'],
  refund_approved: (d) => ['환불 승인', '환불 ' + won(d.amount) + ' 승인 (' + (REFUND_REASON[d.reason] || d.reason) + ')', 'ok'],
  refund_rejected: (d) => ['환불 거절', '환불 ' + won(d.amount) + ' 거절 (' + (REFUND_REASON[d.reason] || d.reason) + ')', 'bad'],
};
function decisionItem(d) {
  const [label, text, tone] = (DECISION[d.kind] || ((x) => [x.kind, won(x.amount), '']))(d);
  return el('li', { className: 'line' },
    el('div', { className: 'when' }, el('time', { dateTime: d.at }, fmtTime(d.at)), ' ', el('span', { className: 'badge ' + tone }, label)),
    el('div', {}, nameEl(d.accountId, d.accountName), ' — ', text, d.note ? ' · ' + (d.kind.endsWith('rejected') ? '사유: ' : '메모: ') + d.note : '', ' ',
      el('a', { href: '#' + d.subject + '/' + d.subjectId }, '자세히')));
}

const EVENT = {
  charge_confirmation_overdue: (e, n, d) => ['입금 확인 지연', n + '의 ' + won(d.amount) + ' 입금 요청' + (d.depositorName ? '(입금자 ' + d.depositorName + ')' : '') + '이 확인 목표 ' + fmtTime(d.expectedBy) + '을 넘겼습니다.', '#charge/' + e.subjectId],
  refund_review_reminder: (e, n, d) => ['환불 검토 알림', n + '의 환불 ' + won(d.amount) + '(' + (REFUND_REASON[d.reason] || d.reason || '') + ')이 검토를 기다립니다. 기한 ' + fmtTime(d.reviewDueAt) + '.', '#refund/' + e.subjectId],
  refund_review_overdue: (e, n, d) => ['환불 검토 기한 지남', n + '의 환불 ' + won(d.amount) + '(' + (REFUND_REASON[d.reason] || d.reason || '') + ') 검토 기한 ' + fmtTime(d.overdueAt) + '이 지났습니다.', '#refund/' + e.subjectId],
  bank_deposit_unmatched: (e, n, d) => ['미확인 입금', (d.depositorName || '') + '님의 입금 ' + won(d.amount) + '을 입금 요청과 맞추지 못했습니다: ' + unmatchedReason(d.note), d.depositId ? '#unmatched-title' : null],
  tax_document_failed: (e, n, d) => ['증빙 발행 실패', n + '의 충전 ' + (TAX_DOC[d.type] || '증빙') + '을 발행하지 못했습니다' + (d.reason ? ': ' + d.reason : '.'), '#charge/' + (d.chargeId || e.subjectId)],
  virtual_account_deposit_refused: (e, n, d) => ['가상계좌 입금 거절', n + '의 가상계좌 ' + (d.accountNumber || '') + '에 들어온 ' + won(d.amount) + '을 충전하지 못했습니다' + (d.reason ? ': ' + d.reason : '.') + ' 결제대행사에서 반환해 주세요.', '#charge/' + (d.chargeId || e.subjectId)],
  auto_recharge_disabled: (e, n, d) => ['자동 충전 꺼짐', n + '의 자동 충전이 ' + (d.consecutiveFailures || 3) + '번 연속 실패해 꺼졌습니다' + (d.failureReason ? ' (마지막 실패: ' + d.failureReason + ')' : '') + '.', d.chargeId ? '#charge/' + d.chargeId : null],
};
function eventItem(e) {
  const d = e.data || {};
  const n = e.accountName || '사업장';
  const describe = EVENT[e.type] || ((x) => [x.type, n + ' — ' + Object.entries(d).filter(([, v]) => typeof v === 'string' || typeof v === 'number').map(([k, v]) => k + ': ' + v).join(', '), null]);
  const [title, text, link] = describe(e, n, d);
  return el('li', { className: 'line' },
    el('div', { className: 'when' }, el('time', { dateTime: e.createdAt }, fmtTime(e.createdAt)), ' ', el('span', { className: 'badge warn' }, title)),
    el('div', {}, text, ' ', link ? el('a', { href: link }, '자세히') : null));
}

function fill(id, items, empty) {
  const list = $(id);
  list.replaceChildren(...(items.length ? items : [el('li', { className: 'empty' }, empty)]));
}
async function load() {
  const [charges, refunds, decisions, events, unmatched, taxDocs] = await Promise.all([
    api('GET', '/v1/charges?status=awaiting_deposit&limit=200'),
    api('GET', '/v1/refunds?status=pending_review&limit=200'),
    api('GET', '/v1/admin/decisions?limit=20'),
    api('GET', '/v1/admin/events?limit=30'),
    api('GET', '/v1/bank-deposits?status=unmatched&limit=200'),
    api('GET', '/v1/admin/events?type=tax_document_failed&limit=50'),
  ]);
  // A virtual account is confirmed by the gateway, not by a person: only bank transfers wait for an admin.
  fill('deposits', charges.charges.filter((c) => c.method !== 'virtual_account').map(depositItem), '확인을 기다리는 입금이 없습니다.');
  fill('unmatched-deposits', unmatched.deposits.map((d) => unmatchedItem(d, charges.charges)), '미확인 입금이 없습니다.');
  fill('failed-tax-documents', taxDocs.events.map(taxDocItem), '발행하지 못한 증빙이 없습니다.');
  $('count-unmatched').textContent = String(unmatched.deposits.length);
  $('count-taxdocs').textContent = String(taxDocs.events.length);
  fill('refunds', refunds.refunds.map(refundItem), '검토를 기다리는 환불이 없습니다.');
  fill('decisions', decisions.decisions.map(decisionItem), '아직 처리한 결정이 없습니다.');
  fill('events', events.events.map(eventItem), '알림이 없습니다.');
  $('count-deposits').textContent = String(charges.charges.filter((c) => c.method !== 'virtual_account').length);
  $('count-refunds').textContent = String(refunds.refunds.length);
  $('updated').textContent = fmtTime(new Date().toISOString());
}

async function showDetail() {
  const m = /^#(charge|refund)\\/([0-9a-f-]{36})$/.exec(location.hash);
  const panel = $('detail');
  if (!m || $('main').hidden) { panel.hidden = true; return; }
  const [, kind, id] = m;
  const body = $('detail-body');
  body.replaceChildren(el('p', { className: 'muted' }, '불러오는 중…'));
  panel.hidden = false;
  $('detail-title').focus();
  try {
    if (kind === 'charge') {
      const c = await api('GET', '/v1/charges/' + id);
      const name = await nameOf(c.accountId);
      $('detail-title').textContent = (METHOD[c.method] || c.method) + ' ' + won(c.amount) + ' — ' + name;
      body.replaceChildren(
        meta([['상태', STATUS[c.status] || c.status], ['사업장', name], ['요청 금액', won(c.amount)], ['입금 확인액', c.depositedAmount !== undefined ? won(c.depositedAmount) : ''], ['충전액', c.creditedAmount !== undefined ? won(c.creditedAmount) : ''], ['입금자명', c.depositorName], ['경로', ORIGIN[c.origin] || c.origin], ['요청', fmtTime(c.createdAt)], ['확인 목표', c.expectedBy ? fmtTime(c.expectedBy) : ''], ['만료', c.expiresAt ? fmtTime(c.expiresAt) : ''],
          ['가상계좌', c.virtualAccount ? c.virtualAccount.bank + ' ' + c.virtualAccount.accountNumber + ' (' + fmtTime(c.virtualAccount.dueAt) + '까지)' : ''],
          ['확인한 곳', CONFIRMED_BY[c.confirmedBy] || c.confirmedBy],
          ['증빙', c.taxDocument ? (TAX_DOC[c.taxDocument.type] || c.taxDocument.type) + ' ' + (TAX_DOC_STATUS[c.taxDocument.status] || c.taxDocument.status) + (c.taxDocument.number ? ' · ' + c.taxDocument.number : '') + (c.taxDocument.failureReason ? ' · ' + c.taxDocument.failureReason : '') : ''],
          ['사유', c.failureReason]]),
        el('h3', {}, '진행 기록'),
        el('ol', { className: 'timeline' }, ...c.timeline.map((t) => el('li', {}, el('time', { dateTime: t.at }, fmtTime(t.at)), ' ', TIMELINE[t.type] || t.type,
          t.data && t.data.memo ? ' · 메모: ' + t.data.memo : '', t.data && t.data.reason ? ' · 사유: ' + t.data.reason : '',
          t.data && typeof t.data.depositedAmount === 'number' ? ' · 입금 ' + won(t.data.depositedAmount) : ''))));
    } else {
      const r = await api('GET', '/v1/refunds/' + id);
      const name = await nameOf(r.accountId);
      $('detail-title').textContent = '환불 ' + won(r.amount) + ' — ' + name;
      body.replaceChildren(meta([['상태', STATUS[r.status] || r.status], ['사업장', name], ['금액', won(r.amount)], ['사유', REFUND_REASON[r.reason] || r.reason], ['요청 메모', r.memo], ['결정 메모', r.decisionReason], ['요청', fmtTime(r.createdAt)], ['검토 기한', r.reviewDueAt ? fmtTime(r.reviewDueAt) : ''], ['처리', r.completedAt ? fmtTime(r.completedAt) : '']]));
    }
  } catch (err) {
    body.replaceChildren(el('p', { className: 'field-error' }, problemText(err, '상세 내용을')));
  }
}

function showLogin(message) {
  $('login').hidden = false;
  $('main').hidden = true;
  $('detail').hidden = true;
  const e = $('login-error');
  e.textContent = message || '';
  e.hidden = !message;
  if (message) { $('key').setAttribute('aria-invalid', 'true'); $('key').focus(); } else $('key').removeAttribute('aria-invalid');
}
async function showMain() {
  $('login').hidden = true;
  $('main').hidden = false;
  try {
    await load();
    showDetail();
  } catch (err) {
    const text = problemText(err, '목록을');
    if (text) flash(text, false);
  }
}
$('login').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const key = $('key').value.trim();
  if (!key) return showLogin('관리자 키를 입력해 주세요.');
  sessionStorage.setItem(KEY, key);
  $('key').value = '';
  showMain();
});
$('refresh').onclick = () => { flash('', true); load().then(() => flash('목록을 새로 고쳤습니다.', true), (err) => { const t = problemText(err, '목록을'); if (t) flash(t, false); }); };
$('logout').onclick = () => { sessionStorage.removeItem(KEY); showLogin(''); flash('', true); };
$('detail-close').onclick = (ev) => { ev.preventDefault(); history.pushState(null, '', location.pathname); $('detail').hidden = true; $('refresh').focus(); };
window.addEventListener('hashchange', showDetail);
if (sessionStorage.getItem(KEY)) showMain(); else showLogin('');
`;

export const ADMIN_SCRIPT_SRC = scriptHash(ADMIN_SCRIPT);

const ADMIN_STYLE = `
body{max-width:1080px}
header.bar{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;justify-content:space-between;margin-bottom:.6rem}
header.bar h1{margin:0}
.tools{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}
.tools button{margin:0}
.flash{border-radius:8px;padding:.7rem .9rem;margin:0 0 1rem;font-weight:600}
.flash.ok{background:#e6f6ec;color:#0b5e2c} .flash.error{background:#fdecee;color:#a40e26}
.items{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,440px),1fr));gap:.8rem}
.item{border:1px solid #d0d7de;border-radius:10px;padding:.8rem .9rem;background:#fff;min-width:0}
.item.late{border-color:#d4a72c;background:#fffbeb}
.head{display:flex;flex-wrap:wrap;gap:.3rem .6rem;align-items:baseline}
.who{font-size:1.05rem} .amount{font-weight:700;font-size:1.1rem;white-space:nowrap;font-variant-numeric:tabular-nums}
.meta{display:grid;grid-template-columns:auto 1fr;gap:.1rem .8rem;margin:.5rem 0;font-size:.92rem}
.meta dt{color:#59636e} .meta dd{margin:0;min-width:0}
.decide label{margin-top:.4rem}
.inline{display:flex;gap:.4rem;align-items:center} .inline input{flex:1;min-width:0} .inline button{margin:0;white-space:nowrap}
.actions{display:flex;flex-wrap:wrap;gap:.4rem} .actions button{margin-top:.5rem}
textarea{font:inherit;width:100%;box-sizing:border-box;border:1px solid #d0d7de;border-radius:6px;padding:.45rem .5rem}
.warn{background:#fff8c5;border:1px solid #d4a72c;border-radius:8px;padding:.6rem .7rem;margin:.5rem 0}
.warn-text{margin:0 0 .3rem;font-weight:600}
.reject-box{margin-top:.6rem} .reject-box summary{cursor:pointer;color:#a40e26;font-weight:600}
.field-error{color:#a40e26;font-weight:600;margin:.3rem 0 0}
.badge{display:inline-block;border-radius:999px;padding:0 .55rem;font-size:.82rem;font-weight:700;background:#eaeef2;color:#24292f;white-space:nowrap}
.badge.ok{background:#dafbe1;color:#116329} .badge.bad{background:#ffebe9;color:#a40e26} .badge.warn{background:#fff8c5;color:#7d4e00}
.lines{list-style:none;margin:0;padding:0} .line{padding:.45rem 0;border-bottom:1px solid #eaeef2}
.line time{color:#59636e;white-space:nowrap;font-variant-numeric:tabular-nums}
.when{margin-bottom:.1rem}
input[aria-invalid=true],textarea[aria-invalid=true]{border-color:#cf222e;border-width:2px}
.empty{color:#59636e}
.more{display:inline-block;margin-top:.4rem}
.timeline{padding-left:1.2rem}
#detail{border:2px solid #0969da}
#detail-title:focus{outline:none}
`;

export function adminPage(timeZone: string): SafeHtml {
  return html`<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex, nofollow"><link rel="icon" href="data:,">
<title>포인트 관리자</title>
<style>${new SafeHtml(BASE_STYLE)}${new SafeHtml(ADMIN_STYLE)}</style></head>
<body data-tz="${timeZone}">
<header class="bar"><h1>포인트 관리자</h1></header>
<form id="login" class="card" novalidate hidden>
  <h2>관리자 로그인</h2>
  <label for="key">관리자 키</label>
  <input id="key" type="password" autocomplete="current-password" required aria-describedby="key-help login-error">
  <p id="key-help" class="muted">서버의 ADMIN_API_KEY입니다. 이 탭에만 보관되고, 탭을 닫으면 지워집니다.</p>
  <p id="login-error" class="field-error" role="alert" hidden></p>
  <button type="submit">로그인</button>
</form>
<main id="main" hidden>
  <div class="tools"><span class="muted">마지막 갱신 <span id="updated">—</span></span>
    <button type="button" id="refresh" class="secondary">새로 고침</button> <button type="button" id="logout" class="secondary">로그아웃</button></div>
  <div id="flash" class="flash ok" role="status" aria-live="polite" hidden></div>
  <section id="detail" class="card" hidden aria-labelledby="detail-title">
    <h2 id="detail-title" tabindex="-1">상세</h2><div id="detail-body"></div>
    <p><a href="#" id="detail-close">닫기</a></p>
  </section>
  <section class="card" aria-labelledby="deposits-title"><h2 id="deposits-title">입금 확인 대기 (<span id="count-deposits">0</span>건)</h2>
    <p class="muted">통장에 들어온 금액을 확인하고 입력하세요. 요청과 다른 금액이면 한 번 더 묻습니다. 시각은 한국 시간(KST)입니다.</p>
    <ul class="items" id="deposits"></ul>
  </section>
  <section class="card" aria-labelledby="unmatched-title"><h2 id="unmatched-title">미확인 입금 (<span id="count-unmatched">0</span>건)</h2>
    <p class="muted">은행 입금 내역 중 입금 요청과 자동으로 맞추지 못한 입금입니다. 맞는 무통장 입금 요청을 골라 배정하면 입금된 금액으로 충전됩니다.</p>
    <ul class="items" id="unmatched-deposits"></ul>
  </section>
  <section class="card" aria-labelledby="refunds-title"><h2 id="refunds-title">검토 대기 환불 (<span id="count-refunds">0</span>건)</h2>
    <ul class="items" id="refunds"></ul>
  </section>
  <section class="card" aria-labelledby="decisions-title"><h2 id="decisions-title">최근 처리 내역</h2>
    <ul class="lines" id="decisions"></ul>
  </section>
  <section class="card" aria-labelledby="events-title"><h2 id="events-title">최근 알림</h2>
    <ul class="lines" id="events"></ul>
  </section>
  <section class="card" aria-labelledby="taxdocs-title"><h2 id="taxdocs-title">발행하지 못한 증빙 (<span id="count-taxdocs">0</span>건)</h2>
    <p class="muted">세금계산서·현금영수증을 발행 대행사에서 하루 동안 다시 시도해도 발행하지 못한 충전입니다. 직접 발행해 주세요.</p>
    <ul class="lines" id="failed-tax-documents"></ul>
  </section>
</main>
<script>${new SafeHtml(ADMIN_SCRIPT)}</script>
</body></html>`;
}
