/* engine/render/console/report.js — the report page: TSReport.render(container, data, lang)
 * draws the data of GET /v1/report (= `triscreen report --format json`) as six charts
 * (Chart.js 3, the global `Chart`, when present) each with an accessible table under it.
 * Shared by the console's #/report and the self-contained `report --html` file, where it
 * boots itself from <script type="application/json" id="report-data">. Every string from
 * the data goes through textContent; no innerHTML, no inline style in markup, no eval. */
(function (global) {
    'use strict';

    var STR = {
        zh: {
            title: '风险筛查报告', colon: '：', sep: ' · ', scope: '范围', all: '全县', now: '日期',
            red: '红', yellow: '黄', blue: '蓝', listed: '在册合计',
            persons: '人数', alerts: '警报', overdue: '逾期', open: '未结案',
            cell: '网格', code: '编码', name: '名称', total: '合计',
            cellsCap: '各镇、村红黄蓝名单人数',
            trendCap: '近 12 周名单趋势（仅计实际运行，不含推演运行）',
            week: '周', weekTo: '截至', run: '运行', noRun: '本周无运行',
            kindsCap: '各类警报：已发出、未结案、已结案',
            kind: '类别', raised: '已发出', closed: '已结案',
            timesCap: '确认与结案用时（分钟，中位数 / 第 90 百分位）',
            ackP50: '确认 中位数', ackP90: '确认 P90', closeP50: '结案 中位数', closeP90: '结案 P90',
            minutes: '分钟',
            closureCap: '各镇结案率与 99% 目标线', town: '镇', rate: '结案率',
            target: '目标', targetLine: function (t) { return '目标 ' + t + '%'; },
            overdueCap: '当前逾期警报（按层级）', level: '层级',
            kinds: { early: '早期预警', detailed: '详细预警', quick: '快速预警', unknown: '未知' },
            levels: { group: '组', village: '村', town: '镇', county: '县值班台' },
            lvl: { town: '镇', village: '村', group: '组', all: '县' },
            none: '—', noData: '暂无数据', noAlerts: '无警报数据',
            noChart: '图表不可用（未加载 Chart.js），以下为数据表。',
            footer: '仅含统计数字：本报告不含任何个人信息。',
            langBtn: 'English'
        },
        en: {
            title: 'Risk screening report', colon: ': ', sep: ' · ', scope: 'Scope', all: 'whole county', now: 'Date',
            red: 'red', yellow: 'yellow', blue: 'blue', listed: 'listed',
            persons: 'persons', alerts: 'alerts', overdue: 'overdue', open: 'open',
            cell: 'Cell', code: 'Code', name: 'Name', total: 'Total',
            cellsCap: 'Red / yellow / blue list members per town and village',
            trendCap: 'List trend over 12 weeks (live runs only, never what-if runs)',
            week: 'Week', weekTo: 'to', run: 'Run', noRun: 'no run this week',
            kindsCap: 'Alerts by kind: raised, open, closed',
            kind: 'Kind', raised: 'raised', closed: 'closed',
            timesCap: 'Time to acknowledge and to close (minutes, median / 90th percentile)',
            ackP50: 'ack p50', ackP90: 'ack p90', closeP50: 'close p50', closeP90: 'close p90',
            minutes: 'minutes',
            closureCap: 'Closure rate per town against the 99% target', town: 'Town',
            rate: 'closure rate', target: 'target',
            targetLine: function (t) { return 'target ' + t + '%'; },
            overdueCap: 'Overdue alerts now, by level', level: 'Level',
            kinds: { early: 'early', detailed: 'detailed', quick: 'quick', unknown: 'unknown' },
            levels: { group: 'group', village: 'village', town: 'town', county: 'county desk' },
            lvl: { town: 'town', village: 'village', group: 'group', all: 'county' },
            none: '—', noData: 'no data yet', noAlerts: 'no alert figures',
            noChart: 'Charts are unavailable (Chart.js is not loaded); the tables follow.',
            footer: 'Counts only: this report holds no person-level data.',
            langBtn: '中文'
        }
    };
    var COLOUR = { red: '#c62828', yellow: '#d9a400', blue: '#1f6fb4' };
    var SERIES = ['#455a64', '#ef6c00', '#2e7d32', '#6a1b9a'];
    var KINDS = ['early', 'detailed', 'quick', 'unknown'];
    var LEVELS = ['group', 'village', 'town', 'county'];
    var FONT = 'system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "Noto Sans SC", ' +
        '"Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';

    function el(tag, cls, text) {
        var e = document.createElement(tag);
        if (cls) e.className = cls;
        if (text !== undefined && text !== null) e.textContent = String(text);
        return e;
    }
    function num(v) { return typeof v === 'number' && isFinite(v) ? v : null; }
    function fmt(v, d) {
        v = num(v);
        return v === null ? '—' : (d ? v.toFixed(d) : String(v));
    }
    function pct(rate) { return num(rate) === null ? null : Math.round(rate * 1000) / 10; }

    /* A table: head = [text], rows = [{cells: [text…], cls}]; the first cell of a row is
     * its header; the first `texts` columns (default 1) are text, the others numbers. */
    function table(head, rows, cls, texts) {
        texts = texts || 1;
        var wrap = el('div', 'ts-table-wrap'), t = el('table', 'ts-table' + (cls ? ' ' + cls : ''));
        var thead = el('thead'), tr = el('tr');
        head.forEach(function (h, i) {
            var th = el('th', i >= texts ? 'num' : '', h);
            th.scope = 'col';
            tr.appendChild(th);
        });
        thead.appendChild(tr);
        var tbody = el('tbody');
        rows.forEach(function (r) {
            var row = el('tr', r.cls || '');
            r.cells.forEach(function (c, i) {
                var td = el(i ? 'td' : 'th', i >= texts ? 'num' : '', c);
                if (!i) td.scope = 'row';
                row.appendChild(td);
            });
            tbody.appendChild(row);
        });
        t.appendChild(thead);
        t.appendChild(tbody);
        wrap.appendChild(t);
        return wrap;
    }

    /* A figure: caption, a sized box with the canvas (when Chart.js is there), the table. */
    function figure(id, caption, size, tableEl) {
        var f = el('figure', 'ts-figure ts-figure-' + id);
        f.setAttribute('data-chart', id);
        var cap = el('figcaption', '', caption);
        cap.id = 'chart-' + id + '-caption';
        f.appendChild(cap);
        var canvas = null;
        if (global.Chart) {
            var box = el('div', 'ts-chart-box ts-h-' + size);
            canvas = el('canvas');
            canvas.id = 'chart-' + id;
            canvas.setAttribute('role', 'img');
            canvas.setAttribute('aria-label', caption);
            box.appendChild(canvas);
            f.appendChild(box);
        }
        f.appendChild(tableEl);
        return { figure: f, canvas: canvas };
    }

    function chart(canvas, type, labels, datasets, opts) {
        if (!canvas) return;
        opts = opts || {};
        var scales = opts.scales || {};
        var options = {
            animation: false,
            responsive: true,
            maintainAspectRatio: false,
            indexAxis: opts.indexAxis || 'x',
            interaction: { mode: 'index', intersect: false },
            plugins: { legend: { position: 'bottom', labels: { boxWidth: 14 } } },
            scales: scales
        };
        if (opts.noAutoPadding) options.layout = { autoPadding: false, padding: { top: 8 } };
        new global.Chart(canvas, { type: type, data: { labels: labels, datasets: datasets }, options: options });
    }

    function colourSets(s, values) {
        return ['red', 'yellow', 'blue'].map(function (c) {
            return { label: s[c], data: values(c), backgroundColor: COLOUR[c], borderColor: COLOUR[c] };
        });
    }

    function cellsFigure(s, data) {
        var cells = Array.isArray(data.cells) ? data.cells : [];
        /* rows under the first row's level (villages of a town, groups of a village) are
         * marked as such */
        var top = cells.length ? cells[0].level : '';
        var label = function (c) { return (c.level !== top ? '· ' : '') + (c.name || c.code); };
        var rows = cells.map(function (c) {
            var l = c.lists || {};
            return { cls: 'lvl-' + c.level, cells: [label(c), c.code, fmt(l.red), fmt(l.yellow), fmt(l.blue)] };
        });
        if (data.total && data.scope === 'all') {
            var tl = data.total.lists || {};
            rows.push({ cls: 'total', cells: [s.total, data.total.code, fmt(tl.red), fmt(tl.yellow), fmt(tl.blue)] });
        }
        var n = cells.length, size = n <= 6 ? 'm' : n <= 12 ? 'l' : n <= 20 ? 'xl' : 'xxl';
        var f = figure('cells', s.cellsCap, size,
            table([s.cell, s.code, s.red, s.yellow, s.blue], rows, 'ts-cells', 2));
        chart(f.canvas, 'bar', cells.map(label), colourSets(s, function (c) {
            return cells.map(function (x) { return num((x.lists || {})[c]); });
        }), { indexAxis: 'y', scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true } } });
        return f.figure;
    }

    function trendFigure(s, data) {
        var weeks = Array.isArray(data.weeks) ? data.weeks : [];
        var labels = weeks.map(function (w) { return String(w.to || '').slice(5); });
        var rows = weeks.map(function (w) {
            var l = w.lists;
            var period = String(w.from || '') + ' – ' + String(w.to || '');
            if (!l) return { cls: 'empty', cells: [period, s.noRun, '—', '—', '—'] };
            return { cells: [period, fmt(w.run), fmt(l.red), fmt(l.yellow), fmt(l.blue)] };
        });
        var f = figure('trend', s.trendCap, 'm', table([s.week, s.run, s.red, s.yellow, s.blue], rows, 'ts-weeks'));
        var sets = colourSets(s, function (c) {
            return weeks.map(function (w) { return w.lists ? num(w.lists[c]) : null; });
        });
        sets.forEach(function (d) { d.spanGaps = true; d.pointRadius = 3; d.fill = false; });
        chart(f.canvas, 'line', labels, sets, { scales: { y: { beginAtZero: true } } });
        return f.figure;
    }

    function kindsOf(af) {
        var by = af && af.by_kind ? af.by_kind : {};
        return KINDS.filter(function (k) { return by[k]; }).map(function (k) { return { kind: k, f: by[k] }; });
    }

    function kindsFigure(s, af) {
        var ks = kindsOf(af);
        var open = function (f) { return num(f.raised) === null ? null : f.raised - (f.closed || 0); };
        var rows = ks.map(function (k) { return { cells: [s.kinds[k.kind], fmt(k.f.raised), fmt(open(k.f)), fmt(k.f.closed)] }; });
        var f = figure('kinds', s.kindsCap, 'm', table([s.kind, s.raised, s.open, s.closed], rows));
        var labels = ks.map(function (k) { return s.kinds[k.kind]; });
        chart(f.canvas, 'bar', labels, [
            { label: s.raised, data: ks.map(function (k) { return num(k.f.raised); }), backgroundColor: SERIES[0] },
            { label: s.open, data: ks.map(function (k) { return open(k.f); }), backgroundColor: SERIES[1] },
            { label: s.closed, data: ks.map(function (k) { return num(k.f.closed); }), backgroundColor: SERIES[2] }
        ], { scales: { y: { beginAtZero: true } } });
        return f.figure;
    }

    function timesFigure(s, af) {
        var ks = kindsOf(af);
        var keys = ['ack_p50_minutes', 'ack_p90_minutes', 'close_p50_minutes', 'close_p90_minutes'];
        var names = [s.ackP50, s.ackP90, s.closeP50, s.closeP90];
        var rows = ks.map(function (k) {
            return { cells: [s.kinds[k.kind]].concat(keys.map(function (key) { return fmt(k.f[key], 1); })) };
        });
        var f = figure('times', s.timesCap, 'm', table([s.kind].concat(names), rows));
        chart(f.canvas, 'bar', ks.map(function (k) { return s.kinds[k.kind]; }), keys.map(function (key, i) {
            return { label: names[i], data: ks.map(function (k) { return num(k.f[key]); }), backgroundColor: SERIES[i] };
        }), { scales: { y: { beginAtZero: true, title: { display: true, text: s.minutes } } } });
        return f.figure;
    }

    function closureFigure(s, af) {
        var towns = af && Array.isArray(af.by_town) ? af.by_town : [];
        var target = pct(num(af && af.closure_target) === null ? 0.99 : af.closure_target);
        var lineLabel = s.targetLine(target);
        var rows = towns.map(function (t) {
            var r = pct(t.closure_rate);
            return { cells: [t.name || t.code || '—', fmt(t.raised), fmt(t.closed), r === null ? '—' : r.toFixed(1) + '%', target + '%'] };
        });
        var f = figure('closure', s.closureCap, 'm', table([s.town, s.raised, s.closed, s.rate, s.target], rows));
        var labels = towns.map(function (t) { return t.name || t.code || '—'; });
        chart(f.canvas, 'bar', labels, [
            { type: 'bar', label: s.rate + ' %', data: towns.map(function (t) { return pct(t.closure_rate); }),
              backgroundColor: SERIES[0], order: 2 },
            { type: 'line', label: lineLabel, data: towns.map(function () { return target; }),
              borderColor: COLOUR.red, backgroundColor: COLOUR.red, borderDash: [6, 4], borderWidth: 2,
              /* one town: no segment to draw, so its point is a wide dash */
              pointStyle: 'line', pointRadius: towns.length === 1 ? 100 : 0, pointHoverRadius: 0,
              pointBorderWidth: 2, fill: false, order: 1 }
        ], { noAutoPadding: towns.length === 1,
             scales: { y: { beginAtZero: true, max: 100, ticks: { callback: function (v) { return v + '%'; } } } } });
        return f.figure;
    }

    function overdueFigure(s, af) {
        var by = af && af.overdue_by_level ? af.overdue_by_level : {};
        var rows = LEVELS.map(function (l) { return { cells: [s.levels[l], fmt(by[l])] }; });
        var f = figure('overdue', s.overdueCap, 's', table([s.level, s.overdue], rows));
        chart(f.canvas, 'bar', LEVELS.map(function (l) { return s.levels[l]; }), [
            { label: s.overdue, data: LEVELS.map(function (l) { return num(by[l]); }), backgroundColor: SERIES[1] }
        ], { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } });
        return f.figure;
    }

    /* Key figures of the total row: persons, red/yellow/blue, alerts, overdue. */
    function keyFigures(s, data) {
        var t = data.total || {}, l = t.lists || {}, a = t.alerts || {};
        var af = data.alert_figures, all = af && af.all ? af.all : {};
        var items = [[s.persons, t.persons, ''], [s.red, l.red, 'red'], [s.yellow, l.yellow, 'yellow'],
            [s.blue, l.blue, 'blue'], [s.alerts, a.total, ''], [s.open, a.open, ''], [s.overdue, all.overdue, '']];
        var dl = el('dl', 'ts-keys');
        items.forEach(function (it) {
            var d = el('div', 'ts-key' + (it[2] ? ' ts-key-' + it[2] : ''));
            d.appendChild(el('dt', '', it[0]));
            d.appendChild(el('dd', '', fmt(it[1])));
            dl.appendChild(d);
        });
        return dl;
    }

    function clear(container) {
        var old = container.querySelectorAll('canvas');
        for (var i = 0; i < old.length; i++) {
            var c = global.Chart && global.Chart.getChart ? global.Chart.getChart(old[i]) : null;
            if (c) c.destroy();
        }
        while (container.firstChild) container.removeChild(container.firstChild);
    }

    function render(container, data, lang) {
        if (!container) return;
        var s = STR[lang === 'en' ? 'en' : 'zh'];
        data = data && typeof data === 'object' ? data : {};
        clear(container);
        if (global.Chart && global.Chart.defaults && global.Chart.defaults.font)
            global.Chart.defaults.font.family = FONT;
        var standalone = container.getAttribute('data-standalone') === 'true';
        var head = el('header', 'ts-report-head');
        head.appendChild(el(standalone ? 'h1' : 'h2', 'ts-report-title',
            (data.county ? data.county + ' · ' : '') + s.title));
        var scope = data.scope === 'all' || !data.scope ? s.all : data.scope;
        if (data.total && data.scope && data.scope !== 'all' && data.total.name)
            scope = data.scope + ' ' + data.total.name;
        head.appendChild(el('p', 'ts-report-meta', s.scope + s.colon + scope + s.sep + s.now + s.colon + (data.now || '')));
        container.appendChild(head);
        container.appendChild(keyFigures(s, data));
        if (!global.Chart) {
            var note = el('p', 'ts-note', s.noChart);
            note.setAttribute('role', 'note');
            container.appendChild(note);
        }
        var grid = el('div', 'ts-report-grid');
        grid.appendChild(cellsFigure(s, data));
        grid.appendChild(trendFigure(s, data));
        var af = data.alert_figures;
        if (af) {
            grid.appendChild(kindsFigure(s, af));
            grid.appendChild(timesFigure(s, af));
            grid.appendChild(closureFigure(s, af));
            grid.appendChild(overdueFigure(s, af));
        } else {
            grid.appendChild(el('p', 'ts-note', s.noAlerts));
        }
        container.appendChild(grid);
        container.appendChild(el('p', 'ts-report-foot', s.footer));
    }

    /* The self-contained file: draw from #report-data, with a language switch. */
    function boot() {
        var box = document.getElementById('report'), src = document.getElementById('report-data');
        if (!box || !src || box.getAttribute('data-standalone') !== 'true') return;
        var data;
        try { data = JSON.parse(src.textContent); } catch (e) { data = {}; }
        var lang = 'zh';
        document.body.classList.add('ts-report-page');
        var bar = el('div', 'ts-report-bar'), btn = el('button', 'ts-lang');
        btn.type = 'button';
        btn.id = 'report-lang';
        bar.appendChild(btn);
        box.parentNode.insertBefore(bar, box);
        function draw() {
            document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
            btn.textContent = STR[lang].langBtn;
            btn.lang = lang === 'zh' ? 'en' : 'zh-CN';
            render(box, data, lang);
        }
        btn.addEventListener('click', function () { lang = lang === 'zh' ? 'en' : 'zh'; draw(); });
        draw();
    }

    global.TSReport = { render: render, strings: STR };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
    else boot();
})(window);
