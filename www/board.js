// board — the project's issues in six status columns, live.
//
// BoardView renders a ProjectStore: totals, the new-issue form and one
// card per issue.  A card that changed is rebuilt in place, or moved to its
// new column and flashed once, so work moving across the board is visible.

import { api } from './api.js';
import { h, keyHint, replace, pill, demoPrices } from './dom.js';
import { openForm, field } from './dialog.js';
import * as fmt from './format.js';

export const COLUMNS = ['open', 'queued', 'inprogress', 'waiting', 'review', 'done', 'closed'];

export class BoardView {
	constructor({ store, project, navigate }) {
		this.store = store;
		this.project = project;
		this.navigate = navigate;
		this.cards = new Map(); // id → card element
		this.el = h('section', { class: 'board-view', 'aria-label': 'Issue board' });
		this.totals = h('div', { class: 'totals', 'aria-live': 'polite' });
		this.cols = {};
		const grid = h('div', { class: 'board' });
		for (const s of COLUMNS) {
			const list = h('div', { class: 'col-list' });
			const count = h('span', { class: 'col-count' }, '0');
			const col = h('section', { class: `col c-${s}`, 'aria-label': fmt.STATUS_LABEL[s] },
				h('h2', { class: 'col-head' }, h('span', { class: `dot s-${s}` }), fmt.STATUS_LABEL[s], count),
				list);
			this.cols[s] = { col, list, count };
			grid.append(col);
		}
		const newBtn = h('button', { class: 'btn primary', onclick: () => this.newIssue() }, '+ New issue');
		newBtn.setAttribute('aria-keyshortcuts', 'N');
		this.el.append(
			h('div', { class: 'board-head' },
				h('div', { class: 'project-title' },
					h('h1', null, project.name || project.key),
					h('span', { class: 'path', title: project.path }, project.path || ''),
					project.description ? h('span', { class: 'desc' }, project.description) : null),
				this.totals, newBtn),
			grid);
		this.unsub = store.on((id) => this.update(id));
		this.keyHandler = (ev) => {
			if (ev.key === 'n' && !ev.ctrlKey && !ev.metaKey && !ev.altKey &&
			    !/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement?.tagName) &&
			    !document.querySelector('dialog[open]')) {
				ev.preventDefault();
				this.newIssue();
			}
		};
		document.addEventListener('keydown', this.keyHandler);
		this.update(null);
	}

	update(id) {
		if (id === null) {
			for (const [cid, card] of this.cards) if (!this.store.get(cid)) { card.remove(); this.cards.delete(cid); }
			for (const issue of this.store.issues.values()) this.place(issue, false);
		} else {
			const issue = this.store.get(id);
			if (issue) this.place(issue, true);
			else if (this.cards.has(id)) {
				this.cards.get(id).remove();
				this.cards.delete(id);
			}
		}
		this.sortAndCount();
		this.renderTotals();
	}

	place(issue, flash) {
		const old = this.cards.get(issue.id);
		if (old && old.dataset.sig === signature(issue)) return;
		const card = renderCard(this.store.key, issue);
		const col = this.cols[issue.status] || this.cols.open;
		const focused = old && old.contains(document.activeElement);
		if (old && old.parentElement === col.list) old.replaceWith(card);
		else {
			if (old) old.remove();
			col.list.append(card);
		}
		// Flash a card that moved to another column, not every token update.
		if (flash && old && old.dataset.status !== issue.status) card.classList.add('flash');
		if (focused) card.focus();
		this.cards.set(issue.id, card);
	}

	sortAndCount() {
		for (const s of COLUMNS) {
			const { list, count } = this.cols[s];
			const cards = [...list.children];
			const sorted = cards.slice().sort((a, b) => Number(b.dataset.updated) - Number(a.dataset.updated) ||
				Number(b.dataset.id) - Number(a.dataset.id));
			if (sorted.some((c, i) => c !== cards[i])) list.append(...sorted);
			count.textContent = String(cards.length);
			list.classList.toggle('empty', cards.length === 0);
		}
	}

	renderTotals() {
		let tin = 0, tout = 0, cost = 0, live = 0;
		for (const i of this.store.issues.values()) {
			tin += Number(i.totalTokensIn ?? i.tokensIn) || 0;
			tout += Number(i.totalTokensOut ?? i.tokensOut) || 0;
			cost += Number(i.totalCostUsd ?? i.costUsd) || 0;
			if (i.live) live++;
		}
		const n = this.store.issues.size;
		replace(this.totals,
			h('span', { class: 'stat' }, h('b', null, String(n)), n === 1 ? ' issue' : ' issues'),
			live ? h('span', { class: 'stat live', title: 'issues with a run queued, running or waiting at a gate' },
				h('b', null, String(live)), ' active') : null,
			h('span', { class: 'stat', title: 'tokens in / out of every run of every issue' },
				h('b', null, fmt.tokens(tin)), ' in · ', h('b', null, fmt.tokens(tout)), ' out'),
			h('span', { class: 'stat', title: 'cost of every run of every issue' }, h('b', null, fmt.usd(cost)),
				demoPrices()));
	}

	async newIssue() {
		const title = h('input', { name: 'title', required: true, maxlength: 200, autocomplete: 'off',
			placeholder: 'Add a --version flag' });
		const desc = h('textarea', { name: 'description', rows: 8,
			placeholder: 'What should change, and how will we know it works? (Markdown)' });
		const made = await openForm({
			title: 'New issue', submit: 'Open issue',
			fields: [field('Title', title), field('Description', desc, ['Markdown', keyHint('to submit')].filter(Boolean).join(' · '))],
			onSubmit: () => api.createIssue(this.store.key, title.value.trim(), desc.value.trim()),
		});
		if (made && made.id !== undefined) {
			this.store.put({ ...made, desc: desc.value.trim(), runs: [], done: 0, steps: 0,
				updatedMs: Date.now(), ...this.store.get(made.id) });
		}
	}

	destroy() {
		this.unsub();
		document.removeEventListener('keydown', this.keyHandler);
	}
}

// What a card shows; a card is rebuilt only when this changes.
function signature(i) {
	return JSON.stringify([i.title, i.status, i.done, i.steps, i.live, i.runs, i.tokensIn, i.tokensOut,
		i.costUsd, i.totalCostUsd, i.gate, i.changes, i.updatedMs]);
}

export function latestRun(issue) {
	const runs = Array.isArray(issue.runs) ? issue.runs : [];
	return runs.length ? runs[runs.length - 1] : null;
}

function renderCard(key, issue) {
	const run = latestRun(issue);
	const steps = Number(issue.steps) || 0;
	const done = Math.min(Number(issue.done) || 0, steps);
	const gate = issue.gate;
	const card = h('a', {
		class: `card s-${issue.status}${issue.live ? ' is-live' : ''}${gate ? ' has-gate' : ''}`,
		href: `#/${encodeURIComponent(key)}/issue/${issue.id}`,
		dataset: { id: String(issue.id), updated: String(issue.updatedMs || 0), status: issue.status,
			sig: signature(issue) },
	},
	h('div', { class: 'card-top' },
		h('span', { class: 'id' }, `#${issue.id}`),
		issue.live ? h('span', { class: 'live-dot', title: 'a run is active' }) : null,
		h('span', { class: 'card-when', title: issue.updatedMs ? new Date(issue.updatedMs).toLocaleString() : '' },
			fmt.ago(issue.updatedMs))),
	h('div', { class: 'card-title' }, issue.title),
	steps ? h('div', { class: 'progress', title: `${done} of ${steps} steps done` },
		h('div', { class: 'progress-bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': steps,
			'aria-valuenow': done, 'aria-label': 'steps done' },
		h('span', { style: { width: `${(100 * done) / steps}%` } })),
		h('span', { class: 'progress-text' }, `${done}/${steps}`)) : null,
	gate ? h('div', { class: `card-gate g-${gate.kind}` },
		h('span', { class: 'gate-kind' }, gateLabel(gate.kind)),
		h('span', { class: 'gate-prompt' }, fmt.clip(gate.prompt, 160))) : null,
	issue.changes && Number(issue.changes.files) > 0 ? changeLine(issue.changes) : null,
	run || issue.tokensIn || issue.costUsd ? h('div', { class: 'card-meta' },
		run ? h('span', { class: 'run' }, `run #${run.id}`, ' ', pill(run.status)) : null,
		h('span', { class: 'spacer' }),
		issue.tokensIn || issue.tokensOut ? h('span', { class: 'tok', title: 'tokens in / out (latest run)' },
			`${fmt.tokens(issue.tokensIn)}↑ ${fmt.tokens(issue.tokensOut)}↓`) : null,
		issue.costUsd ? h('span', { class: 'cost' }, fmt.usd(issue.costUsd)) : null) : null);
	return card;
}

export function gateLabel(kind) {
	return { question: 'question', approve: 'approval', budget: 'budget', review: 'review' }[kind] || kind || 'gate';
}

// "+12 −3 · 2 files" of a run's own change (worktree isolation).
export function changeLine(c) {
	const files = Number(c.files) || 0;
	return h('div', { class: 'card-change', title: `on branch ${c.branch}` },
		h('span', { class: 'plus' }, `+${Number(c.additions) || 0}`), ' ',
		h('span', { class: 'minus' }, `−${Number(c.deletions) || 0}`),
		` · ${files} file${files === 1 ? '' : 's'}`);
}
