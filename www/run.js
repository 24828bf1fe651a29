// run — one run, live: totals, and three tabs: the trace waterfall, its
// change (changes.js) and the artifacts.
//
// RunView owns the tab's only run EventSource.  Rows are queued as they
// arrive and filed into a TraceModel in small batches.  The tree on screen
// is a flat list (`flat`: the visible nodes in tree order, skipping
// collapsed spans and rows under the level shown) of fixed-height rows
// placed by transform; only the rows in the scroller's window (and
// OVERSCAN more each side) are in the DOM, so a run of 100 000 rows costs
// what a screenful does (issue 17).  A node that arrives last in tree order
// (the common case: a trace is written depth first) is pushed on the list;
// anything else, and a collapse, expand or level change, rebuilds it in one
// walk.  Up to WINDOW_ALL visible rows are all kept in the DOM.  A row's
// details open in the side panel, not inline (rows keep one height).  The
// waterfall's time axis is a pair of CSS custom properties on the tree
// (--t-span) and on each row (--s start, --w width, in ms since the first
// row).
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
import { h, replace, pill } from './dom.js';
import { ChangesBox } from './changes.js';
import { Stream } from './stream.js';
import { TraceModel, parseMaybe } from './trace.js';
import * as fmt from './format.js';

const LEVELS = [['10', 'debug'], ['20', 'info'], ['30', 'notice']];
const ROW_H = 22;        // px: a row's height, border included (style.css .tree .row)
const OVERSCAN = 30;     // rows kept in the DOM above and below the window
const WINDOW_ALL = 3000; // up to this many visible rows, all are in the DOM
const FLUSH_MAX = 3000;  // rows filed in one task; the rest in the next (short tasks)
const BADGE = {
	workflow: 'wf', step: 'step', ai: 'ai', turn: 'turn', prompt: 'prompt', reply: 'reply',
	tool: 'tool', 'tool-result': 'result', artifact: 'artifact', handoff: 'handoff',
	question: 'gate', answer: 'answer', back: 'back', retry: 'retry', note: 'note',
};

export class RunView {
	// opts: {key, runId, runN, draft (changes.js ReviewDraft), onModel(model), onEnd(status)}
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
		this.levelSel.value = localStorage.getItem('claw.level') || '10';
		this.followBtn = h('button', { class: 'btn small follow', hidden: true, onclick: () => this.resumeFollow() },
			'↓ follow');
		this.tree = h('div', { class: 'tree', 'aria-label': 'run trace' });
		this.scroller = h('div', { class: 'trace', tabindex: 0 },
			h('div', { class: 'tree-head', 'aria-hidden': 'true' },
				h('span', null, 'span'), h('span', null, 'tokens in/out'), h('span', null, 'cost'),
				h('span', null, 'time'), h('span', { class: 'axis' }, h('span', { class: 'axis-end' }))),
			this.tree,
			h('p', { class: 'tree-empty' }, 'Waiting for the first trace row…'));
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
		this.changesTimer = 0;

		const panes = {
			trace: h('div', { class: 'pane', role: 'tabpanel', 'aria-label': 'trace' },
				h('div', { class: 'trace-tools' },
					this.searchBox,
					h('span', { class: 'spacer' }),
					h('label', { class: 'inline' }, 'show ', this.levelSel),
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
		this.el = h('section', { class: 'run-view', 'aria-label': `run ${opts.runN ?? ''}` },
			h('div', { class: 'run-head' },
				h('h2', null, `Run ${opts.runN ?? ''}`, h('span', { class: 'run-id' }, ` id ${this.runId}`)),
				this.statusEl = h('span', { class: 'run-status' }),
				this.conn, h('span', { class: 'spacer' }), this.totals),
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

		this.stream = new Stream({
			urlFor: () => streams.run(this.key, this.runId, this.model.lastSeq),
			events: {
				trace: (ev) => this.enqueue(JSON.parse(ev.data)),
				end: (ev) => this.finish(ev.data),
			},
			onState: (s) => this.setConn(s),
		}).open();
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
		this.stream.end();
		this.flush();
		if (this.status !== 'ended') replace(this.statusEl, pill(this.status));
		for (const n of this.open) this.paintTime(n);
		this.open.clear();
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
		this.el.dataset.rows = String(this.model.rows); // for bench/runview
		this.scroller.classList.toggle('has-rows', this.model.rows > 0);
		this.layoutAxis();
		this.renderWindow(); // the tree's new height first: a scroll past it is clamped
		if (this.follow) {
			this.scroller.scrollTop = this.flat.length * ROW_H;
			this.renderWindow();
		}
		for (const n of dirty) this.paint(n);
		this.renderTotals();
		if (artifacts) this.scheduleArtifacts();
		if (!this.follow) this.followBtn.hidden = false;
		if (this.opts.onModel) this.opts.onModel(this.model);
	}

	// Files a new node in the visible list: pushed when it is the last in
	// tree order and everything above it is open, else the list is rebuilt.
	place(node) {
		this.all.push(node);
		if (node.span && !node.ended && !this.status) this.open.add(node);
		if (this.flatDirty) return;
		let last = true;
		for (let n = node; n.parent && last; n = n.parent) {
			if (n.parent.collapsed) return; // under a collapsed span: not shown
			last = n.parent.children[n.parent.children.length - 1] === n;
		}
		const tail = this.flat[this.flat.length - 1];
		if (!last || (tail && tail.seq > node.seq)) this.flatDirty = true;
		else if (node.level >= this.minLevel()) this.flat.push(node);
	}

	minLevel() {
		return Number(this.levelSel.value) || 10;
	}

	// The visible nodes in tree order: one walk, skipping collapsed spans'
	// children and the rows under the level shown (their children stay).
	rebuildFlat() {
		const min = this.minLevel();
		const out = [];
		const stack = [...this.model.root.children].reverse();
		while (stack.length) {
			const n = stack.pop();
			if (n.level >= min) out.push(n);
			if (!n.collapsed) for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
		}
		this.flat = out;
		this.flatDirty = false;
	}

	// Puts the rows of the scroller's window in the DOM, at their places,
	// and takes the others out.
	renderWindow() {
		if (this.flatDirty) this.rebuildFlat();
		const total = this.flat.length;
		this.tree.style.height = `${total * ROW_H}px`;
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
			node.errors ? h('span', { class: 'flag err', title: 'tool errors inside' }, `⚠ ${node.errors}`) : null,
			node.rejects ? h('span', { class: 'flag rej', title: 'critic rejections inside' }, `✗ ${node.rejects}`) : null,
			node.type === 'question' && !node.answer ? h('span', { class: 'flag gate' }, 'waiting') : null,
			node.interrupted ? h('span', { class: 'flag int', title: 'its process stopped here; the run resumed after' }, 'interrupted') : null);
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
			tog.setAttribute('aria-label', node.collapsed ? 'expand' : 'collapse');
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

	layoutAxis() {
		const span = Math.max(1, this.now() - this.model.t0);
		this.tree.style.setProperty('--t-span', String(span));
		const end = this.scroller.querySelector('.axis-end');
		end.textContent = this.model.rows ? fmt.duration(span) : '';
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
			h('span', { class: 'stat' }, h('b', null, fmt.usdMicros(u.cost))),
			h('span', { class: 'stat', title: 'duration' }, h('b', null, this.model.rows ?
				fmt.duration(this.status ? this.model.duration() : this.now() - this.model.t0) : '–')));
	}

	toggle(node, force) {
		node.collapsed = force === undefined ? !node.collapsed : !force;
		this.flatDirty = true;
		this.renderWindow();
		if (node.el) this.paint(node);
	}

	expandAll(open) {
		for (const node of this.all) {
			if (!node.span || node.type === 'workflow') continue;
			node.collapsed = !open;
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
			h('ol', { class: 'hits' }, list.map((r) => h('li', null, h('button', { class: 'hit', onclick: () => this.reveal(r.seq) },
				h('span', { class: `badge t-${r.type}` }, BADGE[r.type] || r.type),
				h('span', null, summary({ type: r.type, data: r.data && typeof r.data === 'object' ? r.data : {} })))))));
	}

	// Opens the spans above the row of seq, scrolls to it, puts the cursor
	// on it and shows its details.
	reveal(seq) {
		const node = this.model.bySeq.get(Number(seq));
		if (!node) return;
		for (let p = node.parent; p; p = p.parent) p.collapsed = false;
		if (node.level < this.minLevel()) this.levelSel.value = '10';
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
		const i = this.flat.indexOf(node);
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
		const at = this.cursor ? flat.indexOf(this.cursor) : -1;
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
			else if (node && node.parent && flat.includes(node.parent)) this.moveCursor(node.parent);
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
		renderArtifacts(this.artList, list, (n) => this.artifactBody(n));
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
		this.stream.close();
		clearInterval(this.tick);
		clearTimeout(this.flushTimer);
		cancelAnimationFrame(this.scrollFrame);
		clearTimeout(this.artTimer);
	}
}

// Puts a row on the clipboard as the JSON it came in.
function copy(node) {
	const row = { seq: node.seq, type: node.type, tsMs: node.tsMs, data: node.data };
	if (node.result) row.result = node.result;
	navigator.clipboard?.writeText(JSON.stringify(row, null, 2)).catch(() => {});
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
		const calls = Array.isArray(d.tool_calls) ? d.tool_calls.map((c) => c.name).join(', ') : '';
		const text = fmt.clip(d.text, 140);
		return `${text || (calls ? '' : '(empty)')}${calls ? `${text ? '  ' : ''}→ ${calls}` : ''}`;
	}
	case 'tool': {
		let s = `${d.name} ${fmt.clip(toolArg(d.name, d.input), 120)}`;
		if (node.result) s += `  ⇒ ${node.result.is_error ? '[error] ' : ''}${fmt.clip(node.result.text, 80)}`;
		return s;
	}
	case 'tool-result': return `${d.name} ⇒ ${d.is_error ? '[error] ' : ''}${fmt.clip(d.text, 120)}`;
	case 'artifact': return `${d.label ?? ''} (${d.kind ?? ''})${d.note ? ` — ${fmt.clip(d.note, 80)}` : ''}`;
	case 'handoff': return fmt.clip(d.text, 160);
	case 'question': return `${d.kind ?? 'question'}: ${fmt.clip(d.prompt, 140)}${node.answer ? `  ⇒ ${node.answer.decision || fmt.clip(node.answer.text, 40)}` : ''}`;
	case 'answer': return `${d.decision || 'answer'}${d.text ? `: ${fmt.clip(d.text, 100)}` : ''}${d.by ? ` — by ${d.by}` : ''}`;
	case 'back': return `${d.from ?? ''} → ${d.to ?? ''}${d.reason ? `: ${fmt.clip(d.reason, 120)}` : ''}`;
	case 'retry': {
		const err = str(d.error);
		const what = /429|rate|limit/i.test(err) ? 'rate-limited' : 'backend error';
		return `${what}, retrying in ${Math.max(0, Math.round((Number(d.wait_ms) || 0) / 100) / 10)} s` +
			`${d.attempt ? ` (attempt ${d.attempt})` : ''}${err ? ` — ${fmt.clip(err, 80)}` : ''}`;
	}
	case 'note':
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
		d.text ? pre(str(d.text)) : null,
		...(Array.isArray(d.tool_calls) ? d.tool_calls.map((c) => [kv('call', c.name), pre(pretty(c.input))]) : [])];
	}
	case 'tool':
		return [kv('input', ''), pre(pretty(d.input)),
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
	case 'answer': case 'handoff': return pre(str(d.text));
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
