// changes — a run's change (SPEC section 9), read-only for now: the files
// with their added and deleted lines, and each file's unified diff with old
// and new line numbers, loaded when the file is opened.  A run that works
// in the project folder says so.  The review gate's actions come with it
// (issue 14).

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

function renderDiff(text) {
	const rows = parseDiff(text).filter((r) => r.kind !== 'meta' || /^(Binary|\[diff clipped)/.test(r.text));
	if (!rows.length) return h('p', { class: 'muted' }, 'No textual change.');
	return h('div', { class: 'diff', role: 'table', 'aria-label': 'unified diff' }, rows.map((r) =>
		h('div', { class: `dl d-${r.kind}`, role: 'row' },
			h('span', { class: 'ln', role: 'cell' }, r.old ?? ''),
			h('span', { class: 'ln', role: 'cell' }, r.neu ?? ''),
			h('span', { class: 'dt', role: 'cell' },
				r.kind === 'add' ? '+' : r.kind === 'del' ? '−' : r.kind === 'ctx' ? ' ' : '', r.text))));
}

function counts(f) {
	return f.binary ? h('span', { class: 'muted' }, 'binary')
		: [h('span', { class: 'plus' }, `+${f.additions}`), ' ', h('span', { class: 'minus' }, `−${f.deletions}`)];
}

// The box of one run view; refresh() reloads it (debounced by the caller).
export class ChangesBox {
	constructor(key, runId) {
		this.key = key;
		this.runId = runId;
		this.list = h('div', { class: 'changes' }, h('p', { class: 'muted' }, 'Loading the change…'));
		this.el = h('section', { class: 'changes-box' }, h('h3', null, 'Changes'), this.list);
	}

	async refresh() {
		let c;
		try {
			c = await api.changes(this.key, this.runId);
		} catch (e) {
			replace(this.list, h('p', { class: 'form-error' }, e.message));
			return;
		}
		if (c.mode !== 'worktree') {
			replace(this.list, h('p', { class: 'muted' },
				'This run works in the project folder itself (isolation inplace): no change of its own to show.'));
			return;
		}
		const open = new Set([...this.list.querySelectorAll('details[open]')].map((d) => d.dataset.path));
		const head = h('p', { class: 'changes-head' },
			h('code', null, c.branch), ' · ', h('span', { class: 'plus' }, `+${c.additions}`), ' ',
			h('span', { class: 'minus' }, `−${c.deletions}`), ` · ${c.files.length} file${c.files.length === 1 ? '' : 's'}`,
			c.steps && c.steps.length ? ` · ${c.steps.length} commit${c.steps.length === 1 ? '' : 's'}` : '');
		if (!c.files.length) {
			replace(this.list, head, h('p', { class: 'muted' }, 'No change yet.'));
			return;
		}
		replace(this.list, head, c.files.map((f) => this.file(f, open.has(f.path))));
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
		let loaded = false;
		det.addEventListener('toggle', async () => {
			if (!det.open || loaded) return;
			loaded = true;
			replace(body, h('p', { class: 'muted' }, 'loading…'));
			try {
				replace(body, renderDiff(await api.changesDiff(this.key, this.runId, f.path)));
			} catch (e) {
				loaded = false;
				replace(body, h('p', { class: 'form-error' }, e.message));
			}
		});
		if (wasOpen) det.open = true;
		return det;
	}
}
