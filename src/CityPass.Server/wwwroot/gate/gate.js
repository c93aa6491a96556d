// A turnstile screen for one gate: a keyboard-wedge scanner "types" the pass and presses Enter; the
// page asks POST /v1/scans and shows ALLOW or DENY full screen. The device credential is entered once
// and kept in localStorage (this browser is the gate). Data is shown with textContent only.
'use strict';

(() => {
  const CREDENTIAL_KEY = 'citypass.gate.credential';
  const VERDICT_MS = 3000;
  const REASONS = {
    allowed: 'Welcome · 请通行',
    status_not_allowed: 'Status colour not admitted here · 健康状态不符合入场要求',
    credential_missing: 'A required credential is missing · 缺少所需证件',
    booking_required: 'No booking for this venue · 未预约',
    venue_closed: 'The venue is closed now · 不在开放时间',
    already_inside: 'Already inside: exit first · 已在场内',
    venue_full: 'The venue is full · 场所已满',
    not_inside: 'Not inside: enter first · 未入场',
    token_replayed: 'This code was already used: refresh it · 二维码已使用',
    citizen_unknown: 'Unknown citizen · 未知人员',
    expired: 'The code has expired: refresh it · 二维码已过期',
    not_yet_valid: 'The code is not valid yet · 二维码尚未生效',
    lifetime_too_long: 'Not a genuine pass · 二维码无效',
    signature_invalid: 'Not a genuine pass · 二维码无效',
    mac_invalid: 'Not a genuine pass · 二维码无效',
    unknown_issuer: 'Pass of an untrusted city · 未知签发城市',
    unknown_key: 'Pass signed with an unknown key · 未知密钥',
    key_revoked: 'Pass signed with a revoked key · 密钥已吊销',
    key_not_valid_at_issue: 'Pass signed with an invalid key · 密钥无效',
    unsupported_suite: 'Unsupported signature · 不支持的签名',
    malformed: 'Not a CityPass code · 无法识别',
    unsupported_version: 'Unsupported code version · 不支持的版本',
    too_large: 'Not a CityPass code · 无法识别',
  };

  const $ = (id) => document.getElementById(id);
  let credential = localStorage.getItem(CREDENTIAL_KEY);
  let verdictTimer = null;
  let busy = false;

  // A credential in the link's fragment (from the console's enrolment QR): keep it, then drop it
  // from the address bar. Fragments never reach the server, so it is in no access log.
  const fromLink = new URLSearchParams(location.hash.slice(1)).get('credential');
  if (fromLink) {
    credential = fromLink;
    localStorage.setItem(CREDENTIAL_KEY, credential);
    history.replaceState(null, '', location.pathname);
  }

  function showSetup(message) {
    $('scanner').hidden = true;
    $('setup').hidden = false;
    $('change-credential').hidden = true;
    $('setup-message').textContent = message || '';
    $('credential').value = '';
    $('credential').focus();
  }

  function showScanner() {
    $('setup').hidden = true;
    $('scanner').hidden = false;
    $('change-credential').hidden = false;
    const gateId = /^cpg_([0-9a-f]{32})_/.exec(credential || '');
    $('gate-label').textContent = gateId ? `gate ${gateId[1].slice(0, 8)}` : '';
    focusInput();
  }

  // The scanner types into whatever has focus: keep it on the input unless a control is being used.
  function focusInput() {
    if (!$('scanner').hidden && $('verdict').hidden) $('scan-input').focus();
  }

  function direction() {
    return document.querySelector('input[name="direction"]:checked').value;
  }

  function newScanId() {
    // crypto.randomUUID needs a secure context; a gate on a LAN address may not be one.
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  async function scan(event) {
    event.preventDefault();
    const input = $('scan-input');
    const text = input.value.trim();
    input.value = '';
    if (!text || busy) return;
    busy = true;
    const dir = direction();
    try {
      const res = await fetch('/v1/scans', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: 'Gate ' + credential },
        body: JSON.stringify({ text, scanId: newScanId(), direction: dir }),
        cache: 'no-store',
      });
      const body = await res.json().catch(() => ({}));
      if (res.status === 401) {
        localStorage.removeItem(CREDENTIAL_KEY);
        credential = null;
        return showSetup(body.code === 'gate_credential_revoked' ? 'This gate\'s credential was revoked: enter a new one.' : 'The credential is not valid: enter it again.');
      }
      if (res.ok) show(body.decision === 'allow', body.code, body.displayName, body.colour, dir, undefined, body.seat, body.identity);
      else if (res.status === 422) show(false, body.code || 'malformed', '', '', dir);
      else if (res.status === 429) show(false, 'rate_limited', '', '', dir, 'Too many scans: wait a second · 请稍候');
      else show(false, body.code || 'error', '', '', dir, 'The server could not decide: try again · 请重试');
    } catch {
      show(false, 'offline', '', '', dir, 'No connection to the server · 网络故障');
    } finally {
      busy = false;
    }
  }

  // seat: the ticket's seat or zone, on an entry a ticket admitted (the scan answer's `seat`).
  // identity: at a venue that identifies visitors (library, hospital), the member id and the claims the citizen consented to.
  function show(allowed, code, name, colour, dir, words, seat, identity) {
    const v = $('verdict');
    v.className = 'verdict ' + (allowed ? 'allow' : 'deny');
    $('verdict-icon').textContent = allowed ? '✓' : '✕';
    $('verdict-word').textContent = allowed ? 'ALLOW 通行' : 'DENY 禁止';
    $('verdict-reason').textContent = `${words || REASONS[code] || code} (${code})`;
    $('verdict-name').textContent = name || '';
    $('verdict-seat').textContent = seat ? `Seat 座位 ${seat}` : '';
    $('verdict-seat').hidden = !seat;
    $('verdict-identity').textContent = identity ? identityWords(identity) : '';
    $('verdict-identity').hidden = !identity;
    if (identity) $('verdict-identity').dataset.code = identity.code;
    $('verdict-meta').textContent = `${dir === 'in' ? '→ entry' : '← exit'}${colour ? ' · ' + colour : ''}`;
    v.dataset.decision = allowed ? 'allow' : 'deny';
    v.dataset.code = code;
    v.hidden = false;
    addRecent(allowed, code, name, dir);
    clearTimeout(verdictTimer);
    verdictTimer = setTimeout(hideVerdict, VERDICT_MS);
  }

  function identityWords(identity) {
    if (identity.code !== 'identity_shared') {
      return identity.code === 'consent_missing' ? 'Not identified: no consent · 未授权识别' : 'Identity unavailable · 身份暂不可用';
    }
    const c = identity.claims;
    const parts = [`Member 会员号 ${identity.memberId}`];
    if (c.maskedName !== null) parts.push(c.maskedName);
    if (c.ageBand !== null) parts.push(`Age 年龄段 ${c.ageBand}`);
    if (c.eidVerified !== null) parts.push(c.eidVerified ? 'e-ID verified 已实名' : 'e-ID not verified 未实名');
    return parts.join(' · ');
  }

  function hideVerdict() {
    $('verdict').hidden = true;
    focusInput();
  }

  function addRecent(allowed, code, name, dir) {
    const li = document.createElement('li');
    li.className = allowed ? 'allow' : 'deny';
    const time = new Date().toLocaleTimeString('en-GB');
    li.textContent = `${time}  ${allowed ? '✓ ALLOW' : '✕ DENY'}  ${dir === 'in' ? 'in ' : 'out'}  ${name || '—'}  ${code}`;
    const list = $('recent');
    list.prepend(li);
    while (list.children.length > 10) list.lastElementChild.remove();
  }

  $('setup-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const value = $('credential').value.trim();
    if (!/^cpg_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/.test(value)) {
      $('setup-message').textContent = 'That is not a device credential (cpg_…).';
      return;
    }
    credential = value;
    localStorage.setItem(CREDENTIAL_KEY, credential);
    showScanner();
  });
  $('change-credential').addEventListener('click', () => showSetup(''));
  $('scan-form').addEventListener('submit', scan);
  // A scan while the verdict shows: the wedge types into the input anyway (keydown goes to the document).
  document.addEventListener('keydown', (e) => {
    if (!$('verdict').hidden && e.key.length === 1) {
      hideVerdict();
    }
  });
  $('verdict').addEventListener('click', hideVerdict);
  $('scan-input').addEventListener('blur', () => setTimeout(() => {
    const active = document.activeElement;
    if (!active || active === document.body) focusInput();
  }, 0));
  document.querySelectorAll('input[name="direction"]').forEach((r) => r.addEventListener('change', () => setTimeout(focusInput, 0)));
  document.addEventListener('click', (e) => { if (!e.target.closest('input, button, label, select')) focusInput(); });

  if (credential) showScanner();
  else showSetup('');
})();
