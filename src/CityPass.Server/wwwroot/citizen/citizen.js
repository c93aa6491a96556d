// The citizen's live pass. Plain JS, no build step. Everything shown from data is set with
// textContent (never innerHTML), and the page runs under a CSP that forbids inline script.
//
// The sign-in token is kept in localStorage: a citizen at a gate queue must see the pass at once,
// not wait for a new SMS because the tab was closed. The token only reads this citizen's own pass,
// expires after 7 days, and "Sign out" removes it; the CSP (scripts from this origin only) is what
// keeps other code from reading it.
'use strict';

(() => {
  const TOKEN_KEY = 'citypass.citizen.session';
  const LANG_KEY = 'citypass.lang';
  const ELDER_KEY = 'citypass.elder'; // elder-care mode is a choice of this device, like the language
  const POLL_MS = 2000; // a status change shows within 2-3 s; the server reuses the same pass until refreshAfter

  const TEXT = {
    zh: {
      signOut: '退出', offline: '网络已断开：二维码可能已过期，恢复联网后自动刷新。', signedOut: '登录已失效，请重新登录。',
      signInTitle: '登录一码通城', signInHint: '输入手机号，我们会发送一次性验证码。', phone: '手机号', sendCode: '发送验证码',
      code: '验证码', signIn: '登录', changePhone: '换一个手机号', passTitle: '我的通行码', stale: '已过期',
      tabHealth: '健康', tabEid: '身份证', tabSscard: '社保卡', tabScans: '记录',
      reason: '原因', since: '起始时间', healthRecord: '健康档案', eidTitle: '电子身份证', eidHint: '闸机只看到“已核验”，看不到证件号码。',
      sscardTitle: '社会保障卡', sscardHint: '在医院和诊所可作为就诊凭证。', noScans: '还没有扫码记录。', issuer: '签发城市',
      green: '绿码', yellow: '黄码', red: '红码',
      greenHint: '可正常通行', yellowHint: '请按要求检测', redHint: '请居家，勿出行',
      held: '✓ 已核验', notHeld: '— 未持有', refreshIn: (s) => `二维码 ${s} 秒后自动刷新`, refreshing: '正在刷新…',
      codeSent: '验证码已发送，请查看短信。', badPhone: '请输入正确的手机号。', badCode: '验证码不正确或已过期。',
      tooMany: '尝试太频繁，请稍后再试。', failed: '出错了，请重试。', allow: '通过', deny: '未通过', entry: '进', exit: '出',
      switchTo: 'EN', switchHint: ' Switch to English', switchLang: 'en',
      elder: '长辈模式', moreDetails: '更多信息', fewerDetails: '收起更多信息',
      historyTitle: '状态记录', caseLabel: '案件', byLabel: '变更方', none: '—',
      roles: { HealthAuthority: '卫生健康部门', CityAdmin: '城市管理员', ApprovedDraft: '卫生健康部门（双人审批）', system: '系统' },
      appealTitle: '申诉', appealReason: '申诉理由', appealSubmit: '提交申诉', appealSent: '申诉已提交，请等待处理。',
      appealGreen: '绿码无需申诉。', appealNeedReason: '请填写申诉理由（最多 500 字）。',
      appealStates: { open: '处理中', upheld: '申诉成立', rejected: '申诉未获支持', superseded: '已失效' },
      appealAbout: (colour, at) => `对${colour}的申诉 · ${at}`,
      appealPending: '已提交，等待卫生健康部门处理。', appealStale: '状态已变更，此申诉将失效；如仍有异议，可对当前状态重新申诉。',
      appealOutcome: (colour) => `状态已改为${colour}`, appealDecidedBy: (role, at) => `处理方：${role} · ${at}`,
      appealDone: '此状态已申诉并处理完毕；状态变更后可再次申诉。',
      codes: { appeal_status_green: '绿码无需申诉。', appeal_already_open: '您已有一项申诉正在处理。', appeal_status_already_appealed: '此状态已申诉过。' },
      tabEstate: '小区', hostingTitle: '访客审批', noHosted: '暂无访客登记。', visitTitle: '访客登记', visitEstate: '小区',
      visitUnit: '被访住户（楼栋-单元-门牌）', visitPurpose: '来访事由', visitFrom: '开始时间', visitUntil: '结束时间（最长 24 小时）',
      visitSubmit: '提交登记', myVisitsTitle: '我的访客登记', noVisits: '还没有访客登记。', myCitizenId: '我的居民编号（请交给小区物业登记为住户）',
      homes: (list) => `我是住户：${list}`, visitSent: '登记已提交，等待住户审批。', approve: '同意', decline: '拒绝', withdraw: '撤销同意',
      visitStates: { pending: '待审批', approved: '已同意', declined: '已拒绝', expired: '已过期' },
      visitor: '访客', purposeLabel: '事由',
      visitErrors: { unit: '该住户不存在，请向被访人确认楼栋-单元-门牌。', purpose: '请填写来访事由（最多 100 字）。', validUntil: '结束时间须晚于开始时间和现在，且最长 24 小时。',
        validFrom: '开始时间最多提前 30 天。', estateId: '请选择小区。' },
      tabConsent: '授权', consentTitle: '身份授权', disclosuresTitle: '已分享记录', consentHistoryTitle: '授权变更记录',
      consentHint: '图书馆借书、医院挂号等场所可在您扫码入场时识别您。未经授权，场所什么也看不到；授权后，场所只看到本场所专用的会员号和您勾选的信息。',
      noAsking: '目前没有场所请求识别。', noDisclosures: '还没有向任何场所分享过信息。',
      kinds: { library: '图书馆', clinic: '医院诊所', hospital: '医院', theatre: '剧院', housing_estate: '小区' },
      claimNames: { masked_name: '姓名（打码）', age_band: '年龄段', eid_verified: '是否已实名核验' },
      allowIdentify: '允许识别（提供本场所会员号）', consentSave: '保存', consentWithdraw: '撤回授权', consentSaved: '已保存，下次扫码生效。', consentWithdrawn: '已撤回，下次扫码起不再分享。',
      askedBy: (names) => `请求的场所：${names}`, memberId: '会员号', shared: '分享', memberOnly: '仅会员号', granted: (c) => `授权：${c}`, withdrawnAt: '撤回授权',
      yes: '是', no: '否',
      visitCodes: { too_many_visits: '待审批或未结束的登记过多，请稍后再登记。', visit_ended: '该访问已结束。', visit_declined: '该登记已被拒绝，请访客重新登记。' },
    },
    en: {
      signOut: 'Sign out', offline: 'You are offline: the code may have expired. It refreshes when you are back online.', signedOut: 'You were signed out. Please sign in again.',
      signInTitle: 'Sign in to CityPass', signInHint: 'Enter your phone number and we will text you a one-time code.', phone: 'Phone number', sendCode: 'Send code',
      code: 'One-time code', signIn: 'Sign in', changePhone: 'Use another number', passTitle: 'My pass', stale: 'Expired',
      tabHealth: 'Health', tabEid: 'e-ID', tabSscard: 'Social security', tabScans: 'History',
      reason: 'Reason', since: 'Since', healthRecord: 'Health record', eidTitle: 'Electronic ID', eidHint: 'Gates see "verified" only, never the ID number.',
      sscardTitle: 'Social-security card', sscardHint: 'Accepted as proof of cover at hospitals and clinics.', noScans: 'No scans yet.', issuer: 'Issued by city',
      green: 'Green code', yellow: 'Yellow code', red: 'Red code',
      greenHint: 'You may enter venues', yellowHint: 'Please get tested as instructed', redHint: 'Please stay at home',
      held: '✓ Verified', notHeld: '— Not held', refreshIn: (s) => `Code refreshes in ${s} s`, refreshing: 'Refreshing…',
      codeSent: 'Code sent: check your text messages.', badPhone: 'Enter a valid phone number.', badCode: 'The code is wrong or has expired.',
      tooMany: 'Too many attempts: try again in a minute.', failed: 'Something went wrong: try again.', allow: 'Allowed', deny: 'Refused', entry: 'in', exit: 'out',
      switchTo: '中文', switchHint: ' 切换到中文', switchLang: 'zh-CN',
      elder: 'Elder mode', moreDetails: 'More details', fewerDetails: 'Fewer details',
      historyTitle: 'Status history', caseLabel: 'Case', byLabel: 'Changed by', none: '—',
      roles: { HealthAuthority: 'Health authority', CityAdmin: 'City administrator', ApprovedDraft: 'Health authority (two approvers)', system: 'System' },
      appealTitle: 'Appeal', appealReason: 'Why is this status wrong?', appealSubmit: 'Send appeal', appealSent: 'Appeal sent: the health authority will decide it.',
      appealGreen: 'Your code is green: nothing to appeal.', appealNeedReason: 'Give a reason (up to 500 characters).',
      appealStates: { open: 'Pending', upheld: 'Upheld', rejected: 'Rejected', superseded: 'Superseded' },
      appealAbout: (colour, at) => `Appeal against ${colour} · ${at}`,
      appealPending: 'Sent; waiting for the health authority.', appealStale: 'Your status changed, so this appeal lapses; you may appeal the current status.',
      appealOutcome: (colour) => `Status changed to ${colour}`, appealDecidedBy: (role, at) => `Decided by: ${role} · ${at}`,
      appealDone: 'This status was appealed and decided; you may appeal again once it changes.',
      codes: { appeal_status_green: 'Your code is green: nothing to appeal.', appeal_already_open: 'You have an appeal pending already.', appeal_status_already_appealed: 'This status was appealed already.' },
      tabEstate: 'Estate', hostingTitle: 'Visitors to approve', noHosted: 'No visits registered.', visitTitle: 'Register a visit', visitEstate: 'Estate',
      visitUnit: 'Host unit (building-entrance-flat)', visitPurpose: 'Purpose', visitFrom: 'From', visitUntil: 'Until (24 hours at most)',
      visitSubmit: 'Register', myVisitsTitle: 'My visits', noVisits: 'No visits yet.', myCitizenId: 'My citizen id (give it to your estate office to be listed as a resident)',
      homes: (list) => `I live at: ${list}`, visitSent: 'Registered: waiting for your host to approve.', approve: 'Approve', decline: 'Decline', withdraw: 'Withdraw approval',
      visitStates: { pending: 'Pending', approved: 'Approved', declined: 'Declined', expired: 'Expired' },
      visitor: 'Visitor', purposeLabel: 'Purpose',
      visitErrors: { unit: 'Nobody is listed in that unit: ask your host for it as the estate writes it.', purpose: 'Give a purpose (up to 100 characters).',
        validUntil: 'Until must be after From and now, at most 24 hours later.', validFrom: 'From may be at most 30 days ahead.', estateId: 'Choose an estate.' },
      tabConsent: 'Sharing', consentTitle: 'Identity consents', disclosuresTitle: 'What was shared', consentHistoryTitle: 'Consent changes',
      consentHint: 'Libraries lending books and hospitals registering patients can identify you when you scan in. Without your consent they see nothing; with it, only a member id for that venue alone and what you tick.',
      noAsking: 'No venue asks to identify visitors at the moment.', noDisclosures: 'Nothing has been shared with any venue.',
      kinds: { library: 'Libraries', clinic: 'Clinics', hospital: 'Hospitals', theatre: 'Theatres', housing_estate: 'Estates' },
      claimNames: { masked_name: 'Masked name', age_band: 'Age band', eid_verified: 'Whether my e-ID is verified' },
      allowIdentify: 'Identify me (with a member id per venue)', consentSave: 'Save', consentWithdraw: 'Withdraw consent', consentSaved: 'Saved: applies from your next scan.', consentWithdrawn: 'Withdrawn: nothing is shared from your next scan.',
      askedBy: (names) => `Asked by: ${names}`, memberId: 'Member id', shared: 'Shared', memberOnly: 'member id only', granted: (c) => `Granted: ${c}`, withdrawnAt: 'Withdrawn',
      yes: 'yes', no: 'no',
      visitCodes: { too_many_visits: 'Too many visits pending or to come: register later.', visit_ended: 'That visit is over.', visit_declined: 'That visit was declined: the visitor registers again.' },
    },
  };
  const ICON = { green: '✓', yellow: '!', red: '✕' };
  const APPEAL_POLL_EVERY = 5; // while an appeal is pending, its outcome is read every 5th poll (10 s)

  const $ = (id) => document.getElementById(id);
  let lang = localStorage.getItem(LANG_KEY) || ((navigator.language || 'zh').toLowerCase().startsWith('zh') ? 'zh' : 'en');
  let elder = localStorage.getItem(ELDER_KEY) === 'on';
  let detailsOpen = false;
  let session = readSession();
  let pass = null;           // the last /v1/me/pass answer
  let shownText = null;      // the text the QR on screen encodes
  let qrUrl = null;
  let pollTimer = null;
  let venueNames = new Map();
  let phoneSent = null;

  const t = (key) => TEXT[lang][key];

  function readSession() {
    try {
      const s = JSON.parse(localStorage.getItem(TOKEN_KEY) || 'null');
      return s && s.accessToken && new Date(s.expiresAt) > new Date() ? s : null;
    } catch {
      return null;
    }
  }

  function applyLanguage() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.querySelectorAll('[data-i18n]').forEach((el) => {
      const v = TEXT[lang][el.dataset.i18n];
      if (typeof v === 'string') el.textContent = v;
    });
    // The button speaks the language it switches to.
    $('lang-toggle').lang = t('switchLang');
    $('lang-toggle-text').textContent = t('switchTo');
    $('lang-toggle-hint').textContent = t('switchHint');
    applyElder();
    if (pass) renderPass(pass);
    renderScans(lastScans);
    renderHistory(lastHistory);
    renderAppeals(lastAppeals);
    renderEstate();
    renderConsent();
  }

  // ---- elder-care mode (适老化): large type, higher contrast, bigger targets (elder.css), and a simpler pass screen ----
  function applyElder() {
    document.documentElement.classList.toggle('elder', elder);
    $('elder-toggle').setAttribute('aria-pressed', String(elder));
    const toggle = $('details-toggle');
    toggle.hidden = !elder;
    toggle.setAttribute('aria-expanded', String(detailsOpen));
    toggle.textContent = detailsOpen ? t('fewerDetails') : t('moreDetails');
    $('pass-details').hidden = elder && !detailsOpen;
  }

  // ---- sign-in ----
  function showSignIn(signedOut) {
    stopPolling();
    pass = null;
    shownText = null;
    // Another citizen may sign in on this phone next: nothing of this one's stays on the page.
    lastHistory = [];
    lastAppeals = [];
    renderHistory([]);
    estate = { estates: [], homes: null, hosted: [], mine: [] };
    renderEstate();
    consent = { consents: [], asking: [], history: [], disclosures: [] };
    renderConsent();
    $('consent-message').textContent = '';
    $('visit-message').textContent = '';
    $('appeal-latest').hidden = true;
    $('appeal-message').textContent = '';
    $('pass').hidden = true;
    $('sign-out').hidden = true;
    $('sign-in').hidden = false;
    $('signed-out-banner').hidden = !signedOut;
    $('phone-form').hidden = false;
    $('code-form').hidden = true;
    $('phone').focus();
  }

  async function sendCode(event) {
    event.preventDefault();
    const phone = $('phone').value.replace(/[\s-]/g, '');
    if (!/^\+?[0-9]{6,16}$/.test(phone)) return say(t('badPhone'), true);
    const res = await call('/v1/citizens/otp', { method: 'POST', body: { phone } });
    if (!res) return;
    if (res.status === 202) {
      phoneSent = phone;
      $('phone-form').hidden = true;
      $('code-form').hidden = false;
      $('code').value = '';
      $('code').focus();
      say(t('codeSent'), false);
    } else {
      say(res.status === 429 ? t('tooMany') : t('badPhone'), true);
    }
  }

  async function verifyCode(event) {
    event.preventDefault();
    const code = $('code').value.trim();
    const res = await call('/v1/citizens/session', { method: 'POST', body: { phone: phoneSent, code } });
    if (!res) return;
    if (res.ok) {
      session = await res.json();
      localStorage.setItem(TOKEN_KEY, JSON.stringify(session));
      say('', false);
      startPass();
    } else {
      say(res.status === 429 ? t('tooMany') : t('badCode'), true);
      $('code').focus();
    }
  }

  function say(text, isError) {
    const m = $('sign-in-message');
    m.textContent = text;
    m.classList.toggle('error', !!isError);
  }

  function signOut() {
    localStorage.removeItem(TOKEN_KEY);
    session = null;
    showSignIn(false);
  }

  // ---- the pass ----
  function startPass() {
    $('sign-in').hidden = true;
    $('signed-out-banner').hidden = true;
    $('pass').hidden = false;
    $('sign-out').hidden = false;
    refresh();
    stopPolling();
    pollTimer = setInterval(refresh, POLL_MS);
  }

  function stopPolling() {
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = null;
  }

  async function refresh() {
    if (!session) return;
    const res = await call('/v1/me/pass', { auth: true });
    if (!res) return;
    if (res.status === 401 || res.status === 404) {
      localStorage.removeItem(TOKEN_KEY);
      session = null;
      return showSignIn(true);
    }
    if (!res.ok) return;
    const next = await res.json();
    const statusChanged = !pass || pass.status.version !== next.status.version;
    pass = next;
    if (next.text !== shownText) await loadQr(next.text);
    renderPass(next);
    if (statusChanged || !$('panel-scans').hidden) loadScans();
    polls++;
    // A host's approval and a new visitor show within a few seconds while the tab is open.
    if (!$('panel-estate').hidden && polls % 2 === 0) loadEstate(false);
    if (statusChanged) loadHistoryAndAppeals();
    else if (lastAppeals.some((a) => a.state === 'open') && polls % APPEAL_POLL_EVERY === 0) loadAppeals();
  }

  // The QR is the server's SVG of the same pass (the server reuses one pass until refreshAfter).
  async function loadQr(text) {
    const res = await call('/v1/me/pass.svg', { auth: true });
    if (!res || !res.ok) return;
    const url = URL.createObjectURL(await res.blob());
    const img = $('qr');
    img.src = url;
    if (qrUrl) URL.revokeObjectURL(qrUrl);
    qrUrl = url;
    shownText = text;
  }

  function renderPass(p) {
    const colour = p.status.colour;
    const card = $('status-card');
    card.dataset.colour = colour;
    document.body.dataset.colour = colour;
    $('status-icon').textContent = ICON[colour] || '?';
    $('status-colour').textContent = t(colour);
    $('status-hint').textContent = t(colour + 'Hint');
    $('display-name').textContent = p.displayName;
    document.querySelectorAll('[data-field="name"]').forEach((el) => { el.textContent = p.displayName; });
    $('qr').alt = `${t(colour)} QR`;
    $('qr-frame').dataset.colour = colour;
    $('status-reason').textContent = p.status.reason || '—';
    $('status-since').textContent = formatTime(p.status.since);
    for (const name of ['health_record', 'eid_verified', 'social_security_card']) {
      const el = $('cred-' + name);
      const held = p.credentials.includes(name);
      el.textContent = held ? t('held') : t('notHeld');
      el.classList.toggle('held', held);
    }
    $('issuer').textContent = p.issuer;
    tick();
  }

  // The clock and the moving mark make a screenshot look stale next to the live page.
  function tick() {
    const now = new Date();
    $('clock').textContent = formatTime(now.toISOString(), true);
    $('clock').dateTime = now.toISOString();
    if (!pass) return;
    const expired = now >= new Date(pass.expiresAt);
    $('qr-stale').hidden = !expired;
    $('qr-frame').classList.toggle('expired', expired);
    const seconds = Math.max(0, Math.ceil((new Date(pass.refreshAfter) - now) / 1000));
    $('countdown').textContent = seconds > 0 ? t('refreshIn')(seconds) : t('refreshing');
  }

  function formatTime(iso, withSeconds) {
    if (!iso) return '';
    const d = new Date(iso);
    const pad = (n) => String(n).padStart(2, '0');
    const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
    const time = `${pad(d.getHours())}:${pad(d.getMinutes())}` + (withSeconds ? `:${pad(d.getSeconds())}` : '');
    return `${date} ${time}`;
  }

  // ---- own scan history ----
  let lastScans = [];
  async function loadScans() {
    if (venueNames.size === 0) {
      const v = await call('/v1/public/venues', {});
      if (v && v.ok) venueNames = new Map((await v.json()).map((x) => [x.venueId, x.name]));
    }
    const res = await call('/v1/me/scans?limit=20', { auth: true });
    if (!res || !res.ok) return;
    lastScans = (await res.json()).items;
    renderScans(lastScans);
  }

  function renderScans(items) {
    const list = $('scan-list');
    list.replaceChildren();
    for (const s of items) {
      const li = document.createElement('li');
      li.className = s.decision === 'allow' ? 'allow' : 'deny';
      const head = document.createElement('span');
      head.className = 'scan-venue';
      head.textContent = venueNames.get(s.venueId) || s.venueId.slice(0, 8);
      const verdict = document.createElement('span');
      verdict.className = 'scan-verdict';
      verdict.textContent = `${s.decision === 'allow' ? '✓ ' + t('allow') : '✕ ' + t('deny')} · ${s.direction === 'in' ? t('entry') : t('exit')}`;
      const when = document.createElement('span');
      when.className = 'scan-time muted';
      when.textContent = formatTime(s.decidedAt, true) + (s.decision === 'allow' ? '' : ` · ${s.code}`);
      li.append(head, verdict, when);
      list.append(li);
    }
    $('scan-empty').hidden = items.length > 0;
  }

  // ---- own status history: role of who changed it, never a name (the API has none to give) ----
  let lastHistory = [];
  let lastAppeals = [];
  let polls = 0;

  function loadHistoryAndAppeals() {
    loadHistory();
    loadAppeals();
  }

  async function loadHistory() {
    const res = await call('/v1/me/status-history', { auth: true });
    if (!res || !res.ok) return;
    lastHistory = await res.json();
    renderHistory(lastHistory);
  }

  const roleName = (role) => (role ? t('roles')[role] || role : t('none'));

  function renderHistory(items) {
    const list = $('history-list');
    list.replaceChildren();
    for (const h of items) {
      const li = document.createElement('li');
      li.dataset.colour = h.colour;
      li.dataset.version = String(h.version);
      const colour = document.createElement('span');
      colour.className = 'history-colour';
      colour.textContent = `${ICON[h.colour] || '?'} ${t(h.colour)}`;
      const when = document.createElement('span');
      when.className = 'history-time muted';
      when.textContent = formatTime(h.since);
      const reason = document.createElement('span');
      reason.className = 'history-reason';
      reason.textContent = h.reason;
      const meta = document.createElement('span');
      meta.className = 'history-meta';
      const caseRef = document.createElement('span');
      caseRef.className = 'history-case';
      caseRef.textContent = `${t('caseLabel')} ${h.caseRef || t('none')}`;
      const by = document.createElement('span');
      by.className = 'history-role';
      by.textContent = `${t('byLabel')} ${roleName(h.changedByRole)}`;
      meta.append(caseRef, ' · ', by);
      li.append(colour, when, reason, meta);
      list.append(li);
    }
  }

  // ---- appeal the current status; the newest appeal's state and outcome ----
  async function loadAppeals() {
    const res = await call('/v1/me/appeals', { auth: true });
    if (!res || !res.ok) return;
    lastAppeals = (await res.json()).items;
    renderAppeals(lastAppeals);
  }

  function renderAppeals(items) {
    if (!pass) return;
    const status = pass.status;
    const latest = items[0];
    const onThisStatus = items.find((a) => a.statusVersion === status.version);
    $('appeal-latest').hidden = !latest;
    if (latest) {
      const badge = $('appeal-state-badge');
      badge.dataset.state = latest.state;
      badge.textContent = t('appealStates')[latest.state] || latest.state;
      $('appeal-state-words').textContent = t('appealAbout')(t(latest.colour), formatTime(latest.openedAt));
      let detail;
      if (latest.state === 'open') detail = latest.statusChangedSince ? t('appealStale') : t('appealPending');
      else {
        detail = t('appealDecidedBy')(roleName(latest.decidedByRole), formatTime(latest.decidedAt));
        if (latest.outcomeColour) detail = `${t('appealOutcome')(t(latest.outcomeColour))} · ${detail}`;
        if (latest.decisionReason) detail += ` · ${latest.decisionReason}`;
      }
      $('appeal-detail').textContent = detail;
    }
    // The form only when the server would take an appeal: yellow or red, nothing open, this status not appealed yet.
    const canAppeal = status.colour !== 'green' && !onThisStatus && !items.some((a) => a.state === 'open' && !a.statusChangedSince);
    $('appeal-form').hidden = !canAppeal;
    const none = $('appeal-none');
    none.textContent = status.colour === 'green' ? t('appealGreen') : onThisStatus && onThisStatus.state !== 'open' ? t('appealDone') : '';
    none.hidden = none.textContent === '';
  }

  async function sendAppeal(event) {
    event.preventDefault();
    const reason = $('appeal-reason').value.trim();
    const message = $('appeal-message');
    if (!reason || reason.length > 500) {
      message.textContent = t('appealNeedReason');
      message.classList.add('error');
      return;
    }
    const res = await call('/v1/me/appeals', { method: 'POST', auth: true, body: { reason } });
    if (!res) return;
    let text;
    if (res.ok) {
      $('appeal-reason').value = '';
      text = t('appealSent');
    } else {
      const problem = await res.json().catch(() => ({}));
      text = res.status === 429 ? t('tooMany') : (t('codes')[problem.code] || (res.status === 400 ? t('appealNeedReason') : t('failed')));
    }
    message.textContent = text;
    message.classList.toggle('error', !res.ok);
    await loadAppeals();
  }

  // ---- tabs (arrow keys move between them, as the ARIA tabs pattern says) ----
  function selectTab(tab, focus) {
    document.querySelectorAll('[role="tab"]').forEach((b) => {
      const on = b === tab;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
      $(b.getAttribute('aria-controls')).hidden = !on;
    });
    if (focus) tab.focus();
    if (tab.id === 'tab-scans') loadScans();
    if (tab.id === 'tab-estate') loadEstate(true);
    if (tab.id === 'tab-consent') loadConsent();
  }

  // ---- scan-to-identify: consents per kind of venue, and what was shared ----
  let consent = { consents: [], asking: [], history: [], disclosures: [] };

  async function loadConsent() {
    const [consents, disclosures] = await Promise.all(['/v1/me/consents', '/v1/me/disclosures'].map((u) => call(u, { auth: true })));
    if (consents && consents.ok) Object.assign(consent, await consents.json());
    if (disclosures && disclosures.ok) consent.disclosures = await disclosures.json();
    renderConsent();
  }

  const kindName = (kind) => t('kinds')[kind] || kind;
  const claimList = (claims) => claims.length ? claims.map((c) => t('claimNames')[c] || c).join('、') : t('memberOnly');

  function renderConsent() {
    const box = $('consent-kinds');
    box.replaceChildren();
    // The kinds that ask, and any the citizen consented to that no venue asks for any more (so it can be withdrawn).
    const kinds = [...consent.asking];
    for (const c of consent.consents) {
      if (!kinds.some((k) => k.venueKind === c.venueKind)) kinds.push({ venueKind: c.venueKind, claims: c.claims, venues: [] });
    }
    for (const k of kinds) box.append(consentForm(k, consent.consents.find((c) => c.venueKind === k.venueKind)));
    $('consent-empty').hidden = kinds.length > 0;

    const list = $('disclosure-list');
    list.replaceChildren();
    for (const d of consent.disclosures) {
      const li = document.createElement('li');
      const head = document.createElement('span');
      head.className = 'visit-head';
      head.textContent = d.venueName;
      const when = document.createElement('span');
      when.className = 'muted small';
      when.textContent = formatTime(d.at);
      const member = document.createElement('span');
      member.className = 'small';
      member.append(`${t('memberId')}: `);
      const id = document.createElement('span');
      id.className = 'mono';
      id.textContent = d.memberId;
      member.append(id);
      const shared = document.createElement('span');
      shared.className = 'small';
      const values = [];
      if (d.shared.maskedName !== null) values.push(`${t('claimNames').masked_name} ${d.shared.maskedName}`);
      if (d.shared.ageBand !== null) values.push(`${t('claimNames').age_band} ${d.shared.ageBand}`);
      if (d.shared.eidVerified !== null) values.push(`${t('claimNames').eid_verified} ${d.shared.eidVerified ? t('yes') : t('no')}`);
      shared.textContent = `${t('shared')}: ${values.length ? values.join('；') : t('memberOnly')}`;
      li.append(head, when, member, shared);
      list.append(li);
    }
    $('disclosure-empty').hidden = consent.disclosures.length > 0;

    const history = $('consent-history');
    history.replaceChildren();
    for (const h of consent.history) {
      const li = document.createElement('li');
      li.className = 'small';
      li.textContent = `${formatTime(h.at)} · ${kindName(h.venueKind)} · ${h.claims ? t('granted')(claimList(h.claims)) : t('withdrawnAt')}`;
      history.append(li);
    }
  }

  function consentForm(kind, current) {
    const form = document.createElement('form');
    form.className = 'consent-kind';
    form.dataset.kind = kind.venueKind;
    const fieldset = document.createElement('fieldset');
    const legend = document.createElement('legend');
    legend.textContent = kindName(kind.venueKind);
    fieldset.append(legend);
    if (kind.venues.length) {
      const by = document.createElement('p');
      by.className = 'muted small';
      by.textContent = t('askedBy')(kind.venues.join('、'));
      fieldset.append(by);
    }
    const box = (name, label, checked) => {
      const l = document.createElement('label');
      l.className = 'check';
      const input = document.createElement('input');
      input.type = 'checkbox';
      input.name = name;
      input.checked = checked;
      l.append(input, ` ${label}`);
      fieldset.append(l);
      return input;
    };
    const allow = box('identify', t('allowIdentify'), !!current);
    const claims = kind.claims.map((c) => [c, box('claim', t('claimNames')[c] || c, !!current && current.claims.includes(c))]);
    const sync = () => claims.forEach(([, input]) => { input.disabled = !allow.checked; });
    allow.addEventListener('change', sync);
    sync();
    const actions = document.createElement('span');
    actions.className = 'visit-actions';
    const save = document.createElement('button');
    save.type = 'submit';
    save.className = 'approve';
    save.textContent = t('consentSave');
    save.setAttribute('aria-label', `${t('consentSave')}: ${kindName(kind.venueKind)}`);
    actions.append(save);
    if (current) {
      const withdraw = document.createElement('button');
      withdraw.type = 'button';
      withdraw.className = 'decline';
      withdraw.textContent = t('consentWithdraw');
      withdraw.setAttribute('aria-label', `${t('consentWithdraw')}: ${kindName(kind.venueKind)}`);
      withdraw.addEventListener('click', () => changeConsent(kind.venueKind, null));
      actions.append(withdraw);
    }
    fieldset.append(actions);
    form.append(fieldset);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      changeConsent(kind.venueKind, allow.checked ? claims.filter(([, input]) => input.checked).map(([c]) => c) : null);
    });
    return form;
  }

  async function changeConsent(kind, claims) {
    const url = `/v1/me/consents/${encodeURIComponent(kind)}`;
    const res = await call(url, claims ? { method: 'PUT', auth: true, body: { claims } } : { method: 'DELETE', auth: true });
    if (!res) return;
    const m = $('consent-message');
    m.textContent = res.ok ? (claims ? t('consentSaved') : t('consentWithdrawn')) : (res.status === 429 ? t('tooMany') : t('failed'));
    m.classList.toggle('error', !res.ok);
    await loadConsent();
  }

  // ---- housing estates: register a visit; approve the visitors of one's unit ----
  let estate = { estates: [], homes: null, hosted: [], mine: [] };

  async function loadEstate(withForm) {
    const [homes, hosted, mine] = await Promise.all(['/v1/me/homes', '/v1/me/hosted-visits', '/v1/me/visits'].map((u) => call(u, { auth: true })));
    if (homes && homes.ok) estate.homes = await homes.json();
    if (hosted && hosted.ok) estate.hosted = await hosted.json();
    if (mine && mine.ok) estate.mine = await mine.json();
    if (withForm) {
      const list = await call('/v1/estates', { auth: true });
      if (list && list.ok) estate.estates = await list.json();
      fillVisitForm();
    }
    renderEstate();
  }

  // The window starts now (to the minute) and lasts two hours unless the visitor changes it.
  function fillVisitForm() {
    const select = $('visit-estate');
    const chosen = select.value;
    select.replaceChildren(...estate.estates.map((e) => {
      const o = document.createElement('option');
      o.value = e.id;
      o.textContent = e.name;
      return o;
    }));
    if (chosen) select.value = chosen;
    if (!$('visit-from').value) {
      const now = new Date();
      now.setSeconds(0, 0);
      $('visit-from').value = localInput(now);
      $('visit-until').value = localInput(new Date(now.getTime() + 2 * 3600 * 1000));
    }
  }

  function localInput(d) {
    const pad = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  function renderEstate() {
    const homes = estate.homes;
    $('my-citizen-id').textContent = homes ? homes.citizenId : '';
    const isHost = !!homes && homes.homes.length > 0;
    $('hosting').hidden = !isHost;
    $('homes').textContent = isHost ? t('homes')(homes.homes.map((h) => `${h.estateName} ${h.unit}`).join('、')) : '';
    renderVisits($('hosted-list'), estate.hosted, true);
    $('hosted-empty').hidden = estate.hosted.length > 0;
    renderVisits($('my-visits'), estate.mine, false);
    $('my-visits-empty').hidden = estate.mine.length > 0;
  }

  function renderVisits(list, visits, asHost) {
    list.replaceChildren();
    for (const v of visits) {
      const li = document.createElement('li');
      li.dataset.visitId = v.id;
      const head = document.createElement('span');
      head.className = 'visit-head';
      head.textContent = asHost ? `${t('visitor')} ${v.visitorName} → ${v.unit}` : `${v.estateName} · ${v.unit}`;
      const status = document.createElement('span');
      status.className = 'visit-status';
      status.dataset.status = v.status;
      status.textContent = t('visitStates')[v.status] || v.status;
      const when = document.createElement('span');
      when.className = 'muted small';
      when.textContent = `${formatTime(v.validFrom)} – ${formatTime(v.validUntil)}`;
      const why = document.createElement('span');
      why.className = 'small';
      why.textContent = `${t('purposeLabel')}: ${v.purpose}`;
      li.append(head, status, when, why);
      if (asHost && (v.status === 'pending' || v.status === 'approved')) {
        const actions = document.createElement('span');
        actions.className = 'visit-actions';
        if (v.status === 'pending') actions.append(decisionButton(v, 'approve', t('approve')));
        actions.append(decisionButton(v, 'decline', v.status === 'approved' ? t('withdraw') : t('decline')));
        li.append(actions);
      }
      list.append(li);
    }
  }

  function decisionButton(v, decision, label) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = decision;
    b.textContent = label;
    // The unit and the visitor in the name, so a screen reader tells the buttons of several visits apart.
    b.setAttribute('aria-label', `${label}: ${t('visitor')} ${v.visitorName} → ${v.unit}, ${formatTime(v.validFrom)}`);
    b.addEventListener('click', async () => {
      b.disabled = true;
      const res = await call(`/v1/me/hosted-visits/${v.id}/${decision}`, { method: 'POST', auth: true });
      if (res && !res.ok) {
        const problem = await res.json().catch(() => ({}));
        visitSay(t('visitCodes')[problem.code] || t('failed'), true);
      }
      await loadEstate(false);
    });
    return b;
  }

  function visitSay(text, isError) {
    const m = $('visit-message');
    m.textContent = text;
    m.classList.toggle('error', !!isError);
  }

  async function registerVisit(event) {
    event.preventDefault();
    const from = $('visit-from').value;
    const until = $('visit-until').value;
    const body = {
      estateId: $('visit-estate').value || null,
      unit: $('visit-unit').value.trim(),
      purpose: $('visit-purpose').value.trim(),
      validFrom: from ? new Date(from).toISOString() : null,
      validUntil: until ? new Date(until).toISOString() : null,
    };
    if (!body.unit) return visitSay(t('visitErrors').unit, true);
    if (!body.purpose) return visitSay(t('visitErrors').purpose, true);
    const res = await call('/v1/me/visits', { method: 'POST', auth: true, body });
    if (!res) return;
    if (res.ok) {
      $('visit-purpose').value = '';
      visitSay(t('visitSent'), false);
    } else {
      const problem = await res.json().catch(() => ({}));
      const field = problem.errors ? Object.keys(problem.errors)[0] : null;
      visitSay(res.status === 429 ? t('tooMany') : (field && t('visitErrors')[field]) || t('visitCodes')[problem.code] || t('failed'), true);
    }
    await loadEstate(false);
  }

  // ---- network ----
  async function call(url, { method = 'GET', body, auth } = {}) {
    const headers = {};
    if (body) headers['Content-Type'] = 'application/json';
    if (auth && session) headers.Authorization = 'Bearer ' + session.accessToken;
    try {
      const res = await fetch(url, { method, headers, body: body ? JSON.stringify(body) : undefined, cache: 'no-store' });
      setOffline(false);
      return res;
    } catch {
      setOffline(true);
      return null;
    }
  }

  function setOffline(offline) {
    $('offline-banner').hidden = !offline && navigator.onLine;
  }

  // ---- wiring ----
  $('phone-form').addEventListener('submit', sendCode);
  $('code-form').addEventListener('submit', verifyCode);
  $('change-phone').addEventListener('click', () => showSignIn(false));
  $('sign-out').addEventListener('click', signOut);
  $('appeal-form').addEventListener('submit', sendAppeal);
  $('visit-form').addEventListener('submit', registerVisit);
  $('elder-toggle').addEventListener('click', () => {
    elder = !elder;
    detailsOpen = false;
    localStorage.setItem(ELDER_KEY, elder ? 'on' : 'off');
    applyElder();
  });
  $('details-toggle').addEventListener('click', () => {
    detailsOpen = !detailsOpen;
    applyElder();
  });
  $('lang-toggle').addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem(LANG_KEY, lang);
    applyLanguage();
  });
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => selectTab(tab, false));
    tab.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowRight') selectTab(tabs[(i + 1) % tabs.length], true);
      else if (e.key === 'ArrowLeft') selectTab(tabs[(i - 1 + tabs.length) % tabs.length], true);
    });
  });
  window.addEventListener('offline', () => setOffline(true));
  window.addEventListener('online', () => { setOffline(false); refresh(); });
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
  setInterval(tick, 250);

  applyLanguage();
  if (session) startPass();
  else showSignIn(false);
})();
