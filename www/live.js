// live — the model's reply as it is written (SPEC 11 `delta` events).
//
// The run stream carries, besides its rows, `delta` events without an id:
// {spanId (the turn), kind (text | thinking | tool_input), attempt, index
// (the reply's block), at (where text starts in the block, in UTF-8 bytes),
// name (a tool's), text}.  They are not stored: the `reply` row that follows
// is the record, and when it (or the turn's exit, or the run's end) arrives
// the live text goes, for good: a delta of a finished turn that a catch-up
// delivers late is ignored.  A retry (a new attempt) starts the text over.
// A delta the server shed for a page that fell behind leaves a gap, shown
// as " … ".
//
// LiveReply is a small box above the run's tabs: the turn being written, its
// text growing, its thinking folded and muted, a tool call's input as it
// forms, and a running estimate of the tokens (4 bytes each).  It
// repaints at most once a frame.

import { h, replace } from './dom.js';
import * as fmt from './format.js';

const utf8 = new TextEncoder();
const FINISHED_KEEP = 64; // finished turns remembered (late deltas ignored)

export class LiveReply {
	constructor() {
		this.turn = null; // {spanId, attempt, blocks: Map(key → {kind, name, text, at, el}), head}
		this.finished = new Set(); // turns whose reply or exit came
		this.frame = 0;
		this.el = h('section', { class: 'live-reply', hidden: true, 'aria-label': 'the reply being written' });
	}

	// One delta event's data (parsed).
	add(d) {
		if (!d || typeof d.text !== 'string' || typeof d.spanId !== 'number' || this.finished.has(d.spanId)) return;
		const t = this.turn;
		if (!t || t.spanId !== d.spanId || t.attempt !== d.attempt) {
			this.turn = { spanId: d.spanId, attempt: d.attempt, blocks: new Map() };
		}
		const blocks = this.turn.blocks;
		const key = `${d.kind}:${d.index}`;
		let b = blocks.get(key);
		if (!b) blocks.set(key, b = { kind: d.kind, name: d.name || '', text: '', at: 0 });
		const at = Number(d.at) || 0;
		if (at < b.at) return; // never sent twice; ignore rather than repeat
		b.text += at > b.at ? ` … ${d.text}` : d.text; // a gap: shed while the page was behind
		b.at = at + utf8.encode(d.text).length;
		this.schedule();
	}

	// A row of the trace: the turn's reply (or its end) replaces the live text.
	row(r) {
		const span = r.type === 'reply' ? r.parentId : r.type === 'end' || r.phase === 'exit' ? r.spanId : 0;
		if (!span) return;
		this.finished.add(span);
		if (this.finished.size > FINISHED_KEEP) this.finished.delete(this.finished.values().next().value);
		if (this.turn && this.turn.spanId === span) this.clear();
	}

	clear() {
		this.turn = null;
		this.schedule();
	}

	schedule() {
		if (!this.frame) this.frame = requestAnimationFrame(() => { this.frame = 0; this.render(); });
	}

	// Elements are made once per turn and block; a frame only sets their
	// text, so a reader's open thinking, scroll and selection stay.  The
	// text follows its end while the reader is there.
	render() {
		const t = this.turn;
		this.el.hidden = !t;
		if (!t) {
			replace(this.el);
			return;
		}
		if (!t.head) {
			t.status = h('span', null, t.attempt > 1 ? `writing (attempt ${t.attempt})…` : 'writing…');
			t.count = h('span', { class: 'live-count muted' });
			t.head = h('div', { class: 'live-head' }, h('span', { class: 'badge t-turn' }, 'turn'),
				h('span', { class: 'live-dot', 'aria-hidden': 'true' }), t.status,
				h('span', { class: 'spacer' }), t.count);
			replace(this.el, t.head);
		}
		let bytes = 0;
		for (const b of t.blocks.values()) {
			bytes += b.at;
			if (!b.el) this.el.append(this.mount(b));
			if (b.kind === 'thinking') b.label.textContent = `thinking · ${fmt.tokens(Math.ceil(b.at / 4))} tokens`;
			const text = b.kind === 'tool_input' && b.text.length > 400 ? `…${b.text.slice(-400)}` : b.text;
			if (b.body.textContent === text) continue;
			const atEnd = b.body.scrollTop + b.body.clientHeight >= b.body.scrollHeight - 4;
			b.body.textContent = text;
			if (atEnd) b.body.scrollTop = b.body.scrollHeight;
		}
		t.count.textContent = `~${fmt.tokens(Math.ceil(bytes / 4))} tokens`;
	}

	// A block's element: thinking folded, a tool's input, or the text.
	mount(b) {
		if (b.kind === 'thinking') {
			b.el = h('details', { class: 'live-thinking' }, b.label = h('summary'), b.body = h('pre'));
		} else if (b.kind === 'tool_input') {
			b.el = h('div', { class: 'live-tool' }, h('span', { class: 'badge t-tool' }, 'tool'),
				` ${b.name ? fmt.toolName(b.name) : 'a tool'} `, b.body = h('code'));
		} else {
			b.el = b.body = h('pre', { class: 'live-text' });
		}
		return b.el;
	}

	destroy() {
		cancelAnimationFrame(this.frame);
	}
}
