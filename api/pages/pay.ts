// The charge-link pages (간편 충전 링크), Korean first: the link page (balance, open requests, one section per
// payment method) and the receipt of one charge (/pay/<token>/charges/<id>), which a form's submit redirects
// to and which can be opened again later. Everything works without script; the hashed inline script only
// adds conveniences (pay-script.ts).
//
// A payment method is one PayMethodSection in PAY_METHODS: its form (posted to /pay/<token>/<path>) and what
// the business must know before submitting. Adding a method is adding a section and its route.
import { BASE_STYLE, html, SafeHtml } from './html.ts';
import { PAY_SCRIPT } from './pay-script.ts';
import { CHARGE_STATUS_KO, itemName, koreanDateTime, METHOD_KO, openingHoursText, won, zoneLabel } from './format.ts';
import type { BankAccount, ChargeLimits } from '../../config/config.ts';
import type { BusinessCalendar } from '../../domain/calendar.ts';
import type { VirtualAccountInfo } from '../../workflows/charge/definitions.ts';
import { vatIncluded, type ItemNames, type PriceList } from '../../domain/money.ts';
import { parseAmountText, type FormErrors, type FormValues } from '../routes/charge-links/pay-forms.ts';

/** A test card of a simulated gateway, offered on the page in test mode. */
export interface TestCardOption {
  token: string;
  brand: string;
  last4: string;
  /** What the simulated gateway does with it, in Korean ("승인", "거절", …). */
  outcome: string;
}

/** A charge as the link holder sees it (no ids of the account, its cards or the gateway). */
export interface LinkCharge {
  id: string;
  amount: number;
  method: string;
  status: string;
  depositorName?: string | undefined;
  bankAccount?: BankAccount | undefined;
  processingStartsAt?: string | undefined;
  expectedBy?: string | undefined;
  expiresAt?: string | undefined;
  depositedAmount?: number | undefined;
  creditedAmount?: number | undefined;
  failureCode?: string | undefined;
  failureReason?: string | undefined;
  createdAt: string;
  completedAt?: string | undefined;
  /** The stored card a card charge used. */
  card?: { brand: string; last4: string } | undefined;
  /** The account issued for a virtual-account charge: deposit exactly the amount there before dueAt. */
  virtualAccount?: VirtualAccountInfo | undefined;
}

/** A refused submit shown again: which form, what was typed, one message per field. */
export interface FormState {
  method: string;
  values: FormValues;
  errors: FormErrors;
  /** An open request of the same amount the person is warned about (bank transfer). */
  duplicateOf?: LinkCharge | undefined;
}

export interface PayPageModel {
  token: string;
  accountName: string;
  balance: number;
  pendingCharges: number;
  prices: PriceList;
  itemNames: ItemNames;
  linkExpiresAt: string;
  limits: ChargeLimits;
  calendar: BusinessCalendar;
  /** When a bank transfer requested now would be picked up, confirmed by, and expire. */
  bankTransferSchedule: { processingStartsAt: Date; expectedBy: Date; expiresAt: Date };
  /** Hours a virtual account issued now takes its deposit. */
  virtualAccountValidHours: number;
  now: Date;
  /** Charges of the account still open (awaiting deposit, or a card payment being confirmed). */
  openRequests: LinkCharge[];
  /** Present in test mode (simulated gateway): the test cards that exist. */
  testCards?: TestCardOption[] | undefined;
  /** One fresh idempotency key per form (kept when a refused form is shown again). */
  formKeys: Record<string, string>;
  form?: FormState | undefined;
  /** An amount chosen with a preset link (works without script). */
  prefill?: { method: string; amount: number } | undefined;
}

export interface PayMethodSection {
  /** The charge method, also the form's data-method. */
  method: string;
  /** The path segment the form posts to: /pay/<token>/<path>. */
  path: string;
  title: string;
  /** One line under the title: how it is credited. */
  summary: string;
  /** The submit button's words. */
  submitLabel: string;
  render(m: PayPageModel, f: FieldHelpers): SafeHtml;
}

export const PAY_STYLE = `
body{font:16px/1.6 system-ui,-apple-system,"Apple SD Gothic Neo","Noto Sans CJK KR","Noto Sans KR","Malgun Gothic",sans-serif;max-width:560px;background:#f2f4f6;color:#191f28;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.4rem 0 1rem;line-height:1.35} h1 small{display:block;font-size:.85rem;color:#6b7684;font-weight:500}
h2{font-size:1.15rem;margin:0 0 .15rem} h3{font-size:1rem;margin:1rem 0 .4rem}
.card{background:#fff;border:0;border-radius:16px;padding:1.2rem 1.2rem;margin:0 0 .9rem;box-shadow:0 1px 2px rgba(0,0,0,.04)}
.sub,.help,.muted{color:#6b7684;font-size:.9rem;margin:.2rem 0}
.big{font-size:2rem;font-weight:700;letter-spacing:-.02em}
.num,.amount,.acct,time{white-space:nowrap;font-variant-numeric:tabular-nums}
.acct{font-weight:700;user-select:all}
nav.methods{display:flex;gap:.5rem;flex-wrap:wrap;margin:0 0 .9rem}
nav.methods a{flex:1 1 8rem;text-align:center;background:#fff;border-radius:12px;padding:.65rem .5rem;color:#191f28;text-decoration:none;font-weight:600}
label{display:block;margin:.9rem 0 .3rem;font-weight:600}
.amount-box{display:flex;align-items:center;border:2px solid #d1d6db;border-radius:12px;padding:0 .8rem;background:#fff}
.amount-box:focus-within{border-color:#3182f6}
.amount-box:has(input:focus-visible){outline:3px solid #0969da;outline-offset:2px}
.amount-box input{border:0;outline:0;font-size:1.4rem;font-weight:700;padding:.55rem 0;width:100%;min-width:0;text-align:right;background:transparent}
.amount-box .unit{font-weight:700;font-size:1.2rem;margin-left:.3rem}
input[type=text]:not([data-amount]){font:inherit;width:100%;box-sizing:border-box;border:2px solid #d1d6db;border-radius:12px;padding:.6rem .8rem}
input[type=text]:not([data-amount]):focus{border-color:#3182f6}
.invalid .amount-box,input[aria-invalid=true]{border-color:#f04452!important}
.field-error{color:#d22030;font-weight:600;margin:.35rem 0 0;font-size:.92rem}
.presets{display:flex;flex-wrap:wrap;gap:.4rem;margin:.6rem 0 0}
.preset{border:1px solid #d1d6db;border-radius:999px;padding:.3rem .8rem;color:#333d4b;text-decoration:none;font-size:.92rem;background:#fff;white-space:nowrap}
.preset[aria-pressed=true]{background:#e8f3ff;border-color:#3182f6;color:#1b64da;font-weight:700}
.buys{background:#f9fafb;border-radius:12px;padding:.7rem .9rem;margin:.8rem 0 0;font-size:.92rem}
.buys p{margin:0 0 .3rem;color:#4e5968}
.buys ul{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:.15rem 1.5rem}
.buys li{display:flex;justify-content:space-between;gap:.4rem}
.vat{margin:.5rem 0 0!important;color:#6b7684}
fieldset{border:0;padding:0;margin:.9rem 0 0} legend{font-weight:600;padding:0;margin-bottom:.3rem}
.choice{display:flex;gap:.6rem;align-items:center;font-weight:500;border:2px solid #e5e8eb;border-radius:12px;padding:.55rem .8rem;margin:.35rem 0}
.choice:has(input:checked){border-color:#3182f6;background:#f4f9ff}
.choice input{width:1.15rem;height:1.15rem;margin:0;padding:0;flex:none}
.notice{background:#fff8e6;border-radius:12px;padding:.65rem .85rem;margin:.8rem 0 0;font-size:.92rem}
.warning{background:#fff0f0;border-radius:12px;padding:.75rem .9rem;margin:.8rem 0 0}
.warning .choice{background:#fff}
.schedule{background:#f4f9ff;border-radius:12px;padding:.75rem .9rem;margin:.8rem 0 0;font-size:.95rem}
.schedule p{margin:.2rem 0} .schedule ul{margin:.4rem 0 0;padding-left:1.1rem;color:#4e5968;font-size:.9rem}
button{font:inherit;font-weight:700;border:0;border-radius:12px;cursor:pointer}
button.primary{display:block;width:100%;margin-top:1.1rem;padding:.9rem 1rem;background:#3182f6;color:#fff;font-size:1.05rem}
button.primary:hover{background:#1b64da} button:disabled{background:#b0b8c1;cursor:wait}
button.copy{background:#e8f3ff;color:#1b64da;padding:.25rem .55rem;font-size:.85rem;margin:0 0 0 .35rem}
dd.with-copy{display:flex;flex-wrap:wrap;justify-content:flex-end;align-items:center;gap:.3rem 0}
dl.rows{display:grid;grid-template-columns:auto 1fr;gap:.45rem .6rem;margin:.6rem 0 0}
dl.rows dt{color:#6b7684} dl.rows dd{margin:0;text-align:right}
.badge{display:inline-block;border-radius:999px;padding:.1rem .6rem;font-size:.85rem;font-weight:700;background:#e5e8eb;color:#333d4b}
.badge.ok{background:#e5f8ee;color:#0a7a3f} .badge.wait{background:#fff3d6;color:#8a5a00} .badge.bad{background:#ffe8ea;color:#c81e2f}
.open-list{list-style:none;margin:0;padding:0} .open-list li{border-top:1px solid #f2f4f6;padding:.7rem 0} .open-list li:first-child{border-top:0}
.row{display:flex;justify-content:space-between;align-items:baseline;gap:.5rem;flex-wrap:wrap}
a{color:#1b64da}
.test{background:#fff8e6}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

function layout(title: string, body: SafeHtml, opts: { refreshSeconds?: number } = {}): SafeHtml {
  return html`<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex, nofollow"><link rel="icon" href="data:,">
${opts.refreshSeconds ? html`<meta http-equiv="refresh" content="${opts.refreshSeconds}">` : ''}
<title>${title}</title><style>${new SafeHtml(BASE_STYLE)}${new SafeHtml(PAY_STYLE)}</style></head><body>
<main>${body}</main>
<p id="live-status" class="sr-only" role="status" aria-live="polite"></p>
<script>${new SafeHtml(PAY_SCRIPT)}</script>
</body></html>`;
}

const amountWon = (n: number) => html`<span class="amount">${won(n)}원</span>`;
const presetLabel = (n: number) => (n % 10_000 === 0 ? `${won(n / 10_000)}만원` : `${won(n)}원`);

/** The preset amounts offered: common top-ups within the method's limits. */
export function presetAmounts(minimum: number, maximum: number): number[] {
  const list = [50_000, 100_000, 300_000, 500_000, 1_000_000].filter((n) => n >= minimum && n <= maximum);
  return list.length ? list : [minimum];
}

/** Field rendering shared by the method sections: ids, typed values and errors of this form. */
export interface FieldHelpers {
  id(name: string): string;
  value(name: string): string | undefined;
  error(name: string): SafeHtml | '';
  invalid(name: string): boolean;
  describedBy(name: string, ...more: string[]): string;
  /** ` autofocus` on the first refused field (the browser scrolls to it and reads its message), else nothing. */
  autofocus(name: string): SafeHtml | '';
  amountField(minimum: number, opts?: { duplicateAmounts?: number[] }): SafeHtml;
}

function fieldHelpers(m: PayPageModel, section: PayMethodSection): FieldHelpers {
  const mine = m.form?.method === section.method ? m.form : undefined;
  const prefix = `${section.path}-`;
  const firstRefused = mine?.duplicateOf ? 'confirmDuplicate' : Object.keys(mine?.errors ?? {}).find((k) => k !== 'form');
  const h: FieldHelpers = {
    autofocus: (name) => (name === firstRefused ? new SafeHtml(' autofocus') : ''),
    id: (name) => prefix + name,
    value: (name) => mine?.values[name],
    invalid: (name) => Boolean(mine?.errors[name]),
    error: (name) => (mine?.errors[name] ? html`<p class="field-error" id="${prefix}${name}-error">${mine.errors[name]}</p>` : ''),
    describedBy: (name, ...more) => [mine?.errors[name] ? `${prefix}${name}-error` : '', ...more].filter(Boolean).join(' '),
    amountField(minimum, opts = {}) {
      const typed = h.value('amount');
      const prefilled = m.prefill?.method === section.method ? m.prefill.amount : undefined;
      const text = typed ?? won(prefilled ?? presetAmounts(minimum, m.limits.maximum)[1] ?? minimum);
      const parsed = parseAmountText(text);
      const n = parsed !== undefined && Number.isSafeInteger(parsed) ? parsed : 0;
      const { supply, vat } = vatIncluded(n);
      const base = `/pay/${encodeURIComponent(m.token)}`;
      const duplicates = opts.duplicateAmounts ?? [];
      return html`<div class="field${h.invalid('amount') ? ' invalid' : ''}">
  <label for="${h.id('amount')}">충전 금액</label>
  <div class="amount-box"><input id="${h.id('amount')}" name="amount" type="text" inputmode="numeric" autocomplete="off" required
    value="${text}" data-amount aria-describedby="${h.describedBy('amount', h.id('amount-help'))}"${h.invalid('amount') ? new SafeHtml(' aria-invalid="true"') : ''}${h.autofocus('amount')}><span class="unit" aria-hidden="true">원</span></div>
  ${h.error('amount')}
  <div class="presets" role="group" aria-label="자주 쓰는 금액">${presetAmounts(minimum, m.limits.maximum).map(
    (p) =>
      html`<a class="preset" href="${base}?method=${section.method}&amp;amount=${p}#pay-${section.path}" data-amount="${p}" aria-pressed="${String(p === n)}">${presetLabel(p)}</a>`,
  )}</div>
  <p class="help" id="${h.id('amount-help')}">최소 <span class="num">${won(minimum)}원</span> · 최대 <span class="num">${won(m.limits.maximum)}원</span>. <span class="num">1 포인트 = 1원</span>, 부가세 포함 금액입니다.</p>
  <div class="buys">
    <p>이 금액으로 보낼 수 있는 양</p>
    <ul>${Object.entries(m.prices).map(
      ([item, price]) =>
        html`<li data-price="${price}"><span>${itemName(item, m.itemNames)}</span> <b class="num" data-count>${won(price > 0 ? Math.floor(n / price) : 0)}건</b></li>`,
    )}</ul>
    <p class="vat">결제 금액 <span class="num"><span data-vat="total">${won(n)}</span>원</span> = 공급가액 <span class="num"><span data-vat="supply">${won(supply)}</span>원</span> + 부가세 <span class="num"><span data-vat="vat">${won(vat)}</span>원</span>. 결제한 금액만큼 포인트가 쌓입니다.</p>
  </div>
  ${duplicates.length ? html`<p class="notice" data-duplicate-amounts="${duplicates.join(',')}"${duplicates.includes(n) ? '' : new SafeHtml(' hidden')}>같은 금액의 입금 요청이 이미 있습니다. 이미 입금하셨다면 새로 요청하지 말고 아래 요청 내역을 확인해 주세요.</p>` : ''}
</div>`;
    },
  };
  return h;
}

const cardSection: PayMethodSection = {
  method: 'card',
  path: 'card',
  title: '카드 결제',
  summary: '결제하면 바로 충전됩니다.',
  submitLabel: '카드로 결제하기',
  render(m, f) {
    const chosen = f.value('cardToken');
    const cards = m.testCards;
    const firstOk = cards?.find((c) => c.outcome === '승인')?.token;
    return html`${f.amountField(m.limits.minimum.card)}
${
  cards
    ? html`<p class="notice test" id="${f.id('test-mode')}"><strong>테스트 모드</strong> — 실제 카드로 결제되지 않는 시험용 결제대행사입니다. 아래 시험용 카드 중 하나를 골라 결제 흐름을 확인할 수 있습니다.</p>
<fieldset aria-describedby="${f.describedBy('cardToken', f.id('test-mode'))}"><legend>결제할 카드 (시험용)</legend>
${cards.map(
  (c, i) =>
    html`<label class="choice"><input type="radio" name="cardToken" value="${c.token}"${(chosen ?? firstOk) === c.token ? new SafeHtml(' checked') : ''}${i === 0 ? f.autofocus('cardToken') : ''}> <span>${c.brand.toUpperCase()} <span class="num">•••• ${c.last4}</span> — ${c.outcome} <span class="muted">(${c.token})</span></span></label>`,
)}
</fieldset>`
    : html`<label for="${f.id('cardToken')}">결제 수단 토큰</label>
<input id="${f.id('cardToken')}" name="cardToken" type="text" autocomplete="off" required maxlength="200" value="${chosen ?? ''}" aria-describedby="${f.describedBy('cardToken', f.id('card-help'))}"${f.invalid('cardToken') ? new SafeHtml(' aria-invalid="true"') : ''}${f.autofocus('cardToken')}>
<p class="help" id="${f.id('card-help')}">결제대행사의 카드 등록 창에서 받은 토큰입니다. 카드 번호를 입력하지 마세요.</p>`
}
${f.error('cardToken')}
<p class="help">결제한 카드는 이 사업장의 결제 수단으로 저장되며, 잔액이 부족할 때 자동 충전에 쓸 수 있습니다.</p>`;
  },
};

const bankTransferSection: PayMethodSection = {
  method: 'bank_transfer',
  path: 'bank-transfer',
  title: '무통장 입금',
  summary: '입금을 확인한 뒤 충전됩니다.',
  submitLabel: '입금 요청하기',
  render(m, f) {
    const s = m.bankTransferSchedule;
    const tz = m.calendar.timeZone;
    const at = (d: Date) => html`<time datetime="${d.toISOString()}">${koreanDateTime(d, tz, m.now)}</time>`;
    const startsNow = s.processingStartsAt.getTime() - m.now.getTime() < 60_000;
    const open = m.openRequests.filter((c) => c.method === 'bank_transfer' && c.status === 'awaiting_deposit');
    const dup = m.form?.method === 'bank_transfer' ? m.form.duplicateOf : undefined;
    return html`<div class="schedule" id="${f.id('schedule')}">
  <p>${startsNow ? html`지금 요청하면 바로 확인을 시작해 <strong>${at(s.expectedBy)}</strong>까지 충전해 드립니다.` : html`지금 요청하면 <strong>${at(s.processingStartsAt)}</strong>에 확인을 시작해 <strong>${at(s.expectedBy)}</strong>까지 충전해 드립니다.`}</p>
  <p>입금 기한: <strong>${at(s.expiresAt)}까지</strong> — 기한이 지나면 요청이 만료됩니다.</p>
  <ul>
    <li>입금 확인 시간: ${openingHoursText(m.calendar).join(', ')}</li>
    ${m.calendar.cutoff ? html`<li>영업일 <span class="num">${m.calendar.cutoff}</span> 이후 요청은 다음 영업일에 확인합니다.</li>` : ''}
    <li>시각은 모두 ${zoneLabel(tz)} 기준입니다.</li>
  </ul>
</div>
${f.amountField(m.limits.minimum.bank_transfer, { duplicateAmounts: dup ? [] : [...new Set(open.map((c) => c.amount))] })}
<label for="${f.id('depositorName')}">입금자명</label>
<input id="${f.id('depositorName')}" name="depositorName" type="text" autocomplete="organization" required maxlength="100" value="${f.value('depositorName') ?? ''}"
  aria-describedby="${f.describedBy('depositorName', f.id('depositor-help'))}"${f.invalid('depositorName') ? new SafeHtml(' aria-invalid="true"') : ''}${f.autofocus('depositorName')}>
${f.error('depositorName')}
<p class="help" id="${f.id('depositor-help')}">통장에 찍히는 이름 그대로 적어 주세요. 다르면 확인이 늦어질 수 있습니다.</p>
${
  dup
    ? html`<div class="warning" role="alert" id="${f.id('duplicate')}">
  <p><strong>같은 금액(${amountWon(dup.amount)})의 입금 요청이 이미 있습니다.</strong> ${koreanDateTime(dup.createdAt, tz, m.now)}에 요청했고, <span class="num">${koreanDateTime(dup.expiresAt, tz, m.now)}</span>까지 입금하면 됩니다. 이미 입금하셨다면 새로 요청하지 마세요. <a href="/pay/${encodeURIComponent(m.token)}/charges/${dup.id}">그 요청 보기</a></p>
  <label class="choice"><input type="checkbox" name="confirmDuplicate" value="yes"${f.autofocus('confirmDuplicate')}> 알고 있습니다. 새 입금 요청을 하나 더 만듭니다.</label>
</div>`
    : ''
}`;
  },
};

const virtualAccountSection: PayMethodSection = {
  method: 'virtual_account',
  path: 'virtual-account',
  title: '가상계좌',
  summary: '이 충전만을 위한 계좌를 발급해 드립니다. 입금하면 밤이나 휴일에도 바로 충전됩니다.',
  submitLabel: '가상계좌 발급받기',
  render(m, f) {
    const dueAt = new Date(m.now.getTime() + m.virtualAccountValidHours * 3_600_000);
    return html`<div class="schedule" id="${f.id('schedule')}">
  <p>지금 발급하면 <strong><time datetime="${dueAt.toISOString()}">${koreanDateTime(dueAt, m.calendar.timeZone, m.now)}</time>까지</strong> 입금할 수 있습니다.</p>
  <ul>
    <li>발급된 계좌에 <strong>요청한 금액 그대로</strong> 한 번에 입금해 주세요. 금액이 다르면 입금되지 않습니다.</li>
    <li>입금은 24시간 확인되며, 확인되는 즉시 충전됩니다.</li>
    <li>시각은 모두 ${zoneLabel(m.calendar.timeZone)} 기준입니다.</li>
  </ul>
</div>
${f.amountField(m.limits.minimum.virtual_account)}`;
  },
};

/** The payment methods on the link page, in order. A new method is one more section (and its route). */
export const PAY_METHODS: PayMethodSection[] = [cardSection, virtualAccountSection, bankTransferSection];

/** The account issued for a virtual-account charge (same rows and copy button as the bank account). */
function virtualAccountRows(va: VirtualAccountInfo | undefined, idPrefix: string): SafeHtml {
  return va ? bankAccountRows({ bank: va.bank, accountNumber: va.accountNumber, holder: va.holder }, idPrefix) : html``;
}

function bankAccountRows(bank: BankAccount | undefined, idPrefix: string): SafeHtml {
  if (!bank) return html``;
  return html`<dt>은행</dt><dd>${bank.bank}</dd>
<dt>계좌번호</dt><dd class="with-copy"><span class="acct" id="${idPrefix}-acct">${bank.accountNumber}</span><button type="button" class="copy" data-copy="${bank.accountNumber}" data-label="복사" aria-controls="${idPrefix}-acct" hidden>복사</button></dd>
<dt>예금주</dt><dd>${bank.holder}</dd>`;
}

function statusBadge(status: string): SafeHtml {
  const tone = status === 'succeeded' ? 'ok' : status === 'awaiting_deposit' || status === 'pending' ? 'wait' : 'bad';
  return html`<span class="badge ${tone}">${CHARGE_STATUS_KO[status] ?? status}</span>`;
}

function openRequestsSection(m: PayPageModel): SafeHtml {
  if (!m.openRequests.length) return html``;
  const tz = m.calendar.timeZone;
  return html`<section class="card" id="open-requests" aria-labelledby="open-requests-title">
<h2 id="open-requests-title">진행 중인 요청 <span class="muted">${m.openRequests.length}건</span></h2>
<ul class="open-list">${m.openRequests.map(
    (c) => html`<li id="open-${c.id}">
  <div class="row"><strong class="amount">${won(c.amount)}원</strong> ${statusBadge(c.status)}</div>
  ${
    c.status === 'awaiting_deposit' && c.virtualAccount
      ? html`<p class="muted">가상계좌 · <strong class="num">${koreanDateTime(c.virtualAccount.dueAt, tz, m.now)}까지</strong> 입금</p>
  <dl class="rows">${virtualAccountRows(c.virtualAccount, `open-${c.id}`)}</dl>`
      : c.status === 'awaiting_deposit'
        ? html`<p class="muted">${c.depositorName ?? ''} 이름으로 <strong class="num">${koreanDateTime(c.expiresAt, tz, m.now)}까지</strong> 입금</p>
  <dl class="rows">${bankAccountRows(c.bankAccount, `open-${c.id}`)}</dl>`
        : html`<p class="muted">${METHOD_KO[c.method] ?? c.method} · ${koreanDateTime(c.createdAt, tz, m.now)} 요청</p>`
  }
  <p><a href="/pay/${encodeURIComponent(m.token)}/charges/${c.id}">요청 내역 보기</a></p>
</li>`,
  )}</ul>
</section>`;
}

export function payPage(m: PayPageModel): SafeHtml {
  const action = (path: string) => `/pay/${encodeURIComponent(m.token)}/${path}`;
  const hasErrors = Boolean(m.form && Object.keys(m.form.errors).length);
  return layout(
    `${hasErrors ? '입력을 확인해 주세요 — ' : ''}${m.accountName} 포인트 충전`,
    html`<h1><small>포인트 충전</small>${m.accountName}</h1>
<section class="card" id="balance" aria-labelledby="balance-title">
  <h2 id="balance-title" class="muted">현재 잔액</h2>
  <div class="big num" data-balance="${m.balance}">${won(m.balance)} P</div>
  ${m.pendingCharges > 0 ? html`<p class="muted">충전 대기 중: <span class="num">${won(m.pendingCharges)} P</span></p>` : ''}
  <div class="buys"><p>지금 잔액으로 보낼 수 있는 양</p><ul>${Object.entries(m.prices).map(
    ([item, price]) =>
      html`<li><span>${itemName(item, m.itemNames)}</span> <b class="num">${won(price > 0 ? Math.floor(Math.max(m.balance, 0) / price) : 0)}건</b></li>`,
  )}</ul></div>
  <p class="help">이 링크는 <span class="num">${koreanDateTime(m.linkExpiresAt, m.calendar.timeZone, m.now)}</span>까지 쓸 수 있습니다.</p>
</section>
${openRequestsSection(m)}
<nav class="methods" aria-label="결제 방법">${PAY_METHODS.map((s) => html`<a href="#pay-${s.path}">${s.title}</a>`)}</nav>
${PAY_METHODS.map((s) => {
  const f = fieldHelpers(m, s);
  const formError = m.form?.method === s.method ? m.form.errors.form : undefined;
  return html`<section class="card" id="pay-${s.path}" aria-labelledby="pay-${s.path}-title">
<h2 id="pay-${s.path}-title">${s.title}</h2><p class="sub">${s.summary}</p>
<form method="post" action="${action(s.path)}" data-method="${s.method}" novalidate>
  <input type="hidden" name="idempotencyKey" value="${m.formKeys[s.method] ?? ''}">
  ${formError ? html`<p class="field-error" role="alert">${formError}</p>` : ''}
  ${m.form?.method === s.method && Object.keys(m.form.errors).some((k) => k !== 'form') ? html`<p class="field-error" role="alert">입력한 내용을 확인해 주세요. 아래에 고칠 곳을 적어 두었습니다.</p>` : ''}
  ${s.render(m, f)}
  <button type="submit" class="primary" data-label="${s.submitLabel}">${s.submitLabel}</button>
</form>
</section>`;
})}`,
  );
}

/** Korean words for why a charge did not go through. */
function failureText(c: LinkCharge): string {
  if (c.status === 'rejected') return `담당자가 요청을 거절했습니다${c.failureReason ? `: ${c.failureReason}` : '.'}`;
  if (c.status === 'expired') return '입금 기한이 지나 요청이 만료되었습니다. 새로 요청해 주세요.';
  if (c.status === 'cancelled') return '요청이 취소되었습니다.';
  if (c.failureCode === 'card_declined') return '카드사에서 결제를 거절했습니다. 다른 카드로 다시 시도해 주세요.';
  if (c.failureCode === 'gateway_unavailable') return '결제대행사와 연결되지 않아 결제하지 못했습니다. 잠시 뒤 다시 시도해 주세요.';
  return '결제하지 못했습니다. 다시 시도해 주세요.';
}

export interface ReceiptModel {
  token: string;
  accountName: string;
  charge: LinkCharge;
  balance: number;
  timeZone: string;
  now: Date;
}

/** The receipt of one charge: where to deposit (awaiting deposit), or what happened. Revisitable. */
export function receiptPage(r: ReceiptModel): SafeHtml {
  const c = r.charge;
  const tz = r.timeZone;
  const at = (iso: string | undefined) => (iso ? html`<time datetime="${iso}">${koreanDateTime(iso, tz, r.now)}</time>` : '—');
  const back = html`<p><a href="/pay/${encodeURIComponent(r.token)}">← 충전 페이지로 돌아가기</a></p>`;
  const keep = html`<p class="help">이 페이지 주소를 저장해 두면 언제든 다시 볼 수 있습니다. 충전 페이지의 ‘진행 중인 요청’에도 나옵니다.</p>`;
  const common = html`<dt>요청 시각</dt><dd>${at(c.createdAt)}</dd><dt>결제 방법</dt><dd>${METHOD_KO[c.method] ?? c.method}</dd>`;

  if (c.status === 'awaiting_deposit' && c.virtualAccount) {
    return layout(
      `가상계좌 입금 안내 — ${r.accountName}`,
      html`<h1><small>${r.accountName}</small>가상계좌 입금 안내</h1>
<section class="card" id="receipt" data-status="${c.status}">
  <div class="row"><span class="big num">${won(c.amount)}원</span> ${statusBadge(c.status)}</div>
  <p>아래 가상계좌로 <strong class="amount">${won(c.amount)}원</strong>을 정확히 입금해 주세요. 입금되면 바로 충전됩니다.</p>
  <p class="schedule">입금 기한: <strong>${at(c.virtualAccount.dueAt)}까지</strong> — 기한이 지나면 계좌가 닫히고 요청이 만료됩니다.</p>
  <dl class="rows" id="virtual-account">${virtualAccountRows(c.virtualAccount, 'receipt')}
    <dt>입금액</dt><dd class="amount">${won(c.amount)}원</dd>
    ${common}
  </dl>
  <p class="help">금액이 다르면 입금되지 않습니다. 시각은 ${zoneLabel(tz)} 기준입니다.</p>
  ${keep}
</section>${back}`,
    );
  }
  if (c.status === 'awaiting_deposit') {
    return layout(
      `입금 안내 — ${r.accountName}`,
      html`<h1><small>${r.accountName}</small>입금 안내</h1>
<section class="card" id="receipt" data-status="${c.status}">
  <div class="row"><span class="big num">${won(c.amount)}원</span> ${statusBadge(c.status)}</div>
  <p>아래 계좌로 <strong class="amount">${won(c.amount)}원</strong>을 <strong>${c.depositorName ?? ''}</strong> 이름으로 입금해 주세요.</p>
  <p class="schedule">입금 기한: <strong>${at(c.expiresAt)}까지</strong><br>확인 시작 ${at(c.processingStartsAt)} · <strong>${at(c.expectedBy)}</strong>까지 충전 예정</p>
  <dl class="rows" id="bank-account">${bankAccountRows(c.bankAccount, 'receipt')}
    <dt>입금액</dt><dd class="amount">${won(c.amount)}원</dd>
    <dt>입금자명</dt><dd>${c.depositorName ?? ''}</dd>
    ${common}
  </dl>
  <p class="help">입금액과 입금자명이 요청과 다르면 확인이 늦어질 수 있습니다. 입금 확인은 담당자가 영업시간에 합니다 (${zoneLabel(tz)}).</p>
  ${keep}
</section>${back}`,
    );
  }
  if (c.status === 'pending') {
    return layout(
      `결제 확인 중 — ${r.accountName}`,
      html`<h1><small>${r.accountName}</small>결제 확인 중</h1>
<section class="card" id="receipt" data-status="${c.status}">
  <div class="row"><span class="big num">${won(c.amount)}원</span> ${statusBadge(c.status)}</div>
  <p>카드사 응답을 기다리고 있습니다. 결과가 나오면 이 페이지에 표시됩니다 (5초마다 새로 고침). 결제는 한 번만 이루어집니다.</p>
  <dl class="rows">${common}</dl>${keep}
</section>${back}`,
      { refreshSeconds: 5 },
    );
  }
  const ok = c.status === 'succeeded';
  const credited = c.creditedAmount ?? c.amount;
  return layout(
    `${CHARGE_STATUS_KO[c.status] ?? c.status} — ${r.accountName}`,
    html`<h1><small>${r.accountName}</small>${ok ? '충전 완료' : (CHARGE_STATUS_KO[c.status] ?? c.status)}</h1>
<section class="card" id="receipt" data-status="${c.status}">
  <div class="row"><span class="big num">${won(ok ? credited : c.amount)}${ok ? ' P' : '원'}</span> ${statusBadge(c.status)}</div>
  ${
    ok
      ? html`<p><strong class="num">${won(credited)} P</strong>가 충전되었습니다. 현재 잔액은 <strong class="num">${won(r.balance)} P</strong>입니다.</p>`
      : html`<p role="alert">${failureText(c)}</p>`
  }
  <dl class="rows">
    <dt>요청 금액</dt><dd class="amount">${won(c.amount)}원</dd>
    ${c.depositedAmount !== undefined ? html`<dt>입금 확인액</dt><dd class="amount">${won(c.depositedAmount)}원</dd>` : ''}
    ${c.card ? html`<dt>카드</dt><dd>${c.card.brand.toUpperCase()} <span class="num">•••• ${c.card.last4}</span></dd>` : ''}
    ${common}
    ${c.completedAt ? html`<dt>${ok ? '충전 시각' : '처리 시각'}</dt><dd>${at(c.completedAt)}</dd>` : ''}
  </dl>
  ${ok && c.card ? html`<p class="help">이 카드는 사업장의 결제 수단으로 저장되어 자동 충전에 쓸 수 있습니다.</p>` : ''}
  ${ok && c.depositedAmount !== undefined && c.depositedAmount !== c.amount ? html`<p class="help">요청 금액과 다른 금액이 입금되어, 입금된 금액만큼 충전했습니다.</p>` : ''}
</section>${back}`,
  );
}

/** A problem shown as a page (no form to show it on): Korean title and text, a way back. */
export function problemPage(token: string | undefined, title: string, detail: string): SafeHtml {
  return layout(
    title,
    html`<h1>${title}</h1><section class="card" id="problem"><p>${detail}</p></section>
${token ? html`<p><a href="/pay/${encodeURIComponent(token)}">← 충전 페이지로 돌아가기</a></p>` : ''}`,
  );
}

/** The one answer for an unknown, expired or revoked link: it says nothing about which. */
export function linkNotFoundPage(): SafeHtml {
  return layout(
    '링크를 찾을 수 없습니다',
    html`<h1>링크를 찾을 수 없습니다</h1><section class="card" id="problem"><p>이 충전 링크는 쓸 수 없습니다. 기간이 지났거나 취소되었을 수 있습니다. 링크를 보내 준 곳에 새 링크를 요청해 주세요.</p></section>`,
  );
}

/** A charge that is not one of this link's account (or no charge at all). */
export function chargeNotFoundPage(token: string): SafeHtml {
  return problemPage(token, '요청을 찾을 수 없습니다', '주소가 맞는지 확인해 주세요. 이 사업장의 충전 요청만 볼 수 있습니다.');
}
