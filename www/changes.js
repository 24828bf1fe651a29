// changes — a run's change (SPEC section 9): the files with their added and
// deleted lines, each file's unified diff with old and new line numbers
// (loaded when the file is opened), a step selector (one step's commit),
// and, while the run waits at its review gate, comments on diff lines
// collected in a ReviewDraft that the review panel (gate.js) sends as one
// "Request changes".  A run that works in the project folder says so.

import { api } from './api.js';
import { h, replace } from './dom.js';

// The rows of a unified diff: {kind: 'hunk'|'ctx'|'add'|'del'|'meta', old, neu, text}.
export function parseDiff(text) {
	const rows = [];
	let o = 0;
	let n = 0;
	for (const line of String(text).split('\n')) {
		const m = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
		if (m) {
			o = Number(m[1]);
			n = Number(m[2]);
			rows.push({ kind: 'hunk', text: line });
		} else if (/^(diff |index |--- |\+\+\+ |new file|deleted file|similarity|rename |old mode|new mode|Binary)/.test(line)) {
			rows.push({ kind: 'meta', text: line });
		} else if (line.startsWith('+')) {
			rows.push({ kind: 'add', neu: n++, text: line.slice(1) });
		} else if (line.startsWith('-')) {
			rows.push({ kind: 'del', old: o++, text: line.slice(1) });
		} else if (line.startsWith(' ')) {
			rows.push({ kind: 'ctx', old: o++, neu: n++, text: line.slice(1) });
		} else if (line.startsWith('\\')) {
			rows.push({ kind: 'meta', text: line });
		}
	}
	return rows;
}

// The line comments of a review being written: [{path, line, body}].
// enabled while the run shown waits at its review gate.
export class ReviewDraft {
	constructor() {
		this.comments = [];
		this.enabled = false;
		this.subs = new Set();
	}

	on(fn) {
		this.subs.add(fn);
		return () => this.subs.delete(fn);
	}

	// path: the file whose comments changed (undefined: any).
	emit(path) {
		for (const fn of this.subs) fn(path);
	}

	setEnabled(yes) {
		if (yes === this.enabled) return;
		this.enabled = yes;
		this.emit();
	}

	add(path, line, body) {
		this.comments.push({ path, line, body });
		this.emit(path);
	}

	remove(c) {
		this.comments = this.comments.filter((x) => x !== c);
		this.emit(c.path);
	}

	clear() {
		this.comments = [];
		this.emit();
	}
}

function counts(f) {
	return f.binary ? h('span', { class: 'muted' }, 'binary')
		: [h('span', { class: 'plus' }, `+${f.additions}`), ' ', h('span', { class: 'minus' }, `−${f.deletions}`)];
}

// A comment as shown under its line (or in the review panel).
export function commentView(c, onRemove) {
	return h('div', { class: `cm${c.outdated ? ' outdated' : ''}` },
		h('span', { class: 'cm-where' }, `${c.path}:${c.line}`),
		c.outdated ? h('span', { class: 'tag' }, 'outdated') : null,
		onRemove ? h('button', { class: 'btn small link', type: 'button', 'aria-label': 'remove comment',
			onclick: onRemove }, '×') : null,
		h('div', null, c.body));
}

const RETRY_MS = [2000, 5000, 15000, 30000]; // a change that could not be read is asked for again

// The box of one run view; refresh() reloads it (debounced by the caller).
export class ChangesBox {
	constructor(key, runId, draft) {
		this.key = key;
		this.runId = runId;
		this.draft = draft || new ReviewDraft();
		this.step = '';
		this.list = h('div', { class: 'changes' }, h('p', { class: 'muted' }, 'Loading the change…'));
		this.el = h('section', { class: 'changes-box' }, this.list);
		this.unsub = this.draft.on((path) => this.redrawOpen(path));
		this.seq = 0; // answers of older refreshes are dropped
		this.retries = 0; // failed reads in a row (the wait grows)
		this.last = null; // the change as last loaded
		this.onLoaded = null; // called with it
	}

	destroy() {
		this.unsub();
		clearTimeout(this.retryTimer);
		this.destroyed = true;
	}

	async refresh() {
		const seq = ++this.seq;
		clearTimeout(this.retryTimer);
		let c;
		try {
			c = await api.changes(this.key, this.runId, this.step);
		} catch (e) {
			if (seq !== this.seq || this.destroyed) return;
			// A server that could not answer now (unreachable, busy: 5xx,
			// 429) is asked again; a refusal (4xx) says why and stays.
			const again = e.status === 0 || e.status === 429 || e.status >= 500;
			replace(this.list, h('p', { class: 'form-error' }, e.message, again ? ' — trying again…' : ''));
			if (again) {
				const wait = RETRY_MS[Math.min(this.retries++, RETRY_MS.length - 1)];
				this.retryTimer = setTimeout(() => this.refresh(), wait);
			}
			return;
		}
		if (seq !== this.seq) return;
		this.retries = 0;
		this.last = c;
		if (this.onLoaded) this.onLoaded(c);
		if (c.mode !== 'worktree' && !c.base) {
			replace(this.list, h('p', { class: 'muted' },
				'This run works in the project folder itself and has no checkpoints: no change of its own to show.'));
			return;
		}
		const open = new Set([...this.list.querySelectorAll('details[open]')].map((d) => d.dataset.path));
		const head = h('p', { class: 'changes-head' },
			c.branch ? h('code', null, c.branch) : 'in the project folder', ' · ', h('span', { class: 'plus' }, `+${c.additions}`), ' ',
			h('span', { class: 'minus' }, `−${c.deletions}`), ` · ${c.files.length} file${c.files.length === 1 ? '' : 's'}`,
			this.stepSelect(c.steps || []),
			this.hint = h('small', { class: 'hint' }));
		this.updateHint();
		if (!c.files.length) {
			replace(this.list, head, h('p', { class: 'muted' }, 'No change yet.'));
			return;
		}
		replace(this.list, head, c.files.map((f) => this.file(f, open.has(f.path))));
	}

	stepSelect(steps) {
		if (!steps.length) return null;
		const sel = h('select', { class: 'changes-steps', 'aria-label': 'which commits' },
			h('option', { value: '' }, 'all steps'),
			steps.map((s) => h('option', { value: s.step }, `step ${s.step} (${s.files} file${s.files === 1 ? '' : 's'})`)));
		sel.value = this.step;
		sel.addEventListener('change', () => {
			this.step = sel.value;
			this.refresh();
		});
		return sel;
	}

	file(f, wasOpen) {
		const body = h('div', { class: 'diff-body' });
		const det = h('details', { class: 'change', dataset: { path: f.path } },
			h('summary', null,
				h('span', { class: `badge st-${f.status}` }, f.status),
				h('span', { class: 'change-path' }, f.oldPath ? `${f.oldPath} → ${f.path}` : f.path),
				f.uncommitted ? h('span', { class: 'muted' }, 'uncommitted') : null,
				h('span', { class: 'spacer' }), counts(f)),
			body);
		det.diffText = null;
		det.addEventListener('toggle', async () => {
			if (!det.open || det.diffText !== null) return;
			det.diffText = '';
			replace(body, h('p', { class: 'muted' }, 'loading…'));
			try {
				det.diffText = await api.changesDiff(this.key, this.runId, f.path, this.step);
				this.drawDiff(det);
			} catch (e) {
				det.diffText = null;
				replace(body, h('p', { class: 'form-error' }, e.message));
			}
		});
		if (wasOpen) det.open = true;
		return det;
	}

	// Redraws the open diffs of path (all when undefined), so that a comment
	// being typed in another file survives.
	redrawOpen(path) {
		for (const det of this.list.querySelectorAll('details.change[open]'))
			if (det.diffText && (path === undefined || det.dataset.path === path)) this.drawDiff(det);
		this.updateHint();
	}

	updateHint() {
		if (this.hint) this.hint.textContent = this.draft.enabled && !this.step ? ' · click a line to comment on it' : '';
	}

	// A file's diff, with the draft's comments under their lines and, while
	// the review is open, a click on a new-side line to add one.
	drawDiff(det) {
		const path = det.dataset.path;
		const body = det.querySelector('.diff-body');
		const rows = parseDiff(det.diffText).filter((r) => r.kind !== 'meta' || /^(Binary|\[diff clipped)/.test(r.text));
		if (!rows.length) {
			replace(body, h('p', { class: 'muted' }, 'No textual change.'));
			return;
		}
		const commenting = this.draft.enabled && !this.step;
		const out = [];
		for (const r of rows) {
			const can = commenting && r.neu !== undefined;
			const row = h('div', { class: `dl d-${r.kind}${can ? ' can-comment' : ''}`, role: 'row',
				tabindex: can ? 0 : undefined, title: can ? `comment on line ${r.neu}` : undefined },
			h('span', { class: 'ln', role: 'cell' }, r.old ?? ''),
			h('span', { class: 'ln', role: 'cell' }, r.neu ?? ''),
			h('span', { class: 'dt', role: 'cell' },
				r.kind === 'add' ? '+' : r.kind === 'del' ? '−' : r.kind === 'ctx' ? ' ' : '', r.text));
			out.push(row);
			if (can) {
				const open = () => row.after(this.commentForm(path, r.neu, row));
				row.addEventListener('click', open);
				row.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') open(); });
			}
			if (r.neu !== undefined)
				for (const c of this.draft.comments)
					if (c.path === path && c.line === r.neu) out.push(commentView(c, () => this.draft.remove(c)));
		}
		replace(body, h('div', { class: 'diff', role: 'table', 'aria-label': `diff of ${path}` }, out));
	}

	commentForm(path, line, row) {
		const open = row.parentElement && row.parentElement.querySelector(`.comment-form[data-line="${line}"]`);
		if (open) {
			open.querySelector('textarea').focus();
			return open;
		}
		const text = h('textarea', { rows: 2, 'aria-label': `comment on ${path} line ${line}`,
			placeholder: `Comment on line ${line}…` });
		const add = h('button', { class: 'btn small primary', type: 'submit' }, 'Add comment');
		const cancel = h('button', { class: 'btn small', type: 'button' }, 'Cancel');
		const form = h('form', { class: 'comment-form', dataset: { line: String(line) } }, text,
			h('div', { class: 'actions' }, cancel, add));
		cancel.addEventListener('click', () => form.remove());
		form.addEventListener('submit', (ev) => {
			ev.preventDefault();
			if (!text.value.trim()) {
				text.focus();
				return;
			}
			this.draft.add(path, line, text.value.trim());
		});
		text.addEventListener('keydown', (ev) => {
			if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) form.requestSubmit();
			if (ev.key === 'Escape') form.remove();
		});
		setTimeout(() => text.focus(), 0);
		return form;
	}
}
