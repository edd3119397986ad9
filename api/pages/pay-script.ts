// The charge-link pages' one inline script, allowed by its hash under the strict CSP. It only improves what
// already works without it: presets fill the amount field instead of reloading, amounts get their commas
// and the "what it buys" lines as you type, copy buttons appear, and a submitted form cannot be sent twice.
import { scriptHash } from './html.ts';

export const PAY_SCRIPT = `
'use strict';
(function () {
  var fmt = function (n) { return n.toLocaleString('ko-KR'); };
  var digits = function (s) { return String(s || '').replace(/[^0-9]/g, ''); };
  var status = document.getElementById('live-status');
  function say(text) { if (status) { status.textContent = ''; setTimeout(function () { status.textContent = text; }, 50); } }

  function update(form) {
    var input = form.querySelector('[data-amount]');
    if (!input) return;
    var raw = digits(input.value);
    var n = raw ? Number(raw) : 0;
    form.querySelectorAll('[data-price]').forEach(function (el) {
      var price = Number(el.getAttribute('data-price'));
      var out = el.querySelector('[data-count]');
      if (out && price > 0) out.textContent = fmt(Math.floor(n / price)) + '건';
    });
    var supply = Math.round(n * 10 / 11);
    form.querySelectorAll('[data-vat]').forEach(function (el) {
      var what = el.getAttribute('data-vat');
      el.textContent = fmt(what === 'supply' ? supply : what === 'vat' ? n - supply : n);
    });
    form.querySelectorAll('.preset').forEach(function (p) {
      p.setAttribute('aria-pressed', String(Number(p.getAttribute('data-amount')) === n));
    });
    var warn = form.querySelector('[data-duplicate-amounts]');
    if (warn) {
      var open = (warn.getAttribute('data-duplicate-amounts') || '').split(',').map(Number);
      warn.hidden = !(n > 0 && open.indexOf(n) >= 0);
    }
  }

  document.querySelectorAll('form[data-method]').forEach(function (form) {
    var input = form.querySelector('[data-amount]');
    if (input) {
      input.addEventListener('input', function () {
        var raw = digits(input.value).replace(/^0+(?=\\d)/, '');
        var formatted = raw ? fmt(Number(raw)) : '';
        if (formatted !== input.value) {
          var fromEnd = input.value.length - (input.selectionEnd || 0);
          input.value = formatted;
          var pos = Math.max(formatted.length - fromEnd, 0);
          input.setSelectionRange(pos, pos);
        }
        update(form);
      });
    }
    form.querySelectorAll('.preset').forEach(function (p) {
      p.addEventListener('click', function (ev) {
        ev.preventDefault();
        if (!input) return;
        input.value = fmt(Number(p.getAttribute('data-amount')));
        update(form);
        say(input.value + '원을 선택했습니다.');
      });
    });
    form.addEventListener('submit', function (ev) {
      if (form.getAttribute('data-sent') === 'yes') { ev.preventDefault(); return; }
      form.setAttribute('data-sent', 'yes');
      form.querySelectorAll('button[type=submit]').forEach(function (b) {
        b.disabled = true;
        b.setAttribute('aria-busy', 'true');
        b.textContent = '처리 중…';
      });
    });
    update(form);
  });

  // Back from the receipt (page restored from the back-forward cache): the form may be sent again.
  window.addEventListener('pageshow', function (ev) {
    if (!ev.persisted) return;
    document.querySelectorAll('form[data-sent]').forEach(function (form) {
      form.removeAttribute('data-sent');
      form.querySelectorAll('button[type=submit]').forEach(function (b) { b.disabled = false; b.removeAttribute('aria-busy'); b.textContent = b.getAttribute('data-label') || b.textContent; });
    });
  });

  document.querySelectorAll('button[data-copy]').forEach(function (b) {
    b.hidden = false;
    b.addEventListener('click', function () {
      var text = b.getAttribute('data-copy') || '';
      var done = function () { say('계좌번호를 복사했습니다.'); b.textContent = '복사됨'; setTimeout(function () { b.textContent = b.getAttribute('data-label') || '복사'; }, 2000); };
      var select = function () {
        var target = document.getElementById(b.getAttribute('aria-controls') || '');
        if (target) { var r = document.createRange(); r.selectNodeContents(target); var s = getSelection(); s.removeAllRanges(); s.addRange(r); }
        say('계좌번호를 선택했습니다. 길게 눌러 복사해 주세요.');
      };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, select);
      else select();
    });
  });
})();
`;

export const PAY_SCRIPT_SRC = scriptHash(PAY_SCRIPT);
