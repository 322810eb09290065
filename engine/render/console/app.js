/* engine/render/console/app.js — the officers' console: sign-in, the live feed, one
 * alert and its actions, due reviews, lists by cell and the report (TSReport from
 * report.js). Plain ES2020, no framework. Every string from the server is put in the
 * page with textContent (never innerHTML); the session is an HttpOnly cookie and the
 * CSRF token is kept in memory only. Strings are in i18n.js (TSI18N). */
(function () {
  'use strict';

  const I = window.TSI18N;
  const t = I.t;
  const PAGE = 100; /* alerts per feed page */
  const FEED_MAX = 500; /* alerts the feed keeps on the page as live ones arrive */
  const WAIT = 25; /* long-poll seconds */

  /* ---------- state ---------- */
  const S = {
    session: null, /* the session JSON; csrf in memory only */
    head: 0, /* feed cursor the long-poll continues from */
    alerts: [], /* alerts of the feed, newest first */
    feedGen: 0, /* bumps on every feed reload: late answers of old loads are dropped */
    poll: null, /* AbortController of the running long-poll */
    pollGen: 0,
    retry: 0,
    stats: null,
    due: null,
    report: null,
    route: null,
    reviewPerson: null,
    listPick: null,
    listMembers: null,
    alertView: null /* {id, data, dossier, dossierFailed} */
  };

  /* ---------- small DOM helpers ---------- */
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const k of Object.keys(attrs)) {
        const v = attrs[k];
        if (v === null || v === undefined || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k === 'dataset') Object.assign(e.dataset, v);
        else if (k === 'on') for (const ev of Object.keys(v)) e.addEventListener(ev, v[ev]);
        else e.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const kid of kids) append(e, kid);
    return e;
  }

  function append(parent, kid) {
    if (kid === null || kid === undefined || kid === false) return;
    if (Array.isArray(kid)) kid.forEach((k) => append(parent, k));
    else if (kid instanceof Node) parent.appendChild(kid);
    else parent.appendChild(document.createTextNode(String(kid)));
  }

  /* Children with a space between them, so the text reads as words (not "新警报逾期"). */
  function spaced(...kids) {
    const out = [];
    for (const k of kids) {
      if (k === null || k === undefined || k === false) continue;
      if (out.length) out.push(' ');
      out.push(k);
    }
    return out;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function say(node, text) {
    node.textContent = text || '';
  }

  /* The colour as a chip AND as text: colour is never the only signal. */
  function colourTag(colour) {
    if (colour !== 'red' && colour !== 'yellow' && colour !== 'blue')
      return el('span', { class: 'colour colour-none', text: t('colour.none') });
    return el('span', { class: 'colour colour-' + colour, dataset: { colour: colour } },
      el('span', { class: 'chip chip-' + colour, 'aria-hidden': 'true' }),
      el('span', { class: 'colour-text', text: t('colour.' + colour) }));
  }

  /* A rule's title from the pack, or a word for the engine's own ids (problem_event). */
  function ruleTitle(r) {
    return r.title || tr('rule.', r.id);
  }

  function tr(prefix, value) {
    const key = prefix + value;
    return I.has(key) ? t(key) : String(value);
  }

  /* ---------- time ---------- */
  const pad2 = (n) => (n < 10 ? '0' : '') + n;

  function fmtTime(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return String(iso);
    return pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()) + ' ' + pad2(d.getHours()) + ':' +
      pad2(d.getMinutes());
  }

  function fmtSpan(ms) {
    const min = Math.max(1, Math.round(Math.abs(ms) / 60000));
    if (min < 60) return t('unit.min', { n: min });
    const h = Math.floor(min / 60);
    if (h < 48) return t('unit.hour', { n: h });
    return t('unit.day', { n: Math.floor(h / 24) });
  }

  /* {text, over} for a due time: "还剩 20 分钟" / "逾期 1 小时". */
  function dueInfo(a, now) {
    if (!a.due || a.status === 'closed') return null;
    const due = new Date(a.due).getTime();
    if (Number.isNaN(due)) return null;
    const left = due - now;
    const over = a.overdue === true || left <= 0;
    return { over: over, text: over ? t('due.over', { d: fmtSpan(left) }) : t('due.left', { d: fmtSpan(left) }) };
  }

  /* ---------- HTTP ---------- */
  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.error) || 'HTTP ' + status);
      this.status = status;
      this.field = body && body.field;
      this.body = body;
    }
  }

  async function api(method, path, body, opts) {
    const init = { method: method, credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-store' };
    if (method !== 'GET' && method !== 'HEAD') {
      init.headers['Content-Type'] = 'application/json';
      if (S.session && S.session.csrf) init.headers['X-CSRF-Token'] = S.session.csrf;
      init.body = JSON.stringify(body || {});
    }
    if (opts && opts.signal) init.signal = opts.signal;
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      if (e && e.name === 'AbortError') throw e;
      throw new ApiError(0, null);
    }
    let data = null;
    if (res.status !== 204) {
      const text = await res.text();
      if (text) {
        try { data = JSON.parse(text); } catch (e) { data = null; }
      }
    }
    if (res.status === 401 && !(opts && opts.no401)) {
      signedOut('signin.expired');
      throw new ApiError(401, data);
    }
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }

  /* The text shown for a failed request: a localized summary and the server's reason. */
  function errText(e) {
    if (!(e instanceof ApiError)) return String(e && e.message ? e.message : e);
    if (e.status === 0) return t('err.network');
    const key = 'err.' + e.status;
    let s = I.has(key) ? t(key) : e.status >= 500 ? t('err.500') : t('err.other', { s: e.status });
    if (e.body && e.body.error) s += (I.lang() === 'zh' ? '：' : ': ') + e.body.error;
    if (e.field) s += ' (' + t('err.field', { f: e.field }) + ')';
    return s;
  }

  function isAbort(e) {
    return e && e.name === 'AbortError';
  }

  /* ---------- language ---------- */
  function applyLang() {
    const lang = I.lang();
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t('app.title');
    for (const n of document.querySelectorAll('[data-i18n]')) n.textContent = t(n.dataset.i18n);
    for (const n of document.querySelectorAll('[data-i18n-aria]'))
      n.setAttribute('aria-label', t(n.dataset.i18nAria));
    const b = $('lang-toggle');
    b.textContent = t('lang.toggle');
    b.setAttribute('lang', lang === 'zh' ? 'en' : 'zh-CN');
    b.setAttribute('aria-label', t('lang.toggle.aria'));
  }

  function toggleLang() {
    I.setLang(I.lang() === 'zh' ? 'en' : 'zh');
    applyLang();
    say($('feed-msg'), '');
    if (!S.session) return;
    renderWhoami();
    renderLive(S.liveState || 'off');
    renderFeed();
    renderRoute(true);
  }

  /* ---------- session ---------- */
  async function boot() {
    applyLang();
    wireStatic();
    try {
      const s = await api('GET', '/console/session', null, { no401: true });
      signedIn(s, true);
    } catch (e) {
      showSignin(e instanceof ApiError && e.status === 401 ? '' : errText(e));
    }
  }

  function showSignin(errorText, noteKey) {
    $('boot').hidden = true;
    for (const id of ['session-bar', 'mainnav', 'signout']) $(id).hidden = true;
    showView('view-signin');
    say($('signin-error'), errorText || '');
    say($('signin-note'), noteKey ? t(noteKey) : '');
    $('token').value = '';
    $('signin-btn').disabled = false;
    $('token').focus();
  }

  async function onSignin(ev) {
    ev.preventDefault();
    const input = $('token');
    const token = input.value.trim();
    say($('signin-note'), '');
    if (!token) {
      input.setAttribute('aria-invalid', 'true');
      say($('signin-error'), t('signin.empty'));
      input.focus();
      return;
    }
    input.removeAttribute('aria-invalid');
    const btn = $('signin-btn');
    btn.disabled = true;
    say($('signin-error'), '');
    say(btn, t('signin.busy'));
    try {
      const s = await api('POST', '/console/session', { token: token }, { no401: true });
      input.value = '';
      signedIn(s);
    } catch (e) {
      let msg = errText(e);
      if (e instanceof ApiError && (e.status === 401 || e.status === 403 || e.status === 429))
        msg = t('err.signin.' + e.status);
      input.setAttribute('aria-invalid', 'true');
      say($('signin-error'), msg);
      input.focus();
    } finally {
      btn.disabled = false;
      say(btn, t('signin.submit'));
    }
  }

  /* `restored`: the session came back with the page (reload): focus stays at the top of
   * the document, where the skip link is; after a sign-in it moves to the page title. */
  function signedIn(s, restored) {
    S.session = s;
    $('boot').hidden = true;
    for (const id of ['session-bar', 'mainnav', 'signout']) $(id).hidden = false;
    say($('signin-error'), '');
    renderWhoami();
    if (!location.hash || location.hash === '#' || location.hash === '#/' || location.hash === '#main')
      history.replaceState(null, '', '#/feed');
    /* reviews due within the coming week by default: officers plan their visits ahead */
    $('due-now').value = s.now ? addDays(s.now, 7) : '';
    loadFeed();
    loadStats();
    S.quiet = !!restored; /* until the first move within the page */
    renderRoute(false, restored);
  }

  /* Back to the sign-in screen: drop everything read under the old session. */
  function signedOut(noteKey) {
    const was = S.session !== null;
    if (!was && !$('view-signin').hidden) return; /* a second 401 of the same moment */
    S.session = null;
    stopPoll();
    S.feedGen++;
    S.alerts = [];
    S.stats = S.due = S.report = S.alertView = S.listMembers = S.listPick = null;
    S.reviewPerson = null;
    S.route = null;
    clear($('feed'));
    clear($('due-body'));
    clear($('cells-body'));
    clear($('list-members'));
    clear($('view-alert'));
    clear($('report'));
    say($('whoami'), '');
    say($('badge'), '0');
    $('review-form').hidden = true;
    renderLive('off');
    showSignin('', was || noteKey === 'signin.signedout' ? noteKey : '');
  }

  async function onSignout() {
    try {
      await api('DELETE', '/console/session', null, { no401: true });
    } catch (e) {
      /* the session may be gone already: signed out either way */
    }
    signedOut('signin.signedout');
  }

  function renderWhoami() {
    const s = S.session;
    const node = $('whoami');
    clear(node);
    append(node, [
      el('span', { class: 'who-id', text: s.officer }), ' ',
      el('span', { class: 'who-name', text: s.name || '' }), ' · ',
      el('span', { class: 'who-cell', text: s.county_desk ? t('whoami.desk') : s.cell_name || s.cell || '' })
    ]);
  }

  /* ---------- routing ---------- */
  const VIEWS = ['view-signin', 'view-feed', 'view-alert', 'view-reviews', 'view-lists', 'view-report', 'view-notfound'];

  function showView(id) {
    for (const v of VIEWS) $(v).hidden = v !== id;
  }

  function parseRoute() {
    const h = location.hash.replace(/^#/, '');
    let m = /^\/alert\/([^/?#]+)$/.exec(h);
    if (m) return { name: 'alert', id: decodeURIComponent(m[1]) };
    m = /^\/(feed|reviews|lists|report)?$/.exec(h);
    if (m) return { name: m[1] || 'feed' };
    return { name: 'notfound' };
  }

  /* Render the current route; `again` re-renders it in place (language switch). */
  function renderRoute(again, noFocus) {
    if (!S.session) return;
    const r = parseRoute();
    const changed = !S.route || S.route.name !== r.name || S.route.id !== r.id;
    S.route = r;
    for (const a of document.querySelectorAll('#mainnav a')) {
      if (a.dataset.route === r.name || (r.name === 'alert' && a.dataset.route === 'feed'))
        a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (r.name === 'feed') showView('view-feed');
    else if (r.name === 'alert') {
      showView('view-alert');
      if (again && S.alertView && S.alertView.id === r.id) drawAlert();
      else loadAlert(r.id);
    } else if (r.name === 'reviews') {
      showView('view-reviews');
      if (again && S.due) drawDue();
      else loadDue();
    } else if (r.name === 'lists') {
      showView('view-lists');
      if (again && S.report) { drawCells(); drawMembers(); } else loadCells();
    } else if (r.name === 'report') {
      showView('view-report');
      if (again && S.report) drawReport();
      else loadReport();
    } else showView('view-notfound');
    if (changed && !again && !noFocus) focusTitle(r.name);
  }

  function focusTitle(name) {
    const id = { feed: 'feed-title', reviews: 'reviews-title', lists: 'lists-title', report: 'report-title', notfound: 'notfound-title' }[name];
    const n = id ? $(id) : null;
    if (n) n.focus({ preventScroll: false });
  }

  /* ---------- badge (stats) ---------- */
  async function loadStats() {
    if (!S.session) return;
    const seq = (S.statsSeq = (S.statsSeq || 0) + 1);
    try {
      const st = await api('GET', '/v1/alerts/stats');
      if (seq !== S.statsSeq || !S.session) return; /* a later answer is on its way */
      S.stats = st;
      const n = S.stats && S.stats.all && S.stats.all.by_state ? S.stats.all.by_state.new : 0;
      say($('badge'), String(n || 0));
      renderFeedCount();
    } catch (e) {
      /* the badge keeps its last value; a 401 has signed out already */
    }
  }

  /* ---------- feed ---------- */
  function feedFilters() {
    const q = [];
    const kind = $('filter-kind').value;
    const state = $('filter-state').value;
    if (kind !== 'all') q.push('kind=' + encodeURIComponent(kind));
    if (state !== 'all') q.push('state=' + encodeURIComponent(state));
    return q;
  }

  async function loadFeed() {
    const gen = ++S.feedGen;
    stopPoll();
    say($('feed-error'), '');
    say($('feed-msg'), '');
    if (S.liveState !== 'on') renderLive('connecting');
    $('feed-more').hidden = true;
    performance.clearMarks('ts-feed-fetch');
    performance.clearMarks('ts-feed-rendered');
    performance.mark('ts-feed-fetch');
    let data;
    try {
      data = await api('GET', '/v1/alerts?' + ['order=newest', 'limit=' + PAGE].concat(feedFilters()).join('&'));
    } catch (e) {
      if (gen !== S.feedGen || !S.session) return;
      say($('feed-error'), errText(e));
      renderLive('retry', 5);
      S.retryTimer = setTimeout(() => { if (gen === S.feedGen && S.session) loadFeed(); }, 5000);
      return;
    }
    if (gen !== S.feedGen || !S.session) return;
    S.alerts = data.alerts || [];
    S.head = data.cursor || 0;
    S.hasMore = S.alerts.length >= PAGE;
    renderFeed();
    performance.mark('ts-feed-rendered');
    startPoll();
  }

  async function loadOlder() {
    const gen = S.feedGen;
    const last = S.alerts[S.alerts.length - 1];
    if (!last) return;
    const btn = $('feed-more');
    btn.disabled = true;
    try {
      const data = await api('GET', '/v1/alerts?' + ['order=newest', 'limit=' + PAGE, 'before=' + last.cursor].concat(feedFilters()).join('&'));
      if (gen !== S.feedGen) return;
      const older = data.alerts || [];
      const known = new Set(S.alerts.map((a) => a.id));
      const frag = document.createDocumentFragment();
      const now = Date.now();
      for (const a of older) {
        if (known.has(a.id)) continue;
        S.alerts.push(a);
        frag.appendChild(feedItem(a, now, false));
      }
      $('feed').appendChild(frag);
      S.hasMore = older.length >= PAGE;
      renderFeedMeta();
    } catch (e) {
      say($('feed-error'), errText(e));
    } finally {
      btn.disabled = false;
    }
  }

  function renderFeed() {
    const ul = $('feed');
    const frag = document.createDocumentFragment();
    const now = Date.now();
    for (const a of S.alerts) frag.appendChild(feedItem(a, now, false));
    clear(ul);
    ul.appendChild(frag);
    renderFeedMeta();
  }

  function renderFeedMeta() {
    $('feed-more').hidden = !S.hasMore;
    const empty = $('feed-empty');
    empty.hidden = S.alerts.length > 0;
    say(empty, t('feed.empty'));
    renderFeedCount();
  }

  /* How many alerts the filters match in all (from the stats), and how many are shown. */
  function feedTotal() {
    const st = S.stats;
    if (!st || !st.all) return null;
    const kind = $('filter-kind').value;
    const state = $('filter-state').value;
    const f = kind === 'all' ? st.all : st.by_kind && st.by_kind[kind];
    if (!f || !f.by_state) return null;
    const b = f.by_state;
    if (state === 'all') return (b.new || 0) + (b.claimed || 0) + (b.acknowledged || 0) + (b.closed || 0);
    if (state === 'open') return (b.new || 0) + (b.claimed || 0) + (b.acknowledged || 0);
    return b[state] === undefined ? null : b[state];
  }

  function renderFeedCount() {
    if (!S.session) return;
    const total = feedTotal();
    const shown = S.alerts.length;
    say($('feed-count'), total === null || total < shown ? t('feed.count.shown', { shown: shown }) : t('feed.count', { total: total, shown: shown }));
  }

  function feedItem(a, now, fresh) {
    const due = dueInfo(a, now);
    const over = !!(due && due.over);
    const li = el('li', {
      class: 'alert-item' + (fresh ? ' is-fresh' : ''),
      dataset: { id: a.id, kind: a.kind, status: a.status }
    });
    if (over) li.dataset.overdue = 'true';
    const rule = (a.rules || []).find((r) => r.title) || (a.rules || [])[0];
    const head = el('span', { class: 'item-head' }, spaced(
      el('span', { class: 'kind kind-' + a.kind, text: tr('kind.', a.kind) }),
      el('span', { class: 'item-id', text: a.id }),
      el('span', { class: 'state state-' + a.status, text: tr('state.', a.status) }),
      over ? el('span', { class: 'overdue-mark', text: t('overdue') }) : null,
      fresh ? el('span', { class: 'fresh-mark', text: t('feed.new') }) : null));
    const who = el('span', { class: 'item-who' }, spaced(
      el('span', { class: 'item-person', text: a.person }),
      colourTag(a.colour),
      el('span', { class: 'item-cell', text: a.cell_name || a.grid || '' })));
    const why = el('span', { class: 'item-why' }, spaced(
      a.event ? el('span', { class: 'item-event' }, tr('event.', a.event.type), ' ', el('span', { class: 'nowrap', text: a.event.date || '' })) : null,
      rule ? el('span', { class: 'item-rule', text: ruleTitle(rule) }) : null));
    const when = el('span', { class: 'item-when' }, spaced(
      el('time', { datetime: a.created, text: t('created') + ' ' + fmtTime(a.created) }),
      due ? el('span', { class: 'due-text' + (due.over ? ' is-over' : ''), dataset: { due: a.due }, text: due.text }) : null));
    li.appendChild(el('a', { href: '#/alert/' + encodeURIComponent(a.id), class: 'item-link' }, spaced(head, who, why, when)));
    return li;
  }

  /* ---------- the live feed (long-poll) ---------- */
  function renderLive(state, secs) {
    S.liveState = state;
    const n = $('live-status');
    n.dataset.state = state;
    clear(n);
    if (!S.session && state === 'off') return;
    const key = { on: 'live.on', connecting: 'live.connecting', retry: 'live.retry', off: 'live.off' }[state];
    append(n, [el('span', { class: 'live-dot', 'aria-hidden': 'true' }), el('span', { text: t(key, { s: secs || 0 }) })]);
  }

  function stopPoll() {
    S.pollGen++;
    if (S.poll) S.poll.abort();
    S.poll = null;
    clearTimeout(S.retryTimer);
  }

  function startPoll() {
    stopPoll();
    const gen = S.pollGen;
    if (S.liveState !== 'on') renderLive('on');
    pollOnce(gen);
  }

  async function pollOnce(gen) {
    if (gen !== S.pollGen || !S.session) return;
    const ctl = new AbortController();
    S.poll = ctl;
    const q = ['since=' + S.head, 'wait=' + WAIT, 'limit=' + PAGE].concat(feedFilters());
    const started = Date.now();
    let data;
    try {
      data = await api('GET', '/v1/alerts?' + q.join('&'), null, { signal: ctl.signal });
    } catch (e) {
      if (isAbort(e) || gen !== S.pollGen || !S.session) return;
      if (e instanceof ApiError && e.status === 400 && e.body && typeof e.body.cursor === 'number') {
        /* the head moved back (database replaced): reload the page */
        S.retryTimer = setTimeout(() => { if (gen === S.pollGen && S.session) loadFeed(); }, 1000);
        return;
      }
      S.retry = Math.min(S.retry + 1, 5);
      const secs = Math.min(30, 2 ** S.retry);
      renderLive('retry', secs);
      S.retryTimer = setTimeout(() => pollOnce(gen), secs * 1000);
      return;
    }
    if (gen !== S.pollGen || !S.session) return;
    S.retry = 0;
    renderLive('on');
    const fresh = (data && data.alerts) || [];
    if (typeof data.cursor === 'number' && data.cursor > S.head) S.head = data.cursor;
    if (fresh.length) addLive(fresh);
    loadStats(); /* others' claims and closes move the badge too */
    if (!fresh.length && Date.now() - started < 1000) {
      /* an empty answer that did not wait: never spin, look again in a second */
      S.retryTimer = setTimeout(() => pollOnce(gen), 1000);
      return;
    }
    pollOnce(gen); /* re-armed at once */
  }

  /* New alerts from the long-poll (oldest first): replace a known one in place, prepend
   * the others so the newest ends on top. */
  function addLive(fresh) {
    const ul = $('feed');
    const now = Date.now();
    let added = 0;
    for (const a of fresh) {
      const i = S.alerts.findIndex((x) => x.id === a.id);
      const li = feedItem(a, now, i < 0);
      if (i >= 0) {
        S.alerts[i] = a;
        const old = ul.querySelector('li.alert-item[data-id="' + CSS.escape(a.id) + '"]');
        if (old) ul.replaceChild(li, old);
        continue;
      }
      S.alerts.unshift(a);
      ul.insertBefore(li, ul.firstChild);
      added++;
    }
    /* a busy day keeps the page light: past FEED_MAX the oldest leave the page (the
     * "more" button brings them back from the server) */
    while (S.alerts.length > FEED_MAX) {
      const gone = S.alerts.pop();
      const node = ul.querySelector('li.alert-item[data-id="' + CSS.escape(gone.id) + '"]');
      if (node) ul.removeChild(node);
      S.hasMore = true;
    }
    renderFeedMeta();
    if (added) say($('feed-announce'), t('live.arrived', { n: added }));
  }

  /* The relative due texts age: refresh them every 30 s. */
  function tickDue() {
    const now = Date.now();
    for (const n of document.querySelectorAll('.due-text[data-due]')) {
      const left = new Date(n.dataset.due).getTime() - now;
      if (Number.isNaN(left)) continue;
      const over = left <= 0 || n.classList.contains('is-over');
      n.textContent = over ? t('due.over', { d: fmtSpan(left) }) : t('due.left', { d: fmtSpan(left) });
      if (over && !n.classList.contains('is-over')) {
        n.classList.add('is-over');
        const li = n.closest('li.alert-item');
        if (li && li.dataset.overdue !== 'true') {
          li.dataset.overdue = 'true';
          const head = li.querySelector('.item-head');
          if (head) append(head, [' ', el('span', { class: 'overdue-mark', text: t('overdue') })]);
        }
      }
    }
  }

  async function onClaimNext() {
    const btn = $('claim-next');
    const msg = $('feed-msg');
    say(msg, '');
    say($('feed-error'), '');
    btn.disabled = true;
    say(btn, t('feed.claimnext.busy'));
    const kind = $('filter-kind').value;
    try {
      const r = await api('POST', '/v1/alerts/claim-next', kind === 'all' ? {} : { kind: kind });
      refreshAfterAction();
      S.flash = t('feed.claimnext.done', { id: r.id });
      location.hash = '#/alert/' + encodeURIComponent(r.id);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) say(msg, t('feed.claimnext.none'));
      else if (!(e instanceof ApiError && e.status === 401)) say($('feed-error'), errText(e));
    } finally {
      btn.disabled = false;
      say(btn, t('feed.claimnext'));
    }
  }

  function refreshAfterAction() {
    loadFeed();
    loadStats();
  }

  /* ---------- one alert ---------- */
  /* The alert, then the person's dossier (audited: read once per visit; `again` after an
   * action keeps the one already read). */
  async function loadAlert(id, again) {
    const box = $('view-alert');
    const prev = again && S.alertView && S.alertView.id === id ? S.alertView : null;
    if (!prev) {
      clear(box);
      box.appendChild(el('p', { class: 'muted', text: t('alert.loading') }));
    }
    S.alertView = { id: id };
    let data;
    try {
      data = await api('GET', '/v1/alerts/' + encodeURIComponent(id));
    } catch (e) {
      if (!S.alertView || S.alertView.id !== id) return;
      clear(box);
      if (e instanceof ApiError && e.status === 404) {
        S.alertView = { id: id, missing: true };
        drawAlert();
      } else if (!(e instanceof ApiError && e.status === 401)) {
        box.appendChild(el('p', { class: 'msg msg-error', role: 'alert', text: errText(e) }));
      }
      return;
    }
    if (!S.alertView || S.alertView.id !== id) return;
    S.alertView = { id: id, data: data, dossier: null, dossierFailed: false };
    const person = data.alert && data.alert.person;
    if (prev && prev.data && prev.data.alert && prev.data.alert.person === person) {
      S.alertView.dossier = prev.dossier;
      S.alertView.dossierFailed = prev.dossierFailed;
    } else if (person) {
      try {
        S.alertView.dossier = await api('GET', '/v1/persons/' + encodeURIComponent(person));
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return;
        S.alertView.dossierFailed = true;
      }
    }
    if (!S.alertView || S.alertView.id !== id) return;
    drawAlert();
    const title = $('alert-title');
    if (title && S.route && S.route.name === 'alert' && !S.quiet) title.focus();
  }

  function drawAlert() {
    const v = S.alertView;
    const box = $('view-alert');
    clear(box);
    const back = el('p', { class: 'back' }, el('a', { href: '#/feed', text: '← ' + t('alert.back') }));
    if (v.missing) {
      box.appendChild(back);
      const h = el('h1', { id: 'alert-title', class: 'view-title', tabindex: '-1', text: t('alert.title', { id: v.id }) });
      box.appendChild(h);
      box.appendChild(el('p', { id: 'alert-missing', class: 'msg msg-error', role: 'alert', text: t('alert.missing', { id: v.id }) }));
      if (!S.quiet) h.focus();
      return;
    }
    const a = v.data.alert;
    const sec = el('section', { id: 'alert', class: 'alert-view', 'aria-labelledby': 'alert-title', dataset: { id: a.id, status: a.status, kind: a.kind } });
    sec.appendChild(back);
    sec.appendChild(el('h1', { id: 'alert-title', class: 'view-title', tabindex: '-1', text: t('alert.title', { id: a.id }) }));
    sec.appendChild(el('p', { id: 'alert-done', class: 'msg msg-ok', role: 'status', text: S.flash || '' }));
    S.flash = '';
    sec.appendChild(el('p', { id: 'alert-error', class: 'msg msg-error', role: 'alert' }));
    sec.appendChild(alertFacts(a, v));
    sec.appendChild(alertActions(a));
    sec.appendChild(alertRules(a));
    sec.appendChild(alertCircle(v));
    sec.appendChild(alertHistory(v.data.history || []));
    box.appendChild(sec);
  }

  function fact(label, valueNode, id) {
    return [el('dt', { text: label }), el('dd', { id: id || null }, valueNode)];
  }

  /* A member's rules as "id (title)", the title from the live pack when it has the rule. */
  function memberRules(x) {
    const titles = x.rule_titles || [];
    return x.rules.map((id, i) => (titles[i] ? id + ' (' + titles[i] + ')' : id)).join(', ');
  }

  function alertFacts(a, v) {
    const d = v.dossier;
    const rec = d && d.record;
    const due = dueInfo(a, Date.now());
    const person = [el('span', { class: 'person-id', text: a.person }), ' ',
      rec && rec.name ? el('span', { class: 'person-name', text: rec.name }) : null, ' ',
      colourTag(d && d.list ? d.list.colour : a.colour)];
    const dl = el('dl', { class: 'facts' },
      fact(t('alert.status'), spaced(tr('state.', a.status), a.overdue || (due && due.over) ? el('span', { class: 'overdue-mark', text: t('overdue') }) : null), 'alert-status'),
      fact(t('alert.kind'), tr('kind.', a.kind), 'alert-kind'),
      fact(t('alert.person'), person, 'alert-person'),
      fact(t('alert.cell'), [a.cell_name || '', ' ', el('span', { class: 'code', text: a.grid || '' })], 'alert-cell'),
      fact(t('alert.event'), a.event ? [tr('event.', a.event.type), ' ', el('span', { class: 'nowrap', text: a.event.date || '' }), a.event.text ? ' — ' + a.event.text : ''] : t('alert.noevent'), 'alert-event'),
      fact(t('alert.created'), el('time', { datetime: a.created, text: fmtTime(a.created) })),
      due ? fact(t('alert.due'), spaced(el('span', { class: 'due-text' + (due.over ? ' is-over' : ''), dataset: { due: a.due }, text: due.text }),
        el('time', { datetime: a.due, class: 'muted', text: '(' + fmtTime(a.due) + ')' })), 'alert-due') : null,
      a.target ? fact(t('alert.level'), tr('level.', a.target)) : null,
      a.claimed_by ? fact(t('alert.claimedby'), a.claimed_by) : null,
      a.outcome ? fact(t('alert.outcome'), tr('outcome.', a.outcome)) : null,
      d && d.list ? fact(t('alert.list'), [colourTag(d.list.colour), ' ', el('span', { text: t('alert.list.detail', { score: d.list.score, since: d.list.since || '—', next: d.list.next_review || '—' }) })]) : null);
    const wrap = el('div', { class: 'panel a-facts' }, dl);
    if (v.dossierFailed) wrap.appendChild(el('p', { id: 'alert-nodossier', class: 'msg msg-note', text: t('alert.nodossier') }));
    return wrap;
  }

  function alertRules(a) {
    const ul = el('ul', { id: 'alert-rules', class: 'rules' });
    for (const r of a.rules || []) {
      ul.appendChild(el('li', null,
        el('span', { class: 'rule-title', text: ruleTitle(r) }),
        ruleTitle(r) !== r.id ? el('span', { class: 'rule-id', text: ' — ' + r.id }) : null,
        r.evidence ? el('span', { class: 'rule-evidence', text: r.evidence }) : null));
    }
    if (!ul.firstChild) ul.appendChild(el('li', { class: 'empty', text: t('alert.norules') }));
    return el('section', { class: 'panel a-rules', 'aria-labelledby': 'alert-rules-h' },
      el('h2', { id: 'alert-rules-h', text: t('alert.rules') }), ul);
  }

  function alertCircle(v) {
    const ul = el('ul', { id: 'alert-circle', class: 'circle' });
    const circle = (v.dossier && v.dossier.circle) || [];
    for (const c of circle) {
      ul.appendChild(el('li', { dataset: { person: c.person } }, spaced(
        el('span', { class: 'person-name', text: c.name || '' }),
        el('span', { class: 'person-id', text: c.person }),
        el('span', { class: 'rel', text: tr('rel.', c.relation) + ' · ' + t('rel.distance', { n: c.distance }) + (c.via ? ' · ' + t('rel.via', { p: c.via }) : '') }),
        colourTag(c.colour),
        el('span', { class: 'code', text: c.grid || '' }),
        c.pending ? el('span', { class: 'pending-mark', text: t('rel.pending') }) : null)));
    }
    if (!ul.firstChild) ul.appendChild(el('li', { class: 'empty', text: v.dossierFailed ? t('alert.nodossier') : t('alert.nocircle') }));
    return el('section', { class: 'panel a-circle', 'aria-labelledby': 'alert-circle-h' },
      el('h2', { id: 'alert-circle-h', text: t('alert.circle') }), ul);
  }

  function alertHistory(hist) {
    const ol = el('ol', { id: 'alert-history', class: 'history' });
    for (const h of hist) {
      ol.appendChild(el('li', null, spaced(
        el('time', { class: 'hist-at', datetime: h.at, text: fmtTime(h.at) }),
        el('span', { class: 'hist-what', text: tr('what.', h.what) }),
        el('span', { class: 'hist-by', text: h.by || '' }),
        h.note ? el('span', { class: 'hist-note', text: h.note }) : null)));
    }
    if (!ol.firstChild) ol.appendChild(el('li', { class: 'empty', text: t('alert.nohistory') }));
    return el('section', { class: 'panel a-history', 'aria-labelledby': 'alert-history-h' },
      el('h2', { id: 'alert-history-h', text: t('alert.history') }), ol);
  }

  /* The actions the alert's state allows: new → claim, ack, close; claimed → ack, close;
   * acknowledged → close; closed → reopen. */
  function alertActions(a) {
    const box = el('section', { class: 'panel actions a-actions', 'aria-labelledby': 'alert-actions-h' },
      el('h2', { id: 'alert-actions-h', text: t('alert.actions') }));
    const st = a.status;
    if (st === 'new')
      box.appendChild(el('div', { class: 'button-row' },
        el('button', { type: 'button', id: 'act-claim', class: 'btn btn-primary', text: t('alert.claim'), on: { click: () => act(a.id, 'claim', {}) } })));
    if (st === 'new' || st === 'claimed') {
      box.appendChild(el('div', { class: 'field action-ack' },
        el('label', { for: 'ack-note', text: t('alert.ack.note') }),
        el('textarea', { id: 'ack-note', rows: '2' }),
        el('div', { class: 'button-row' },
          el('button', { type: 'button', id: 'act-ack', class: 'btn btn-primary', text: t('alert.ack'), on: { click: onAck } }))));
    }
    if (st !== 'closed') box.appendChild(closeForm());
    if (st === 'closed') {
      box.appendChild(el('div', { class: 'field action-reopen' },
        el('label', { for: 'reopen-note', text: t('alert.reopen.note') }),
        el('textarea', { id: 'reopen-note', rows: '2', required: true }),
        el('div', { class: 'button-row' },
          el('button', { type: 'button', id: 'act-reopen', class: 'btn', text: t('alert.reopen'), on: { click: onReopen } }))));
    }
    return box;
  }

  function closeForm() {
    const sel = el('select', { id: 'close-outcome', required: true },
      el('option', { value: '', text: t('alert.close.pick') }),
      ['confirmed', 'false_positive', 'valuable', 'duplicate'].map((o) => el('option', { value: o, text: t('outcome.' + o) })));
    return el('form', { id: 'close-form', class: 'close-form stack', novalidate: true, on: { submit: onClose } },
      el('h3', { text: t('alert.close') }),
      el('div', { class: 'field' }, el('label', { for: 'close-outcome', text: t('alert.close.outcome') }), sel),
      el('div', { class: 'field' }, el('label', { for: 'close-note', text: t('alert.close.note') }),
        el('textarea', { id: 'close-note', rows: '3', required: true })),
      el('div', { class: 'button-row' }, el('button', { type: 'submit', id: 'act-close', class: 'btn btn-primary', text: t('alert.close') })));
  }

  function invalid(node, msg) {
    node.setAttribute('aria-invalid', 'true');
    say($('alert-error'), msg);
    node.focus();
  }

  function onAck() {
    const note = $('ack-note').value.trim();
    act(S.alertView.id, 'ack', note ? { note: note } : {});
  }

  function onClose(ev) {
    ev.preventDefault();
    const sel = $('close-outcome');
    const note = $('close-note');
    sel.removeAttribute('aria-invalid');
    note.removeAttribute('aria-invalid');
    if (!sel.value) return invalid(sel, t('alert.need.outcome'));
    if (!note.value.trim()) return invalid(note, t('alert.need.note'));
    act(S.alertView.id, 'close', { outcome: sel.value, note: note.value.trim() });
  }

  function onReopen() {
    const note = $('reopen-note');
    note.removeAttribute('aria-invalid');
    if (!note.value.trim()) return invalid(note, t('alert.need.reopen'));
    act(S.alertView.id, 'reopen', { note: note.value.trim() });
  }

  async function act(id, verb, body) {
    S.quiet = false;
    const buttons = document.querySelectorAll('#alert .actions button');
    buttons.forEach((b) => { b.disabled = true; });
    say($('alert-error'), '');
    say($('alert-done'), t('alert.busy'));
    try {
      await api('POST', '/v1/alerts/' + encodeURIComponent(id) + '/' + verb, body);
      S.flash = t('alert.done.' + verb, { id: id });
      refreshAfterAction();
      await loadAlert(id, true);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return;
      const err = $('alert-error');
      if (err) {
        say($('alert-done'), '');
        say(err, errText(e));
      }
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  /* ---------- reviews ---------- */
  /* Whole days from YYYY-MM-DD a to b (b - a), in UTC so no clock change moves them. */
  function dayNum(d) { const [y, m, x] = d.split('-').map(Number); return Date.UTC(y, m - 1, x) / 86400000; }
  function addDays(d, n) { return new Date((dayNum(d) + n) * 86400000).toISOString().slice(0, 10); }
  function dueText(next) {
    const today = S.session && S.session.now;
    if (!today || !next) return { over: false, text: '' };
    const n = dayNum(today) - dayNum(next);
    if (n > 0) return { over: true, text: t('reviews.overdue.n', { n }) };
    return { over: false, text: n === 0 ? t('reviews.today') : t('reviews.in.n', { n: -n }) };
  }
  async function loadDue() {
    say($('due-error'), '');
    const now = $('due-now').value;
    try {
      S.due = await api('GET', '/v1/reviews/due' + (now ? '?now=' + encodeURIComponent(now) : ''));
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) say($('due-error'), errText(e));
      return;
    }
    drawDue();
  }

  function drawDue() {
    const d = S.due;
    const body = $('due-body');
    clear(body);
    const rows = (d && d.due) || [];
    say($('due-count'), rows.length ? t('reviews.count', { n: d.count === undefined ? rows.length : d.count, now: d.now }) : t('reviews.empty', { now: d.now || '' }));
    const heads = ['reviews.person', 'reviews.cell', 'reviews.colour', 'reviews.next', 'reviews.overdue', 'reviews.action'].map((k) => t(k));
    const frag = document.createDocumentFragment();
    for (const r of rows) {
      const due = dueText(r.next_review);
      const btn = el('button', { type: 'button', class: 'btn review-btn', 'aria-label': t('reviews.btn.aria', { p: r.person }), text: t('reviews.btn'), on: { click: () => openReview(r.person) } });
      frag.appendChild(el('tr', { class: 'due-row' + (r.person === S.reviewPerson ? ' is-current' : ''), dataset: { person: r.person } },
        el('th', { scope: 'row', 'data-label': heads[0], text: r.person }),
        el('td', { 'data-label': heads[1] }, el('span', null, r.cell_name || '', ' ', el('span', { class: 'code', text: r.grid || '' }))),
        el('td', { 'data-label': heads[2] }, colourTag(r.colour)),
        el('td', { 'data-label': heads[3], text: r.next_review || '' }),
        el('td', { 'data-label': heads[4], class: due.over ? 'is-over' : '', text: due.text }),
        el('td', { 'data-label': heads[5] }, btn)));
    }
    body.appendChild(frag);
    $('due').hidden = rows.length === 0;
    if (S.reviewPerson) say($('review-form-title'), t('reviews.form', { p: S.reviewPerson }));
  }

  function openReview(person) {
    S.reviewPerson = person;
    const form = $('review-form');
    form.reset();
    for (const id of ['review-colour', 'review-note']) $(id).removeAttribute('aria-invalid');
    say($('review-error'), '');
    say($('review-done'), '');
    say($('review-form-title'), t('reviews.form', { p: person }));
    form.dataset.person = person;
    syncReviewColour();
    form.hidden = false;
    for (const row of document.querySelectorAll('#due-body tr.due-row'))
      row.classList.toggle('is-current', row.dataset.person === person);
    $('review-form-title').focus();
  }

  /* A new list only means something when lowering or raising. */
  function syncReviewColour() {
    const o = $('review-outcome').value;
    const sel = $('review-colour');
    sel.disabled = !(o === 'lower' || o === 'raise');
    if (sel.disabled) sel.value = '';
  }

  function closeReview() {
    const p = S.reviewPerson;
    S.reviewPerson = null;
    $('review-form').hidden = true;
    for (const row of document.querySelectorAll('#due-body tr.due-row')) row.classList.remove('is-current');
    if (p) {
      const btn = document.querySelector('#due-body tr.due-row[data-person="' + CSS.escape(p) + '"] .review-btn');
      if (btn) btn.focus();
    }
  }

  async function onReviewSubmit(ev) {
    ev.preventDefault();
    const person = S.reviewPerson;
    if (!person) return;
    const outcome = $('review-outcome').value;
    const colour = $('review-colour');
    const note = $('review-note');
    const err = $('review-error');
    colour.removeAttribute('aria-invalid');
    note.removeAttribute('aria-invalid');
    say(err, '');
    if ((outcome === 'lower' || outcome === 'raise') && !colour.value) {
      colour.setAttribute('aria-invalid', 'true');
      say(err, t('reviews.need.colour'));
      colour.focus();
      return;
    }
    if (!note.value.trim()) {
      note.setAttribute('aria-invalid', 'true');
      say(err, t('reviews.need.note'));
      note.focus();
      return;
    }
    const body = { outcome: outcome, note: note.value.trim() };
    if (colour.value && (outcome === 'lower' || outcome === 'raise')) body.colour = colour.value;
    const until = $('review-until').value;
    if (until) body.until = until;
    const btn = $('review-submit');
    btn.disabled = true;
    try {
      const r = await api('POST', '/v1/persons/' + encodeURIComponent(person) + '/review', body);
      const rv = (r && r.review) || {};
      S.reviewPerson = null;
      $('review-form').hidden = true;
      say($('review-done'), t('reviews.done', { p: person, next: rv.next_review || '—' }));
      await loadDue();
      $('reviews-title').focus();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) say(err, errText(e));
    } finally {
      btn.disabled = false;
    }
  }

  /* ---------- lists ---------- */
  async function loadReportData() {
    S.report = await api('GET', '/v1/report');
    return S.report;
  }

  async function loadCells() {
    say($('lists-error'), '');
    try {
      await loadReportData();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) say($('lists-error'), errText(e));
      return;
    }
    drawCells();
    drawMembers();
  }

  function cellLabel(code) {
    const c = ((S.report && S.report.cells) || []).find((x) => x.code === code);
    return c ? c.name || c.code : code;
  }

  function drawCells() {
    const body = $('cells-body');
    clear(body);
    const cells = (S.report && S.report.cells) || [];
    const heads = [t('lists.cell'), t('lists.level'), t('colour.red'), t('colour.yellow'), t('colour.blue')];
    const frag = document.createDocumentFragment();
    for (const c of cells) {
      const lists = c.lists || {};
      const row = el('tr', { class: 'cell-row level-' + (c.level || 'x'), dataset: { code: c.code } },
        el('th', { scope: 'row', 'data-label': heads[0] },
          el('span', { class: 'cell-label' },
            el('span', { class: 'cell-name', text: c.name || c.code }), ' ',
            el('span', { class: 'code', text: c.code }))),
        el('td', { 'data-label': heads[1], text: tr('level.', c.level) }));
      ['red', 'yellow', 'blue'].forEach((col, i) => {
        const n = lists[col] || 0;
        const picked = S.listPick && S.listPick.code === c.code && S.listPick.colour === col;
        row.appendChild(el('td', { class: 'num n-' + col, 'data-label': heads[2 + i] },
          el('button', {
            type: 'button', class: 'count-btn count-' + col, 'aria-pressed': picked ? 'true' : 'false',
            'aria-label': t('lists.pick', { cell: c.name || c.code, c: t('colour.' + col), n: n }),
            text: String(n), on: { click: () => pickList(c.code, col) }
          })));
      });
      frag.appendChild(row);
    }
    body.appendChild(frag);
    if (!cells.length) body.appendChild(el('tr', null, el('td', { colspan: '5', text: t('lists.empty') })));
  }

  async function pickList(code, colour) {
    S.listPick = { code: code, colour: colour };
    S.listMembers = null;
    for (const b of document.querySelectorAll('#cells .count-btn')) {
      const row = b.closest('tr');
      b.setAttribute('aria-pressed', row.dataset.code === code && b.classList.contains('count-' + colour) ? 'true' : 'false');
    }
    say($('lists-error'), '');
    const ul = $('list-members');
    clear(ul);
    say($('members-title'), t('loading'));
    try {
      S.listMembers = await api('GET', '/v1/lists/' + colour + '?scope=' + encodeURIComponent(code));
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) say($('lists-error'), errText(e));
      say($('members-title'), t('lists.choose'));
      return;
    }
    if (!S.listPick || S.listPick.code !== code || S.listPick.colour !== colour) return;
    drawMembers();
    $('members-title').focus();
  }

  function drawMembers() {
    const ul = $('list-members');
    clear(ul);
    const p = S.listPick;
    const m = S.listMembers;
    if (!p || !m) {
      say($('members-title'), t('lists.choose'));
      return;
    }
    const members = m.members || [];
    say($('members-title'), t('lists.members', { cell: cellLabel(p.code), c: t('colour.' + p.colour), n: m.count === undefined ? members.length : m.count }));
    const frag = document.createDocumentFragment();
    for (const x of members) {
      frag.appendChild(el('li', { class: 'member', dataset: { person: x.person } }, spaced(
        el('span', { class: 'person-id', text: x.person }),
        colourTag(x.colour),
        el('span', { class: 'code', text: x.grid || '' }),
        x.score !== undefined && x.score !== null ? el('span', { class: 'muted', text: t('lists.score', { n: x.score }) }) : null,
        x.since ? el('span', { class: 'muted', text: t('lists.since', { d: x.since }) }) : null,
        x.rules && x.rules.length ? el('span', { class: 'member-rules', text: t('lists.rules', { r: memberRules(x) }) }) : null)));
    }
    if (!members.length) frag.appendChild(el('li', { class: 'empty', text: t('lists.nomembers') }));
    ul.appendChild(frag);
  }

  /* ---------- report ---------- */
  async function loadReport() {
    const sec = $('report');
    say($('report-error'), '');
    clear(sec);
    sec.appendChild(el('p', { class: 'muted', text: t('report.loading') }));
    try {
      await loadReportData();
    } catch (e) {
      clear(sec);
      if (!(e instanceof ApiError && e.status === 401)) say($('report-error'), errText(e));
      return;
    }
    drawReport();
  }

  function drawReport() {
    const sec = $('report');
    clear(sec);
    if (!window.TSReport || typeof window.TSReport.render !== 'function') {
      sec.appendChild(el('p', { class: 'msg msg-note', text: t('report.unavailable') }));
      return;
    }
    try {
      window.TSReport.render(sec, S.report, I.lang());
    } catch (e) {
      say($('report-error'), t('report.unavailable') + ' ' + String(e && e.message ? e.message : e));
    }
  }

  /* ---------- wiring ---------- */
  function wireStatic() {
    $('signin').addEventListener('submit', onSignin);
    $('signout').addEventListener('click', onSignout);
    $('lang-toggle').addEventListener('click', toggleLang);
    $('skip-link').addEventListener('click', (ev) => {
      ev.preventDefault();
      const main = $('main');
      const title = main.querySelector('.view:not([hidden]) .view-title');
      (title || main).focus();
    });
    $('feed-filters').addEventListener('submit', (ev) => ev.preventDefault());
    $('filter-kind').addEventListener('change', () => loadFeed());
    $('filter-state').addEventListener('change', () => loadFeed());
    $('claim-next').addEventListener('click', onClaimNext);
    $('feed-more').addEventListener('click', loadOlder);
    $('due-filter').addEventListener('submit', (ev) => { ev.preventDefault(); loadDue(); });
    $('review-form').addEventListener('submit', onReviewSubmit);
    $('review-outcome').addEventListener('change', syncReviewColour);
    $('review-form').addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closeReview(); });
    $('review-cancel').addEventListener('click', closeReview);
    window.addEventListener('hashchange', () => {
      if (location.hash === '#main') return;
      S.quiet = false;
      if (S.session) renderRoute(false);
    });
    setInterval(tickDue, 30000);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
