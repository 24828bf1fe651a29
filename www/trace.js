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
// errors and critic rejections (a `verdict` call that does not accept).

export const SPAN_TYPES = new Set(['workflow', 'step', 'ai', 'turn']);

const zeroUsage = () => ({ in: 0, out: 0, cached: 0, written: 0, cost: 0 });

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
		this.root = { spanId: 0, type: 'root', children: [], usage: zeroUsage(), errors: 0, rejects: 0 };
		this.t0 = 0;                // tsMs of the first row
		this.tMax = 0;              // the latest time the journal speaks of
		this.usage = zeroUsage();   // the whole run
		this.questions = [];        // question nodes, in order
		this.answers = new Map();   // gate id → answer data
		this.artifacts = 0;         // artifact rows seen
		this.rows = 0;
	}

	// Files one row.  Returns null for a duplicate, else
	// {node, created: bool, touched: [nodes whose summary changed]}.
	add(row) {
		const seq = Number(row.seq);
		if (!Number.isFinite(seq) || this.seen.has(seq)) return null;
		this.seen.add(seq);
		if (seq > this.lastSeq) this.lastSeq = seq;
		this.rows++;
		const ts = Number(row.tsMs) || 0;
		if (!this.t0 || ts < this.t0) this.t0 = ts;
		if (ts > this.tMax) this.tMax = ts;
		const data = row.data && typeof row.data === 'object' ? row.data : {};
		const touched = [];

		if (row.type === 'end' || row.phase === 'exit') {
			const span = this.nodes.get(row.spanId);
			if (!span) return { node: null, created: false, touched };
			span.ended = true;
			span.interrupted = data.interrupted === true; // its process stopped; resumed after
			span.ms = Number(data.ms) || Math.max(0, ts - span.tsMs);
			span.endTs = span.tsMs + span.ms;
			if (span.endTs > this.tMax) this.tMax = span.endTs;
			touched.push(span);
			return { node: span, created: false, touched };
		}

		const parent = this.nodes.get(row.parentId) || this.root;

		if (row.type === 'tool-result') {
			const call = [...parent.children].reverse().find(
				(n) => n.type === 'tool' && !n.result && n.data.name === data.name);
			if (call) {
				this.bySeq.set(seq, call);
				call.result = data;
				call.resultTs = ts;
				if (data.is_error) {
					call.error = true;
					this.bubble(call, 'errors', touched);
				}
				touched.push(call);
				return { node: call, created: false, touched };
			}
		}

		const node = {
			seq, spanId: row.spanId, parentId: row.parentId, depth: Number(row.depth) || 0,
			type: row.type, level: Number(row.level) || 20, tsMs: ts, data, parent,
			children: [], usage: zeroUsage(), errors: 0, rejects: 0,
			span: SPAN_TYPES.has(row.type), ended: false, ms: 0,
		};
		if (node.span || row.type === 'question') this.nodes.set(row.spanId, node);
		this.bySeq.set(seq, node);
		insertBySeq(parent.children, node);

		switch (row.type) {
		case 'reply': {
			node.ownUsage = replyUsage(data);
			addUsage(this.usage, node.ownUsage);
			for (let p = parent; p; p = p.parent) {
				addUsage(p.usage, node.ownUsage);
				if (p !== this.root) touched.push(p);
			}
			break;
		}
		case 'tool':
			if (data.name === 'verdict') {
				const input = parseMaybe(data.input) || {};
				node.verdict = String(input.decision || '');
				if (node.verdict && node.verdict !== 'accept') {
					node.reject = true;
					this.bubble(node, 'rejects', touched);
				}
			}
			break;
		case 'tool-result':
			if (data.is_error) {
				node.error = true;
				this.bubble(node, 'errors', touched);
			}
			break;
		case 'question':
			this.questions.push(node);
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
		case 'artifact':
			this.artifacts++;
			break;
		default:
			break;
		}
		return { node, created: true, touched };
	}

	// Counts a problem on every span above node.
	bubble(node, field, touched) {
		for (let p = node.parent; p && p !== this.root; p = p.parent) {
			p[field]++;
			touched.push(p);
		}
		this.root[field]++;
	}

	// The newest question with no answer: the run's open gate, or null.
	openGate() {
		for (let i = this.questions.length - 1; i >= 0; i--) {
			const q = this.questions[i];
			if (!this.answers.has(Number(q.spanId))) return q;
		}
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

function insertBySeq(list, node) {
	let i = list.length;
	while (i > 0 && list[i - 1].seq > node.seq) i--;
	list.splice(i, 0, node);
}
