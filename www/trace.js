// trace — the run's journal as a tree, built from wire rows (SPEC.md 6, 7).
//
// A pure model with no DOM: TraceModel.add(row) files one wire row
//   {seq, runId, spanId, parentId, depth, phase, type, level, tsMs, data}
// and returns what changed, so the run view can render only that.  Rows
// are de-duplicated by seq (a reconnect or a reload replays what the page
// already has), so adding the same row twice changes nothing.
//
// Nodes: span types (workflow, step, ai, turn) open a node on `enter` and
// are closed by their `end` row ({ms}); every other row is an event node
// under its parent span.  A `tool-result` is folded into the `tool` node it
// answers (same parent, same name, first one not yet answered).  Token
// usage of `reply` rows is summed into every enclosing span, as are tool
// errors, critic rejections (a `verdict` call that does not accept) and
// questions.
//
// A long run is loaded as a skeleton first (issue 17): addSpan() files one
// span of GET .../spans with what its direct children hold, as of the
// skeleton's `base` seq, and the span is `loaded` once its events are
// (loaded(span, rows): GET .../trace?span=).  Rows up to base are counted
// in the skeleton already, so filing them adds no sums; a live row (after
// base) for a span whose events are not loaded yet is counted at once and
// kept in span.pending until they are, so the span's rows file in seq order.
// Spans always file at once: the skeleton holds every span.

export const SPAN_TYPES = new Set(['workflow', 'step', 'ai', 'turn']);

const zeroUsage = () => ({ in: 0, out: 0, cached: 0, written: 0, cost: 0 });
const SUMS = ['errors', 'rejects', 'questions']; // counts summed into every enclosing span

function addUsage(to, u) {
	to.in += u.in;
	to.out += u.out;
	to.cached += u.cached;
	to.written += u.written;
	to.cost += u.cost;
}

// The usage of a reply row, numbers only.
export function replyUsage(data) {
	const u = (data && data.usage) || {};
	return {
		in: Number(u.in) || 0,
		out: Number(u.out) || 0,
		cached: Number(u.cached) || 0,
		written: Number(u.cache_write) || 0,
		cost: Number(u.cost_micros) || 0,
	};
}

// A JSON value that may arrive as text (payloads, tool inputs).
export function parseMaybe(v) {
	if (typeof v !== 'string') return v;
	try {
		return JSON.parse(v);
	} catch {
		return v;
	}
}

export class TraceModel {
	constructor() {
		this.seen = new Set();      // seq of every row filed
		this.lastSeq = 0;           // the highest seq: the resume cursor
		this.nodes = new Map();     // spanId → node
		this.bySeq = new Map();     // seq → the node showing that row (a result: its call)
		this.root = { spanId: 0, type: 'root', children: [], usage: zeroUsage(), errors: 0, rejects: 0,
			questions: 0, loaded: true, collapsed: false };
		this.t0 = 0;                // tsMs of the first row
		this.tMax = 0;              // the latest time the journal speaks of
		this.usage = zeroUsage();   // the whole run
		this.questions = [];        // question nodes, in order
		this.verdicts = [];         // critic verdict tool calls, by seq
		this.answers = new Map();   // gate id → answer data
		this.artifacts = 0;         // artifact rows seen
		this.rows = 0;              // rows of the run known (the skeleton's included)
		this.base = 0;              // the skeleton's seq: rows up to it are counted in it
		this.waits = new Map();     // gate id → {from, to (0: waiting)}: the run waiting for a person
	}

	// Files one row.  Returns null for a duplicate, else
	// {node, created: bool, touched: [nodes whose summary changed]}.
	add(row) {
		const seq = Number(row.seq);
		if (!Number.isFinite(seq) || this.seen.has(seq)) return null;
		this.seen.add(seq);
		if (seq > this.lastSeq) this.lastSeq = seq;
		const touched = [];
		const counted = seq <= this.base;
		if (!counted) this.time(Number(row.tsMs) || 0);
		const parent = this.nodes.get(row.parentId) || this.root;
		if (!parent.loaded && row.type !== 'end' && row.phase !== 'exit' && !SPAN_TYPES.has(row.type)) {
			// A live row of a span whose events are not here yet: counted
			// now, filed after them.
			if (!counted) this.count(row, parent, touched);
			(parent.pending ||= []).push(row);
			return { node: null, created: false, touched };
		}
		if (!counted) this.count(row, parent, touched);
		return this.file(row, parent, touched);
	}

	// Moves the run's time bounds to ts.
	time(ts) {
		if (!this.t0 || ts < this.t0) this.t0 = ts;
		if (ts > this.tMax) this.tMax = ts;
	}

	// Adds what a row counts (usage, problems, questions, waits) to its
	// enclosing spans and the run.
	count(row, parent, touched) {
		const data = row.data && typeof row.data === 'object' ? row.data : {};
		const ts = Number(row.tsMs) || 0;
		this.rows++;
		switch (row.type) {
		case 'reply': {
			const u = replyUsage(data);
			addUsage(this.usage, u);
			for (let p = parent; p; p = p.parent) {
				addUsage(p.usage, u);
				if (p !== this.root) touched.push(p);
			}
			break;
		}
		case 'tool':
			if (data.name === 'verdict' && !['', 'accept'].includes(verdictOf(data))) this.bubble(parent, 'rejects', 1, touched);
			break;
		case 'tool-result':
		case 'note':
			if (isError(row.type, data)) this.bubble(parent, 'errors', 1, touched);
			break;
		case 'question':
			this.bubble(parent, 'questions', 1, touched);
			if (!this.waits.has(Number(row.spanId))) this.waits.set(Number(row.spanId), { from: ts, to: 0 });
			break;
		case 'answer': {
			const w = this.waits.get(Number(data.ref));
			if (w && !w.to) w.to = ts;
			break;
		}
		case 'artifact':
			this.artifacts++;
			break;
		default:
			break;
		}
	}

	// Files a row in the tree (its sums are count()'s).
	file(row, parent, touched) {
		const seq = Number(row.seq);
		const ts = Number(row.tsMs) || 0;
		const data = row.data && typeof row.data === 'object' ? row.data : {};
		if (row.type === 'end' || row.phase === 'exit') {
			const span = this.nodes.get(row.spanId);
			if (!span) return { node: null, created: false, touched };
			span.ended = true;
			span.interrupted = data.interrupted === true; // its process stopped; resumed after
			span.ms = Number(data.ms) || Math.max(0, ts - span.tsMs);
			span.endTs = span.tsMs + span.ms;
			this.time(span.endTs);
			touched.push(span);
			return { node: span, created: false, touched };
		}
		if (row.type === 'tool-result') {
			let call = null;
			for (let i = parent.children.length - 1; i >= 0 && !call; i--) {
				const n = parent.children[i];
				if (n.type === 'tool' && !n.result && n.data.name === data.name && n.seq < seq) call = n;
			}
			if (call) {
				this.bySeq.set(seq, call);
				call.result = data;
				call.resultTs = ts;
				if (data.is_error) call.error = true;
				touched.push(call);
				return { node: call, created: false, touched };
			}
		}
		const node = this.node(seq, row.spanId, row.parentId, row.depth, row.type, ts, data, parent);
		node.level = Number(row.level) || 20;
		if (node.span || row.type === 'question') this.nodes.set(row.spanId, node);
		this.bySeq.set(seq, node);
		insertBySeq(parent.children, node);
		switch (row.type) {
		case 'reply':
			node.ownUsage = replyUsage(data);
			break;
		case 'tool':
			if (data.name === 'verdict') {
				node.verdict = verdictOf(data);
				node.reject = !!node.verdict && node.verdict !== 'accept';
				insertBySeq(this.verdicts, node);
			}
			break;
		case 'tool-result':
		case 'note':
			node.error = isError(row.type, data);
			break;
		case 'question': // its answer may have been filed first (another span's events)
			this.questions.push(node);
			if (this.answers.has(Number(row.spanId))) node.answer = this.answers.get(Number(row.spanId));
			break;
		case 'answer': {
			const ref = Number(data.ref);
			this.answers.set(ref, data);
			const q = this.nodes.get(ref);
			if (q) {
				q.answer = data;
				touched.push(q);
			}
			break;
		}
		default:
			break;
		}
		return { node, created: true, touched };
	}

	node(seq, spanId, parentId, depth, type, ts, data, parent) {
		const span = SPAN_TYPES.has(type);
		return {
			seq, spanId, parentId, depth: Number(depth) || 0, type, level: 20, tsMs: ts, data, parent,
			children: [], usage: zeroUsage(), errors: 0, rejects: 0, questions: 0,
			span, ended: false, ms: 0, loaded: true,
		};
	}

	// Files one span of the skeleton (GET .../spans): the span, what its
	// direct children hold (summed into it and the spans above), and its
	// events still to load when it has any.  Returns the node, or null for
	// one already here.
	addSpan(s) {
		const seq = Number(s.seq);
		if (!Number.isFinite(seq) || this.seen.has(seq) || !SPAN_TYPES.has(s.type)) return null;
		this.seen.add(seq);
		if (seq > this.lastSeq) this.lastSeq = seq;
		const parent = this.nodes.get(s.parentId) || this.root;
		const ts = Number(s.tsMs) || 0;
		const node = this.node(seq, s.spanId, s.parentId, s.depth, s.type, ts,
			s.data && typeof s.data === 'object' ? s.data : {}, parent);
		node.events = Number(s.events) || 0;
		node.loaded = node.events === 0;
		this.time(ts);
		if (Number(s.endMs)) {
			node.ended = true;
			node.interrupted = s.interrupted === true;
			node.ms = Number(s.ms) || Math.max(0, Number(s.endMs) - ts);
			node.endTs = ts + node.ms;
			this.time(node.endTs);
		}
		this.nodes.set(node.spanId, node);
		this.bySeq.set(seq, node);
		insertBySeq(parent.children, node);
		this.rows += 1 + (node.ended ? 1 : 0) + node.events;
		const u = replyUsage(s);
		addUsage(this.usage, u);
		for (let p = node; p; p = p.parent) addUsage(p.usage, u);
		for (const f of SUMS) if (Number(s[f])) this.bubble(node, f, Number(s[f]), []);
		return node;
	}

	// The skeleton's waits for a person ([gate, from, to|null] each).
	addWaits(list) {
		for (const [gate, from, to] of Array.isArray(list) ? list : []) {
			const w = this.waits.get(Number(gate));
			if (!w) this.waits.set(Number(gate), { from: Number(from) || 0, to: Number(to) || 0 });
			else if (!w.to && to) w.to = Number(to);
		}
	}

	// Files a span's events (GET .../trace?span=, up to base: counted in
	// the skeleton, but for the root's: no span sums them), then the live
	// rows that waited for them (counted when they came).  Returns the
	// nodes created and touched.
	loaded(span, rows) {
		const touched = [];
		const created = [];
		const file = (row) => {
			const ch = this.file(row, span, touched);
			if (ch.created) created.push(ch.node);
		};
		for (const row of rows) {
			const seq = Number(row.seq);
			if (!Number.isFinite(seq) || this.seen.has(seq)) continue;
			this.seen.add(seq);
			if (span === this.root) {
				this.time(Number(row.tsMs) || 0);
				this.count(row, span, touched);
			}
			file(row);
		}
		span.loaded = true;
		const pending = span.pending || [];
		span.pending = null;
		for (const row of pending) file(row);
		return { created, touched };
	}

	// Adds n to field on span and every span above it, and the run.
	bubble(span, field, n, touched) {
		for (let p = span; p && p !== this.root; p = p.parent) {
			p[field] += n;
			touched.push(p);
		}
		this.root[field] += n;
	}

	// The time the run waited for a person, in ms (an open wait: until now).
	waited(now) {
		let ms = 0;
		for (const w of this.waits.values()) ms += Math.max(0, (w.to || now) - Math.max(w.from, this.t0));
		return ms;
	}

	// The newest question with no answer: the run's open gate, or null.
	openGate() {
		for (let i = this.questions.length - 1; i >= 0; i--) {
			const q = this.questions[i];
			if (!this.answers.has(Number(q.spanId))) return q;
		}
		return null;
	}

	// The critic's last verdict (its tool call's input) before seq, or null.
	verdictBefore(seq) {
		for (let i = this.verdicts.length - 1; i >= 0; i--)
			if (this.verdicts[i].seq < seq) return parseMaybe(this.verdicts[i].data.input) || null;
		return null;
	}

	question(gateId) {
		const q = this.nodes.get(Number(gateId));
		return q && q.type === 'question' ? q : null;
	}

	// Run duration: first row to the last thing the journal speaks of (gates
	// included: the run was open while it waited).
	duration() {
		return this.tMax - this.t0;
	}
}

// An error row: a tool that failed, or the note of a workflow or run that failed.
function isError(type, data) {
	return type === 'tool-result' ? !!data.is_error : type === 'note' && data.action === 'failed';
}

function verdictOf(data) {
	const input = parseMaybe(data.input) || {};
	return String(input.decision || '');
}

function insertBySeq(list, node) {
	let i = list.length;
	while (i > 0 && list[i - 1].seq > node.seq) i--;
	list.splice(i, 0, node);
}
