// run — one run, live: totals, and three tabs: the trace waterfall, its
// change (changes.js) and the artifacts.
//
// RunView owns the tab's only run EventSource.  Rows are queued as they
// arrive and filed into a TraceModel in small batches.  The tree on screen
// is a flat list (`flat`: the visible nodes in tree order, skipping
// collapsed spans, events under the level shown and what the filter
// leaves out) of fixed-height rows placed by transform; only the rows in
// the scroller's window (and OVERSCAN more each side) are in the DOM, so a
// run of 100 000 rows costs what a screenful does (issue 17).  A node that
// arrives last in tree order (the common case: a trace is written depth
// first) is pushed on the list; anything else, and a collapse, expand,
// level or filter change, rebuilds it in one walk.  Up to WINDOW_ALL
// visible rows are all kept in the DOM.  A row's details open in the side
// panel, not inline (rows keep one height).  The waterfall's time axis is
// a pair of CSS custom properties on the tree (--t-span) and on each row
// (--s start, --w width, in ms since the first row); the times the run
// waited for a person are bands on the axis and apart in the totals.
//
// Loading: a run of up to SMALL_RUN rows comes whole on the stream.  A
// longer one loads its span skeleton first (GET .../spans, pages of
// SKELETON_PAGE spans, the first short so rows show at once), turns
// closed but the newest span and those above it open; an open span's
// events load when the span comes into the window (GET .../trace?span=,
// LOADS at a time), and the stream goes on from the skeleton's last row.
// Spans are always shown (they are the structure); the level and the
// filters pick events.
//
// Live output: `delta` events (the model's reply as it is written, not
// stored) grow in a box above the tabs (live.js) until the reply row comes.
//
// Auto-follow: while the tree is scrolled to its bottom, new rows keep it
// there; scrolling up stops that and shows a "follow" button.
//
// Search asks the server (`?q=`, the rows' text, case ignored) and lists
// the hits in the side panel; choosing one opens its spans, scrolls to it
// and shows its details.  Keyboard, with the tree focused: ↑/↓ move the
// cursor, → opens a span (or goes to its first row), ← closes it (or goes
// to its parent), Enter shows the details; `/` goes to the search box.

import { api, streams } from './api.js';
import { h, replace, pill, demoPrices } from './dom.js';
import { ChangesBox } from './changes.js';
import { LiveReply } from './live.js';
import { resultCard } from './result.js';
import { Stream } from './stream.js';
import { SPAN_TYPES, TraceModel, parseMaybe } from './trace.js';
import * as fmt from './format.js';

const LEVELS = [['10', 'debug'], ['20', 'info'], ['30', 'notice']];
const ROW_H = 22;        // px: a row's height, border included (style.css .tree .row)
const OVERSCAN = 30;     // rows kept in the DOM above and below the window
const WINDOW_ALL = 3000; // up to this many visible rows, all are in the DOM
const FLUSH_MAX = 3000;  // rows filed in one task; the rest in the next (short tasks)
const SMALL_RUN = 5000;  // rows: a run this small loads whole, from the stream
const SKELETON_FIRST = 200;  // spans in the skeleton's first page: rows on screen soon
const SKELETON_PAGE = 5000;  // spans a page after it (the server's cap)
const EVENTS_PAGE = 2000;    // a span's events a request
const LOADS = 2;             // span loads at once
const RESULT_STATUSES = new Set(['done', 'failed', 'generated', 'discarded']);
const FILTERS = [['all', 'all rows'], ['errors', 'errors only'], ['gates', 'gates'], ['tool', 'tool calls'],
	['reply', 'replies'], ['prompt', 'prompts'], ['artifact', 'artifacts'], ['note', 'notes']];
const BADGE = {
	workflow: 'wf', step: 'step', ai: 'ai', turn: 'turn', prompt: 'prompt', reply: 'reply',
	tool: 'tool', 'tool-result': 'result', artifact: 'artifact', handoff: 'handoff',
	question: 'gate', answer: 'answer', back: 'back', retry: 'retry', note: 'note', message: 'message',
};

export class RunView {
	// opts: {key, runId, draft (changes.js ReviewDraft), onModel(model), onEnd(status),
	// onRetry() (the result card's Run again)}
	constructor(opts) {
		this.opts = opts;
		this.key = opts.key;
		this.runId = opts.runId;
		this.model = new TraceModel();
		this.all = [];            // every node, in arrival order
		this.flat = [];           // the visible nodes, in tree order
		this.flatDirty = false;   // flat must be rebuilt before the next paint
		this.shown = new Set();   // nodes whose element is in the DOM
		this.detailNode = null;   // the node in the side panel
		this.open = new Set();    // span nodes still running (their bars grow)
		this.queue = [];
		this.flushTimer = 0;
		this.follow = true;
		this.status = null;       // final status after `end`
		this.lastArrival = 0;     // performance.now() of the last row
		this.artTimer = 0;

		this.conn = h('span', { class: 'conn', 'data-state': 'connecting' }, 'connecting');
		this.totals = h('div', { class: 'run-totals' });
		this.levelSel = h('select', { 'aria-label': 'detail level', onchange: () => this.applyLevel() },
			LEVELS.map(([v, l]) => h('option', { value: v }, l)));
		this.levelSel.value = localStorage.getItem('claw.level') || '20';
		this.filterSel = h('select', { 'aria-label': 'filter the rows', onchange: () => this.applyLevel() },
			FILTERS.map(([v, l]) => h('option', { value: v }, l)));
		this.loadQueue = [];      // open spans whose events are wanted, in order
		this.loading = 0;         // span loads in flight
		this.followBtn = h('button', { class: 'btn small follow', hidden: true, onclick: () => this.resumeFollow() },
			'↓ follow');
		this.tree = h('div', { class: 'tree', role: 'region', 'aria-label': 'run trace' });
		this.scroller = h('div', { class: 'trace', tabindex: 0 },
			h('div', { class: 'tree-head', 'aria-hidden': 'true' },
				h('span', null, 'span'), h('span', null, 'tokens in/out'), h('span', null, 'cost'),
				h('span', null, 'time'), this.axis = h('span', { class: 'axis' }, h('span', { class: 'axis-end' }))),
			this.tree,
			this.emptyNote = h('p', { class: 'tree-empty' }, 'Waiting for the first trace row…'));
		this.scroller.addEventListener('scroll', () => {
			const atBottom = this.scroller.scrollTop + this.scroller.clientHeight >= this.scroller.scrollHeight - 12;
			if (atBottom !== this.follow) {
				this.follow = atBottom;
				this.followBtn.hidden = atBottom;
			}
			if (this.flat.length > WINDOW_ALL && !this.scrollFrame) {
				this.scrollFrame = requestAnimationFrame(() => {
					this.scrollFrame = 0;
					this.renderWindow();
				});
			}
		}, { passive: true });
		this.panel = h('aside', { class: 'span-detail', hidden: true, 'aria-label': 'row details' });
		this.cursor = null;       // the node the keyboard is on
		this.scroller.addEventListener('keydown', (e) => this.onKey(e));
		this.searchBox = h('input', { type: 'search', class: 'trace-search', placeholder: 'search the run  /',
			'aria-label': 'search the run', onkeydown: (e) => {
				if (e.key === 'Enter') this.search(this.searchBox.value);
				if (e.key === 'Escape') { // back to the tree, not off the page
					e.stopPropagation();
					this.scroller.focus();
				}
			} });
		this.artList = h('div', { class: 'artifacts' }, h('p', { class: 'muted' }, 'No artifacts yet.'));
		this.changes = new ChangesBox(this.key, this.runId, opts.draft);
		this.changes.onLoaded = () => this.renderResult();
		this.changesTimer = 0;
		this.resultBox = h('div', { class: 'result-box' });
		this.live = new LiveReply(); // the reply being written, above the tabs
		this.ended = null;        // the stream's `end` data {status, reason}
		this.artifacts = null;    // the artifact list, once loaded

		const panes = {
			trace: h('div', { class: 'pane', role: 'tabpanel', 'aria-label': 'trace' },
				h('div', { class: 'trace-tools' },
					this.searchBox,
					h('span', { class: 'spacer' }),
					h('label', { class: 'inline' }, 'show ', this.filterSel),
					h('label', { class: 'inline' }, 'level ', this.levelSel),
					h('button', { class: 'btn small', onclick: () => this.expandAll(true) }, 'expand all'),
					h('button', { class: 'btn small', onclick: () => this.expandAll(false) }, 'collapse all'),
					this.followBtn),
				h('div', { class: 'trace-body' }, this.scroller, this.panel)),
			changes: h('div', { class: 'pane', role: 'tabpanel', 'aria-label': 'changes' }, this.changes.el),
			artifacts: h('div', { class: 'pane', role: 'tabpanel', 'aria-label': 'artifacts' },
				h('section', { class: 'artifacts-box' }, this.artList)),
		};
		this.panes = panes;
		this.tabs = Object.fromEntries(Object.keys(panes).map((k) => [k, h('button', {
			class: 'tab', role: 'tab', type: 'button', dataset: { tab: k }, onclick: () => this.showTab(k),
		}, { trace: 'Trace', changes: 'Changes', artifacts: 'Artifacts' }[k])]));
		this.el = h('section', { class: 'run-view', 'aria-label': `run #${this.runId}` },
			h('div', { class: 'run-head' },
				h('h2', null, `Run #${this.runId}`),
				this.statusEl = h('span', { class: 'run-status' }),
				this.conn, h('span', { class: 'spacer' }), this.totals),
			this.resultBox,
			this.live.el,
			h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'run views' }, Object.values(this.tabs)),
			Object.values(panes));
		this.el.addEventListener('keydown', (e) => {
			if (e.key !== '/' || /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) return;
			e.preventDefault();
			this.searchBox.focus();
		});
		this.showTab('trace');
		this.applyLevel();
		this.renderTotals();
		this.tick = setInterval(() => this.clock(), 1000);
		this.loadArtifacts();
		this.changes.refresh();

		this.load();
	}

	// Loads the run: whole from the stream when it is small, else its
	// skeleton first, then the stream from the skeleton's last row.
	async load() {
		let page = await this.spansPage(0, SKELETON_FIRST);
		if (this.destroyed) return;
		const rows = page ? page.spans.reduce((n, sp) => n + 1 + (sp.endMs ? 1 : 0) + (Number(sp.events) || 0), 0) : 0;
		if (page && (page.next !== null || rows > SMALL_RUN)) {
			const m = this.model;
			m.base = Number(page.upto) || 0;
			m.lastSeq = Math.max(m.lastSeq, m.base);
			m.root.loaded = false; // the events outside any span
			m.addWaits(page.waits);
			this.el.dataset.skeleton = 'true';
			this.fileSpans(page.spans);
			while (page && page.next !== null) {
				page = await this.spansPage(page.next, SKELETON_PAGE);
				if (this.destroyed) return;
				if (page) this.fileSpans(page.spans);
			}
			this.openLatest();
			this.want(m.root);
		}
		this.stream = new Stream({
			urlFor: () => streams.run(this.key, this.runId, this.model.lastSeq),
			events: {
				trace: (ev) => this.enqueue(JSON.parse(ev.data)),
				delta: (ev) => this.live.add(parseMaybe(ev.data)),
				end: (ev) => this.finish(ev.data),
			},
			onState: (s) => this.setConn(s),
		}).open();
	}

	// One page of the skeleton (null when the server has no /spans: the
	// run then loads whole); a failed page is asked again after a backoff.
	async spansPage(after, limit) {
		for (let wait = 1000; !this.destroyed; wait = Math.min(wait * 2, 15000)) {
			try {
				const page = await api.spans(this.key, this.runId, after, this.model.base, limit);
				return page && Array.isArray(page.spans) ? page : null;
			} catch (e) {
				if (after === 0 && e.status >= 400 && e.status < 500) return null;
				this.setConn('reconnecting');
				await new Promise((r) => setTimeout(r, wait));
			}
		}
		return null;
	}

	fileSpans(list) {
		for (const sp of list) {
			const node = this.model.addSpan(sp);
			if (!node) continue;
			node.collapsed = node.type === 'turn';
			this.latest = node;
			this.place(node);
		}
		this.filed();
	}

	// Opens the newest span and the spans above it: where the run is.
	openLatest() {
		for (let n = this.latest; n && n.parent; n = n.parent) n.collapsed = false;
		this.flatDirty = true;
		this.filed();
	}

	// Asks for span's events (once; they load when a slot is free).
	want(span) {
		if (span.loaded || span.loading || span.queued || span.loadError) return;
		span.queued = true;
		this.loadQueue.push(span);
		this.pump();
	}

	// Starts the wanted loads, newest first (the window's now), passing
	// over spans closed since.
	pump() {
		while (this.loading < LOADS && this.loadQueue.length && !this.destroyed) {
			const span = this.loadQueue.pop();
			span.queued = false;
			if (span !== this.model.root && !this.isOpen(span)) continue;
			this.loading++;
			this.loadSpan(span).finally(() => {
				this.loading--;
				this.pump();
			});
		}
	}

	// Loads span's events (up to the skeleton's base; later ones came live)
	// and files them.  Resolves when they are in the tree.
	loadSpan(span) {
		if (span.loaded) return Promise.resolve();
		if (span.loading) return span.loading;
		span.loadError = '';
		span.loading = (async () => {
			if (span.el) this.paint(span);
			const rows = [];
			try {
				for (let since = 0; ;) {
					const page = await api.events(this.key, this.runId, span.spanId, since, this.model.base, EVENTS_PAGE);
					if (!Array.isArray(page) || !page.length) break;
					rows.push(...page);
					since = page[page.length - 1].seq;
					if (span !== this.model.root && rows.length >= span.events) break;
				}
			} catch (e) {
				span.loadError = e.message;
			}
			span.loading = null;
			if (this.destroyed) return;
			if (span.loadError) {
				if (span.el) this.paint(span);
				if (span === this.model.root) { // no row to reopen: tried again
					setTimeout(() => {
						span.loadError = '';
						if (!this.destroyed) this.want(span);
					}, 3000);
				}
				return;
			}
			const ch = this.model.loaded(span, rows);
			for (const n of ch.created) this.all.push(n);
			this.flatDirty = true;
			this.filed();
			for (const n of ch.touched) this.paint(n);
			if (span.el) this.paint(span);
		})();
		return span.loading;
	}

	showTab(name) {
		// The Changes tab shows the change as it is when it is opened: an
		// update missed while it was hidden (or while the stream was away)
		// does not stay on screen.
		if (name === 'changes' && this.tab !== undefined && this.tab !== name) this.changes.refresh();
		this.tab = name;
		for (const [k, pane] of Object.entries(this.panes)) {
			pane.hidden = k !== name;
			this.tabs[k].setAttribute('aria-selected', String(k === name));
		}
	}

	setConn(s) {
		const label = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…',
			ended: 'finished', closed: 'closed' }[s] || s;
		this.conn.dataset.state = s;
		this.conn.textContent = label;
	}

	// The run's status as the board knows it (until the stream's `end`).
	setRunStatus(status) {
		if (!status || (this.status && this.status !== 'ended')) return;
		replace(this.statusEl, pill(status));
	}

	finish(raw) {
		const d = parseMaybe(raw);
		this.status = (d && typeof d === 'object' ? d.status : d) || 'ended';
		this.ended = { status: this.status, reason: d && typeof d === 'object' ? String(d.reason || '') : '' };
		this.renderResult();
		this.stream.end();
		this.flush();
		this.live.clear();
		if (this.status !== 'ended') replace(this.statusEl, pill(this.status));
		for (const n of this.open) this.paintTime(n);
		this.open.clear();
		for (const n of this.shown) this.paint(n); // an unanswered question waits no more
		this.renderTotals();
		this.loadArtifacts();
		this.changes.refresh();
		if (this.opts.onEnd) this.opts.onEnd(this.status);
	}

	enqueue(row) {
		this.queue.push(row);
		// The first rows show at once; later ones in batches every 40 ms.
		if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), this.model.rows ? 40 : 0);
	}

	flush() {
		clearTimeout(this.flushTimer);
		this.flushTimer = 0;
		if (!this.queue.length) return;
		const rows = this.queue.length > FLUSH_MAX ? this.queue.splice(0, FLUSH_MAX) : this.queue;
		if (rows === this.queue) this.queue = [];
		else this.flushTimer = setTimeout(() => this.flush(), 0); // a replay: the rest next
		const dirty = new Set();
		let artifacts = false;
		for (const row of rows) {
			this.live.row(row);
			const ch = this.model.add(row);
			if (!ch) { // a duplicate: already shown
				this.el.dataset.dups = String(Number(this.el.dataset.dups || 0) + 1);
				continue;
			}
			if (ch.created) this.place(ch.node);
			else if (ch.node) dirty.add(ch.node);
			for (const n of ch.touched) dirty.add(n);
			if (row.type === 'artifact') artifacts = true;
			if (row.type === 'note' && ['commit', 'branch', 'worktree'].includes((parseMaybe(row.data) || {}).action)) {
				this.scheduleChanges(); // the change moved
			}
		}
		this.lastArrival = performance.now();
		this.filed();
		for (const n of dirty) this.paint(n);
		if (artifacts) this.scheduleArtifacts();
		if (this.opts.onModel) this.opts.onModel(this.model);
	}

	// Shows what was just filed: the tree's height, the window, the totals.
	filed() {
		this.el.dataset.rows = String(this.model.rows); // for bench/runview
		this.layoutAxis();
		this.renderWindow(); // the tree's new height first: a scroll past it is clamped
		if (this.follow) {
			this.scroller.scrollTop = this.flat.length * ROW_H;
			this.renderWindow();
		}
		this.renderTotals();
		if (!this.follow) this.followBtn.hidden = false;
	}

	// Files a new node in the visible list: pushed when it is the last in
	// tree order and everything above it is open, else the list is rebuilt.
	place(node) {
		this.all.push(node);
		if (node.span && !node.ended && !this.status) this.open.add(node);
		if (this.flatDirty) return;
		if (this.filterSel.value !== 'all') {
			this.flatDirty = true;
			return;
		}
		let last = true;
		for (let n = node; n.parent && last; n = n.parent) {
			if (n.parent.collapsed) return; // under a collapsed span: not shown
			last = n.parent.children[n.parent.children.length - 1] === n;
		}
		const tail = this.flat[this.flat.length - 1];
		if (!last || (tail && tail.seq > node.seq)) this.flatDirty = true;
		else if (node.span || node.level >= this.minLevel()) {
			node.fi = this.flat.length;
			this.flat.push(node);
		}
	}

	// Whether node's children are shown: an open span, or any span while
	// a filter picks rows from the whole run.
	isOpen(node) {
		return !node.collapsed || this.filterSel.value !== 'all';
	}

	// node's index in flat, or -1.
	indexOf(node) {
		return node && this.flat[node.fi] === node ? node.fi : -1;
	}

	minLevel() {
		return Number(this.levelSel.value) || 10;
	}

	// The visible nodes in tree order: one walk, skipping collapsed spans'
	// children, events under the level shown (a filter shows its rows at
	// any level) and what the filter leaves out (errors only and gates: the
	// spans with none inside, too).
	rebuildFlat() {
		const min = this.minLevel();
		const f = this.filterSel.value;
		const out = [];
		const stack = [...this.model.root.children].reverse();
		while (stack.length) {
			const n = stack.pop();
			if (n.span ? (f === 'errors' && !n.errors) || (f === 'gates' && !n.questions)
				: (f === 'all' && n.level < min) || !picks(f, n)) continue;
			n.fi = out.length;
			out.push(n);
			if (this.isOpen(n)) for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
		}
		this.flat = out;
		this.flatDirty = false;
	}

	// The node at the top of the scroller's window, and how far it is
	// scrolled past: kept in place when the list changes above it.
	anchor() {
		const top = this.scroller.scrollTop - this.tree.offsetTop;
		const i = Math.floor(top / ROW_H);
		return this.follow || i < 0 || i >= this.flat.length ? null : { node: this.flat[i], off: top - i * ROW_H };
	}

	// Puts the rows of the scroller's window in the DOM, at their places,
	// and takes the others out.
	renderWindow() {
		const a = this.flatDirty ? this.anchor() : null;
		if (this.flatDirty) this.rebuildFlat();
		const total = this.flat.length;
		this.tree.style.height = `${total * ROW_H}px`;
		if (a && this.indexOf(a.node) >= 0) this.scroller.scrollTop = this.tree.offsetTop + a.node.fi * ROW_H + a.off;
		let first = 0;
		let end = total;
		if (total > WINDOW_ALL) {
			const top = this.scroller.scrollTop - this.tree.offsetTop;
			first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
			end = Math.min(total, first + Math.ceil(this.scroller.clientHeight / ROW_H) + 2 * OVERSCAN);
		}
		const keep = new Set();
		for (let i = first; i < end; i++) {
			const node = this.flat[i];
			keep.add(node);
			this.wantAround(node);
			if (!node.el) this.mount(node);
			if (node.pos !== i) {
				node.pos = i;
				node.el.style.transform = `translateY(${i * ROW_H}px)`;
			}
		}
		for (const node of this.shown) {
			if (keep.has(node)) continue;
			node.el.remove();
			node.el = null;
			node.pos = -1;
		}
		this.shown = keep;
		// Rows, but none the level and filter show: say so, not a blank.
		const hidden = this.model.rows > 0 && !total;
		this.scroller.classList.toggle('has-rows', this.model.rows > 0 && !hidden);
		this.emptyNote.textContent = hidden ? 'No row at this level and filter: level debug or "all rows" shows the others.'
			: 'Waiting for the first trace row…';
	}

	// Asks for the events of node (an open span) and of the spans above
	// it: they file among its rows, in the window too.
	wantAround(node) {
		if (node.span && !node.loaded && this.isOpen(node)) this.want(node);
		for (let p = node.parent; p; p = p.parent) if (!p.loaded) this.want(p);
	}

	// Creates the element of a node coming into the window.
	mount(node) {
		const tog = node.span ? h('button', { class: 'tog', onclick: () => this.toggle(node) }) : h('span', { class: 'tog-space' });
		const label = h(hasDetail(node) ? 'button' : 'span', { class: 'label' });
		if (label.tagName === 'BUTTON') label.addEventListener('click', () => this.toggleDetail(node));
		const row = h('div', { class: 'row' },
			h('div', { class: 'c-name' }, tog, h('span', { class: `badge t-${node.type}` }, BADGE[node.type] || node.type),
				label, h('span', { class: 'flags' })),
			h('div', { class: 'c-tok' }), h('div', { class: 'c-cost' }), h('div', { class: 'c-time' }),
			h('div', { class: 'c-bar' }, h('span', { class: node.span || node.type === 'tool' ? 'bar' : 'tick' })));
		const el = h('div', { class: `node t-${node.type} l${node.level}`, dataset: { seq: String(node.seq),
			span: String(node.spanId) } }, row);
		el.style.setProperty('--depth', String(node.depth));
		node.el = el;
		node.pos = -1;
		this.tree.append(el);
		this.paint(node);
	}

	// Refreshes a node's summary, numbers, flags and bar (when it is in the
	// DOM), and the side panel when it shows the node.
	paint(node) {
		if (node.ended) this.open.delete(node);
		if (node === this.detailNode) this.renderDetail();
		const el = node.el;
		if (!el) return;
		const row = el.firstElementChild;
		const [name, tok, cost] = row.children;
		const label = name.querySelector('.label');
		label.textContent = summary(node);
		label.title = label.textContent;
		const flags = name.querySelector('.flags');
		replace(flags,
			node.errors ? h('span', { class: 'flag err', title: 'errors inside (failed tools, a failed workflow)' }, `⚠ ${node.errors}`) : null,
			node.rejects ? h('span', { class: 'flag rej', title: 'critic rejections inside' }, `✗ ${node.rejects}`) : null,
			node.type === 'question' && !node.answer && !this.status ? h('span', { class: 'flag gate' }, 'waiting') : null,
			node.interrupted ? h('span', { class: 'flag int', title: 'its process stopped here; the run resumed after' }, 'interrupted') : null,
			mcpFlag(node),
			node.loading ? h('span', { class: 'flag load' }, 'loading…') : null,
			node.loadError ? h('span', { class: 'flag err', title: node.loadError }, 'not loaded: close and open it to retry') : null);
		el.classList.toggle('error', !!node.error);
		el.classList.toggle('reject', !!node.reject);
		el.classList.toggle('accept', node.verdict === 'accept');
		el.classList.toggle('running', node.span && !node.ended && !this.status);
		const u = node.ownUsage || (node.span ? node.usage : null);
		tok.textContent = u && (u.in || u.out) ? `${fmt.tokens(u.in)} / ${fmt.tokens(u.out)}` : '';
		tok.title = u && (u.cached || u.written) ? `cache: ${fmt.tokens(u.cached)} read, ${fmt.tokens(u.written)} written` : '';
		cost.textContent = u && u.cost ? fmt.usdMicros(u.cost) : '';
		el.classList.toggle('collapsed', !!node.collapsed);
		const tog = name.querySelector('.tog');
		if (tog) {
			tog.setAttribute('aria-expanded', String(!node.collapsed));
			tog.setAttribute('aria-label', `${node.collapsed ? 'expand' : 'collapse'} ${fmt.clip(label.textContent, 60)}, row ${node.seq}`);
		}
		if (label.tagName === 'BUTTON') label.setAttribute('aria-expanded', String(node === this.detailNode));
		el.classList.toggle('selected', node === this.detailNode);
		el.classList.toggle('cursor', node === this.cursor);
		this.paintTime(node);
	}

	paintTime(node) {
		const el = node.el;
		if (!el) return;
		const time = el.firstElementChild.children[3];
		const t0 = this.model.t0;
		el.style.setProperty('--s', String(Math.max(0, node.tsMs - t0)));
		let w = 0;
		if (node.span) {
			w = node.ended ? node.ms : this.now() - node.tsMs;
			time.textContent = fmt.duration(w);
			time.classList.toggle('running', !node.ended && !this.status);
		} else if (node.type === 'tool' && node.result) {
			w = Math.max(0, (node.resultTs || node.tsMs) - node.tsMs);
			time.textContent = w ? fmt.duration(w) : '';
		} else {
			time.textContent = '';
			time.title = fmt.clock(node.tsMs);
		}
		el.style.setProperty('--w', String(Math.max(0, w)));
	}

	// The latest time of the run: the journal's, moved on by the wall clock
	// while rows still arrive (no dependence on the server's clock).
	now() {
		if (this.status || !this.lastArrival) return this.model.tMax;
		return this.model.tMax + Math.min(performance.now() - this.lastArrival, 3600e3);
	}

	// The axis: the run's length, and a band for each time it waited for
	// a person.
	layoutAxis() {
		const m = this.model;
		const now = this.now();
		const span = Math.max(1, now - m.t0);
		this.tree.style.setProperty('--t-span', String(span));
		const pct = (t) => `${Math.min(100, Math.max(0, ((t - m.t0) * 100) / span)).toFixed(3)}%`;
		replace(this.axis, [...m.waits.values()].map((w) => h('span', {
			class: 'wait-band', style: `left:${pct(w.from)};right:calc(100% - ${pct(w.to || now)})`,
			title: `waiting for a person: ${fmt.duration((w.to || now) - w.from)}`,
		})), h('span', { class: 'axis-end' }, m.rows ? fmt.duration(span) : ''));
	}

	clock() {
		if (this.status || !this.model.rows) return;
		for (const n of this.open) this.paintTime(n);
		this.layoutAxis();
		this.renderTotals();
	}

	renderTotals() {
		const u = this.model.usage;
		replace(this.totals,
			h('span', { class: 'stat', title: 'tokens in (prompt, cached included)' }, h('b', null, fmt.tokens(u.in)), ' in'),
			h('span', { class: 'stat' }, h('b', null, fmt.tokens(u.out)), ' out'),
			h('span', { class: 'stat', title: 'prompt cache: tokens read from it, tokens written to it, and the share of prompt tokens read from it' },
				'cache ', h('b', null, fmt.tokens(u.cached)), ' read · ', h('b', null, fmt.tokens(u.written)), ' written',
				u.in ? ` (${Math.floor((u.cached * 100) / u.in)}% hit)` : ''),
			h('span', { class: 'stat' }, h('b', null, fmt.usdMicros(u.cost)), demoPrices()),
			this.durationStat());
	}

	// The result card of a finished run (result.js).
	renderResult() {
		if (!this.ended || !RESULT_STATUSES.has(this.ended.status)) return;
		const m = this.model;
		const all = m.rows ? m.duration() : 0;
		const waited = Math.min(all, m.waited(this.now()));
		replace(this.resultBox, resultCard({
			...this.ended, working: all - waited, waited, costMicros: m.usage.cost, tokensIn: m.usage.in,
			tokensOut: m.usage.out, change: this.changes.last, artifacts: this.artifacts,
		}, {
			retry: () => this.opts.onRetry && this.opts.onRetry(),
			showErrors: () => {
				this.filterSel.value = 'errors';
				this.applyLevel();
				this.showTab('trace');
				this.scroller.focus();
			},
			showChanges: () => this.showTab('changes'),
			showArtifacts: () => this.showTab('artifacts'),
		}));
	}

	// The run's time: working, and apart the time it waited for a person.
	durationStat() {
		const m = this.model;
		if (!m.rows) return h('span', { class: 'stat', title: 'duration' }, h('b', null, '–'));
		const now = this.now();
		const all = this.status ? m.duration() : now - m.t0;
		const waited = Math.min(all, m.waited(now));
		return h('span', { class: 'stat', title: `duration ${fmt.duration(all)}` },
			h('b', null, fmt.duration(all - waited)), waited ? ' working · ' : '',
			waited ? [h('b', { class: 'waited' }, fmt.duration(waited)), ' waiting for a person'] : null);
	}

	toggle(node, force) {
		node.collapsed = force === undefined ? !node.collapsed : !force;
		if (!node.collapsed) node.loadError = ''; // opened again: try again
		this.flatDirty = true;
		this.renderWindow();
		if (node.el) this.paint(node);
	}

	expandAll(open) {
		for (const node of this.all) {
			if (!node.span || node.type === 'workflow') continue;
			node.collapsed = !open;
			if (open) node.loadError = '';
			if (node.el) this.paint(node);
		}
		this.flatDirty = true;
		this.renderWindow();
	}

	// Shows node's details in the side panel (again: closes it).
	toggleDetail(node) {
		const was = this.detailNode;
		this.detailNode = was === node ? null : node;
		if (was && was.el) this.paint(was);
		if (this.detailNode && this.detailNode.el) this.paint(this.detailNode);
		this.renderDetail();
	}

	renderDetail() {
		const node = this.detailNode;
		this.panel.hidden = !node;
		if (!node) return;
		replace(this.panel,
			h('header', null, h('span', { class: `badge t-${node.type}` }, BADGE[node.type] || node.type),
				h('span', { class: 'span-detail-title' }, summary(node)),
				h('button', { class: 'btn small', title: 'copy the row as JSON', onclick: () => copy(node) }, 'copy'),
				h('button', { class: 'btn small', 'aria-label': 'close the details', onclick: () => this.toggleDetail(node) }, '×')),
			h('div', { class: 'det' }, detail(node)));
	}

	// ---------------------------------------------------------- search

	async search(text) {
		const q = text.trim();
		if (!q) return;
		let hits;
		try {
			hits = await api.search(this.key, this.runId, q);
		} catch (e) {
			hits = e;
		}
		if (this.destroyed) return;
		this.detailNode = null;
		this.panel.hidden = false;
		const list = Array.isArray(hits) ? hits.filter((r) => r.type !== 'end') : [];
		replace(this.panel,
			h('header', null, h('span', { class: 'span-detail-title' },
				hits instanceof Error ? `Search failed: ${hits.message}`
					: `${list.length}${list.length >= 100 ? '+' : ''} row${list.length === 1 ? '' : 's'} with “${q}”`),
			h('button', { class: 'btn small', 'aria-label': 'close the search', onclick: () => { this.panel.hidden = true; } }, '×')),
			h('ol', { class: 'hits' }, list.map((r) => h('li', null, h('button', { class: 'hit', onclick: () => this.reveal(r.seq, r) },
				h('span', { class: `badge t-${r.type}` }, BADGE[r.type] || r.type),
				h('span', null, summary({ type: r.type, data: r.data && typeof r.data === 'object' ? r.data : {} })))))));
	}

	// Opens the spans above the row of seq (a hit of the search: loading
	// its span's events first when they are not here), scrolls to it, puts
	// the cursor on it and shows its details.
	async reveal(seq, hit) {
		const m = this.model;
		if (!m.bySeq.has(Number(seq)) && hit) {
			const span = SPAN_TYPES.has(hit.type) ? null : m.nodes.get(hit.parentId) || m.root;
			if (span) await this.loadSpan(span);
		}
		const node = m.bySeq.get(Number(seq));
		if (!node || this.destroyed) return;
		for (let p = node.parent; p; p = p.parent) p.collapsed = false;
		if (!node.span && node.level < this.minLevel()) this.levelSel.value = '10';
		if (!node.span && !picks(this.filterSel.value, node)) this.filterSel.value = 'all';
		this.flatDirty = true;
		this.renderWindow();
		this.moveCursor(node);
		this.detailNode = null;
		this.toggleDetail(node);
	}

	// ---------------------------------------------------------- keyboard

	// Puts the keyboard's cursor on node (in flat) and scrolls it into view.
	moveCursor(node) {
		const was = this.cursor;
		this.cursor = node;
		if (was && was.el) this.paint(was);
		const i = this.indexOf(node);
		if (i < 0) return;
		const top = this.tree.offsetTop + i * ROW_H;
		if (top < this.scroller.scrollTop + this.tree.offsetTop || top + ROW_H > this.scroller.scrollTop + this.scroller.clientHeight) {
			this.scroller.scrollTop = Math.max(0, top - this.scroller.clientHeight / 3);
			this.follow = false;
		}
		this.renderWindow();
		if (node.el) this.paint(node);
	}

	onKey(e) {
		if (e.target !== this.scroller || e.altKey || e.ctrlKey || e.metaKey) return;
		const flat = this.flat;
		if (!flat.length) return;
		const at = this.indexOf(this.cursor);
		const node = at >= 0 ? flat[at] : null;
		let handled = true;
		switch (e.key) {
		case 'ArrowDown': this.moveCursor(flat[Math.min(flat.length - 1, at + 1)]); break;
		case 'ArrowUp': this.moveCursor(flat[Math.max(0, at - 1)]); break;
		case 'Home': this.moveCursor(flat[0]); break;
		case 'End': this.moveCursor(flat[flat.length - 1]); break;
		case 'ArrowRight':
			if (node && node.span && node.collapsed) this.toggle(node, true);
			else if (node && node.span && flat[at + 1]) this.moveCursor(flat[at + 1]);
			break;
		case 'ArrowLeft':
			if (node && node.span && !node.collapsed) this.toggle(node, false);
			else if (node && this.indexOf(node.parent) >= 0) this.moveCursor(node.parent);
			break;
		case 'Enter': if (node && hasDetail(node)) this.toggleDetail(node); break;
		default: handled = false;
		}
		if (handled) e.preventDefault();
	}

	resumeFollow() {
		this.follow = true;
		this.followBtn.hidden = true;
		this.renderWindow();
		this.scroller.scrollTop = this.flat.length * ROW_H;
		this.renderWindow();
	}

	applyLevel() {
		localStorage.setItem('claw.level', this.levelSel.value);
		this.flatDirty = true;
		this.renderWindow();
	}

	scheduleChanges() {
		clearTimeout(this.changesTimer);
		this.changesTimer = setTimeout(() => { if (!this.destroyed) this.changes.refresh(); }, 400);
	}

	scheduleArtifacts() {
		clearTimeout(this.artTimer);
		this.artTimer = setTimeout(() => this.loadArtifacts(), 400);
	}

	async loadArtifacts() {
		let list;
		try {
			list = await api.artifacts(this.key, this.runId);
		} catch {
			list = null;
		}
		if (!Array.isArray(list)) list = this.traceArtifacts();
		if (this.destroyed) return;
		this.artifacts = list;
		renderArtifacts(this.artList, list, (n) => this.artifactBody(n));
		this.renderResult();
	}

	// Artifact rows of the trace, newest per n: the fallback when the route fails.
	traceArtifacts() {
		const by = new Map();
		for (const node of this.all) {
			if (node.type !== 'artifact') continue;
			const d = node.data;
			by.set(d.n, { n: d.n, label: d.label, kind: d.kind, step: d.step, source: d.source, note: d.note,
				size: typeof d.value === 'string' ? d.value.length : 0, body: d.value });
		}
		return [...by.values()].sort((a, b) => a.n - b.n);
	}

	async artifactBody(meta) {
		if (typeof meta.body === 'string') return meta;
		return { ...meta, ...(await api.artifact(this.key, this.runId, meta.n)) };
	}

	destroy() {
		this.destroyed = true;
		this.changes.destroy();
		this.stream?.close();
		clearInterval(this.tick);
		clearTimeout(this.flushTimer);
		cancelAnimationFrame(this.scrollFrame);
		clearTimeout(this.artTimer);
		this.live.destroy();
	}
}

// Puts a row on the clipboard as the JSON it came in.
function copy(node) {
	const row = { seq: node.seq, type: node.type, tsMs: node.tsMs, data: node.data };
	if (node.result) row.result = node.result;
	navigator.clipboard?.writeText(JSON.stringify(row, null, 2)).catch(() => {});
}

// Whether filter f (FILTERS) shows event node.
function picks(f, node) {
	switch (f) {
	case 'all': return true;
	case 'errors': return !!node.error;
	case 'gates': return node.type === 'question' || node.type === 'answer';
	case 'tool': return node.type === 'tool' || node.type === 'tool-result';
	default: return node.type === f;
	}
}

function hasDetail(node) {
	return !['workflow', 'step', 'ai', 'turn'].includes(node.type);
}

function str(v) {
	if (v === undefined || v === null) return '';
	return typeof v === 'string' ? v : JSON.stringify(v);
}

// A tool call's input in one line: the argument that matters most.
function toolArg(name, input) {
	const i = parseMaybe(input);
	if (!i || typeof i !== 'object') return str(i);
	if (name === 'bash' && i.command) return `$ ${i.command}`;
	if (name === 'verdict') return `${i.decision || ''}${i.rubric_item ? ` · ${i.rubric_item}` : ''}${i.reason ? ` — ${i.reason}` : ''}`;
	if (name === 'artifact') return `${i.label || ''}${i.command ? ` $ ${i.command}` : ''}`;
	if (i.path !== undefined) return String(i.path);
	if (i.label !== undefined) return String(i.label);
	return JSON.stringify(i);
}

// The chip of a call to an MCP tool: which server it went to.
function mcpFlag(node) {
	const m = (node.type === 'tool' || node.type === 'tool-result') && node.data ? fmt.mcpTool(node.data.name) : null;
	return m ? h('span', { class: 'flag mcp', title: `a tool of the MCP server ${m.server} (${node.data.name})` }, `MCP ${m.server}`) : null;
}

export function summary(node) {
	const d = node.data || {};
	switch (node.type) {
	case 'workflow': case 'step': return String(d.name ?? '');
	case 'ai': return `${d.role ?? ''}${d.model ? ` (${d.model})` : ''}`;
	case 'turn': return `#${d.number ?? ''}${d.purpose === 'compact' ? ' · compacting the conversation' : ''}`;
	case 'prompt': {
		const tools = Array.isArray(d.tools) ? d.tools.length : 0;
		return `${fmt.clip(d.text, 90)}  · ${str(d.text).length} chars${tools ? ` · ${tools} tools` : ''}`;
	}
	case 'reply': {
		const calls = Array.isArray(d.tool_calls) ? d.tool_calls.map((c) => fmt.toolName(c.name)).join(', ') : '';
		const text = fmt.clip(d.text, 140);
		return `${text || (calls ? '' : d.thinking ? '(thinking only)' : '(empty)')}${calls ? `${text ? '  ' : ''}→ ${calls}` : ''}`;
	}
	case 'tool': {
		let s = `${fmt.toolName(d.name)} ${fmt.clip(toolArg(d.name, d.input), 120)}`;
		if (node.result) s += `  ⇒ ${node.result.is_error ? '[error] ' : ''}${fmt.clip(node.result.text, 80)}`;
		return s;
	}
	case 'tool-result': return `${fmt.toolName(d.name)} ⇒ ${d.is_error ? '[error] ' : ''}${fmt.clip(d.text, 120)}`;
	case 'artifact': return `${d.label ?? ''} (${d.kind ?? ''})${d.note ? ` — ${fmt.clip(d.note, 80)}` : ''}`;
	case 'handoff': return fmt.clip(d.text, 160);
	case 'question': return `${d.kind ?? 'question'}: ${fmt.clip(d.prompt, 140)}${node.answer ? `  ⇒ ${node.answer.decision || fmt.clip(node.answer.text, 40)}` : ''}`;
	case 'answer': return `${d.decision || 'answer'}${d.text ? `: ${fmt.clip(d.text, 100)}` : ''}${d.by ? ` — by ${d.by}` : ''}`;
	case 'message': return `${fmt.clip(d.text, 140)}${d.by ? ` — from ${d.by}` : ''}`;
	case 'back': return `${d.from ?? ''} → ${d.to ?? ''}${d.reason ? `: ${fmt.clip(d.reason, 120)}` : ''}`;
	case 'retry': {
		const err = str(d.error);
		const what = /429|rate|limit/i.test(err) ? 'rate-limited' : 'backend error';
		return `${what}, retrying in ${Math.max(0, Math.round((Number(d.wait_ms) || 0) / 100) / 10)} s` +
			`${d.attempt ? ` (attempt ${d.attempt})` : ''}${err ? ` — ${fmt.clip(err, 80)}` : ''}`;
	}
	case 'note':
		if (d.action === 'mcp') return fmt.clip(d.message, 160); // "MCP server S started: ..."
		if (d.action === 'compact') return `compact: ${fmt.tokens(Number(d.tokens_before) || 0)} → ${fmt.tokens(Number(d.tokens_after) || 0)} tokens (summary + last 2 turns)`;
		return `${d.action ? `${d.action}: ` : ''}${d.name ? `${d.name} — ` : ''}${fmt.clip(d.message, 140)}`;
	default: return fmt.clip(str(d), 140);
	}
}

function pre(text, cls) {
	return h('pre', { class: cls || '' }, text);
}

function pretty(v) {
	const p = parseMaybe(v);
	return typeof p === 'string' ? p : JSON.stringify(p, null, 2);
}

// The expanded body of an event row.
function detail(node) {
	const d = node.data || {};
	const kv = (k, v) => h('div', { class: 'kv' }, h('span', null, k), v);
	switch (node.type) {
	case 'prompt':
		return [Array.isArray(d.tools) && d.tools.length ? kv('tools', d.tools.join(', ')) : null, pre(str(d.text))];
	case 'reply': {
		const u = node.ownUsage || {};
		return [kv('usage', `${u.in} in · ${u.out} out · cache ${u.cached} read, ${u.written} written · ${fmt.usdMicros(u.cost)}` +
			`${d.usage && d.usage.cost_source ? ` (${d.usage.cost_source})` : ''}`),
		d.ttft_ms ? kv('first token', fmt.duration(Number(d.ttft_ms))) : null,
		// The model's thinking (SPEC 11), folded: the answer comes first to the eye.
		d.thinking ? h('details', { class: 'thinking' },
			h('summary', null, `thinking · ${fmt.tokens(Math.ceil(str(d.thinking).length / 4))} tokens`),
			pre(str(d.thinking))) : null,
		d.text ? pre(str(d.text)) : null,
		...(Array.isArray(d.tool_calls) ? d.tool_calls.map((c) => [kv('call', c.name), pre(pretty(c.input))]) : [])];
	}
	case 'tool':
		return [fmt.mcpTool(d.name) ? kv('MCP server', `${fmt.mcpTool(d.name).server} — tool ${fmt.mcpTool(d.name).tool}`) : null,
			kv('input', ''), pre(pretty(d.input)),
			node.result ? [kv(node.result.is_error ? 'error' : 'result', ''),
				pre(str(node.result.text), node.result.is_error ? 'err' : '')] : h('p', { class: 'muted' }, 'no result yet')];
	case 'tool-result': return pre(str(d.text), d.is_error ? 'err' : '');
	case 'artifact':
		return [d.step ? kv('step', d.step) : null, d.source ? kv('source', str(d.source)) : null,
			d.note ? kv('note', str(d.note)) : null, pre(str(d.value))];
	case 'question':
		return [pre(str(d.prompt)), d.payload && d.payload !== 'null' ? pre(pretty(d.payload)) : null,
			node.answer ? kv('answer', `${node.answer.decision || ''} ${str(node.answer.text)} — by ${node.answer.by || '?'}`) : null];
	case 'back': return pre(str(d.reason));
	case 'retry': return pre(JSON.stringify(d, null, 2));
	case 'answer': case 'handoff': case 'message': return pre(str(d.text));
	case 'note': // an interrupted-call note names the call; a compaction its tokens
		return [pre(str(d.message)), d.name ? [kv('call', d.name), pre(pretty(d.input))] : null,
			d.action === 'compact' ? [kv('before', `${d.tokens_before} tokens`), kv('after', `${d.tokens_after} tokens`)] : null];
	default: return pre(JSON.stringify(d, null, 2));
	}
}

function renderArtifacts(box, list, fetchBody) {
	if (!list.length) {
		replace(box, h('p', { class: 'muted' }, 'No artifacts yet.'));
		return;
	}
	const open = new Set([...box.querySelectorAll('details[open]')].map((d) => d.dataset.n));
	const groups = new Map();
	for (const a of list) {
		const step = a.step || '(run)';
		if (!groups.has(step)) groups.set(step, []);
		groups.get(step).push(a);
	}
	const out = [];
	for (const [step, arts] of groups) {
		out.push(h('div', { class: 'art-step' }, h('h4', null, step), arts.map((a) => {
			const body = h('div', { class: 'art-body' });
			const det = h('details', { class: `art k-${a.kind}`, dataset: { n: String(a.n) } },
				h('summary', null, h('span', { class: `badge t-artifact` }, a.kind || 'artifact'),
					h('span', { class: 'art-label' }, a.label || `#${a.n}`),
					a.size ? h('span', { class: 'muted' }, `${fmt.tokens(a.size)} B`) : null,
					a.note ? h('span', { class: 'art-note' }, fmt.clip(a.note, 100)) : null),
				body);
			let loaded = false;
			det.addEventListener('toggle', async () => {
				if (!det.open || loaded) return;
				loaded = true;
				replace(body, h('p', { class: 'muted' }, 'loading…'));
				try {
					const full = await fetchBody(a);
					replace(body,
						full.source ? h('div', { class: 'kv' }, h('span', null, a.kind === 'evidence' ? 'command' : 'source'),
							h('code', null, str(full.source))) : null,
						full.note ? h('div', { class: 'kv' }, h('span', null, 'note'), str(full.note)) : null,
						pre(pretty(full.body ?? full.value ?? '')));
				} catch (e) {
					loaded = false;
					replace(body, h('p', { class: 'form-error' }, e.message));
				}
			});
			if (open.has(String(a.n))) det.open = true;
			return det;
		})));
	}
	replace(box, out);
}
