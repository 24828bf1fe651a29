// issue — one issue: its header and actions, the gate panel, the run view,
// the description and the runs list.
//
// The issue itself comes from the ProjectStore (kept live by the board
// stream); GET issue adds the solver.  The run shown is the one named in
// the URL, else the latest; while the URL names none, a new run of the issue
// (started here or elsewhere) is followed automatically.

import { api } from './api.js';
import { h, keyHint, replace, pill, demoPrices } from './dom.js';
import { confirmAction } from './dialog.js';
import { renderMarkdown } from './markdown.js';
import { RunView } from './run.js';
import { ReviewDraft } from './changes.js';
import { GatePanel } from './gate.js';
import { latestRun } from './board.js';
import * as fmt from './format.js';

export class IssueView {
	constructor({ store, id, runId, navigate, toast }) {
		this.store = store;
		this.key = store.key;
		this.id = Number(id);
		this.pinnedRun = runId ? Number(runId) : 0;
		this.navigate = navigate;
		this.toast = toast;
		this.run = null;
		this.detail = null;
		this.sig = '';

		this.draft = new ReviewDraft();
		this.gate = new GatePanel({ key: this.key, issueId: this.id, draft: this.draft,
			showChanges: () => { if (this.run) this.run.showTab('changes'); },
			showArtifacts: () => { if (this.run) this.run.showTab('artifacts'); } });
		this.head = h('div', { class: 'issue-head' });
		this.runBox = h('div', { class: 'run-box' });
		this.steer = this.steerForm();
		this.desc = h('section', { class: 'side-box' });
		this.runs = h('section', { class: 'side-box' });
		this.facts = h('section', { class: 'side-box' });
		this.el = h('section', { class: 'issue-view' },
			this.head,
			h('div', { class: 'issue-grid' },
				h('div', { class: 'issue-main' }, this.gate.el, this.steer, this.runBox),
				h('aside', { class: 'issue-side' }, this.desc, this.runs, this.facts)));
		this.unsub = store.on((changed) => {
			if (changed === null || Number(changed) === this.id) this.update();
		});
		this.update();
		this.loadDetail();
	}

	issue() {
		return this.store.get(this.id);
	}

	async loadDetail() {
		try {
			this.detail = await api.issue(this.key, this.id);
			if (this.detail && !this.store.get(this.id)) this.store.put(this.detail);
			this.update(true);
		} catch (e) {
			if (e.status === 404) {
				replace(this.head, h('a', { class: 'back', href: `#/${encodeURIComponent(this.key)}` }, '← Board'));
				replace(this.runBox, h('p', { class: 'empty-state' }, `Issue #${this.id} not found.`));
			}
		}
	}

	update(force) {
		const issue = this.issue() || this.detail;
		if (!issue) return;
		const sig = JSON.stringify([issue.status, issue.live, issue.title, issue.runs, issue.gate, issue.done, issue.steps,
			issue.tokensIn, issue.tokensOut, issue.tokensCached, issue.tokensCacheWrite, issue.costUsd, issue.totalCostUsd,
			issue.desc]);
		if (sig === this.sig && !force) return;
		const gateChanged = JSON.stringify(issue.gate) !== JSON.stringify((this.last || {}).gate);
		// A new run or a run's new status (not its growing cost).
		const runIds = (i) => JSON.stringify(((i || {}).runs || []).map((r) => [r.id, r.status]));
		const runsChanged = runIds(issue) !== runIds(this.last);
		this.sig = sig;
		this.last = issue;
		this.renderHead(issue);
		this.renderSide(issue);
		this.pickRun(issue);
		this.renderGate();
		// A running run (not one waiting at a gate: that asks its own question) takes a message.
		this.steer.hidden = !(issue.live && ['inprogress', 'queued'].includes(issue.status));
		// A new gate (approval) or a new run: the solver may have changed.
		if (!force && (gateChanged || runsChanged)) this.loadDetail();
	}

	renderHead(issue) {
		const active = issue.live || ['queued', 'inprogress'].includes(issue.status);
		const start = h('button', { class: 'btn primary', disabled: this.busy, onclick: () => this.act('start') },
			(issue.runs || []).length ? '▶ Run again' : '▶ Start');
		const stop = h('button', { class: 'btn', disabled: this.busy, onclick: () => this.act('stop') }, '■ Stop');
		const close = h('button', { class: 'btn danger-quiet', disabled: this.busy, onclick: () => this.act('close') },
			'Close issue');
		replace(this.head,
			h('a', { class: 'back', href: `#/${encodeURIComponent(this.key)}`, title: 'back to the board (Esc)' }, '← Board'),
			h('h1', null, h('span', { class: 'id' }, `#${issue.id}`), ' ', issue.title),
			pill(issue.status, fmt.STATUS_LABEL[issue.status] || issue.status),
			issue.live ? h('span', { class: 'live-dot', title: 'a run is active' }) : null,
			h('span', { class: 'spacer' }),
			h('div', { class: 'actions' }, active ? stop : start, issue.status !== 'closed' ? close : null));
	}

	renderSide(issue) {
		const desc = issue.desc ?? issue.description ?? '';
		replace(this.desc, h('h3', null, 'Description'),
			desc.trim() ? renderMarkdown(desc) : h('p', { class: 'muted' }, 'No description.'));
		const runs = Array.isArray(issue.runs) ? issue.runs : [];
		const shown = this.run ? this.run.runId : 0;
		replace(this.runs, h('h3', null, 'Runs'), runs.length ? h('ol', { class: 'runs-list', reversed: true },
			runs.slice().reverse().map((r) => h('li', null, h('a', {
				href: `#/${encodeURIComponent(this.key)}/issue/${this.id}/run/${r.id}`,
				class: r.id === shown ? 'current' : '', 'aria-current': r.id === shown ? 'true' : null,
			}, h('span', null, `Run #${r.id}`), pill(r.status),
			h('span', { class: 'muted run-cost' }, r.costUsd ? fmt.usd(r.costUsd) : '')))))
			: h('p', { class: 'muted' }, 'Not run yet.'),
			runs.length > 1 ? h('p', { class: 'runs-total' }, 'all runs: ', h('b', null, fmt.usd(issue.totalCostUsd)),
				` · ${fmt.tokens(issue.totalTokensIn)} in · ${fmt.tokens(issue.totalTokensOut)} out`, demoPrices()) : null);
		const s = this.detail && this.detail.solver;
		const steps = Number(issue.steps) || 0;
		replace(this.facts, h('h3', null, 'Latest run'), h('dl', { class: 'facts' },
			h('dt', null, 'progress'), h('dd', null, steps ? `${issue.done || 0} of ${steps} steps` : '–'),
			h('dt', null, 'tokens'), h('dd', null, `${fmt.tokens(issue.tokensIn)} in · ${fmt.tokens(issue.tokensOut)} out · ` +
				`cache ${fmt.tokens(issue.tokensCached)} read · ${fmt.tokens(issue.tokensCacheWrite || 0)} written`),
			h('dt', null, 'cost'), h('dd', null, fmt.usd(issue.costUsd)),
			s ? [h('dt', null, 'solver'), h('dd', null, `v${s.version ?? '?'} `, s.status ? pill(s.status) : null,
				s.decidedBy ? h('span', { class: 'muted' }, ` by ${s.decidedBy}`) : null)] : null,
			issue.updatedMs ? [h('dt', null, 'updated'), h('dd', { title: new Date(issue.updatedMs).toLocaleString() },
				fmt.ago(issue.updatedMs))] : null));
	}

	pickRun(issue) {
		const runs = Array.isArray(issue.runs) ? issue.runs : [];
		let want = this.pinnedRun ? runs.find((r) => r.id === this.pinnedRun) || { id: this.pinnedRun }
			: latestRun(issue);
		// A run just started here that the board has not announced yet.
		if (!this.pinnedRun && this.started && (!want || want.id < this.started.id)) want = this.started;
		if (!want) {
			if (!this.run) replace(this.runBox, h('div', { class: 'empty-state' },
				h('p', null, 'This issue has not been run yet.'),
				h('p', { class: 'muted' }, 'Start it: claw writes a solver for it, asks you to approve it, then runs it.')));
			return;
		}
		if (this.run && this.run.runId === want.id) {
			this.run.setRunStatus(want.status);
			return;
		}
		if (this.run) this.run.destroy();
		this.run = new RunView({
			key: this.key, runId: want.id, draft: this.draft,
			onModel: () => this.renderGate(),
			onEnd: () => this.renderGate(),
			onRetry: () => this.act('start'),
		});
		this.run.setRunStatus(want.status);
		replace(this.runBox, this.run.el);
		this.renderSide(issue);
	}

	renderGate() {
		const issue = this.issue() || this.detail;
		if (!issue) return;
		let gate = issue.gate || null;
		const model = this.run && this.run.model;
		// The board's gate is the truth; a run view seeing an open question
		// before the board does may show it too (same id once both agree).
		if (!gate && model && !this.run.status && issue.live) {
			const q = model.openGate();
			if (q) gate = { id: q.spanId, kind: q.data.kind, prompt: q.data.prompt };
		}
		const q = gate && model ? model.question(gate.id) : null;
		if (q && q.answer) gate = null; // answered: the board will catch up
		let question = q ? q.data : null;
		// GET issue carries the open gate's payload: enough when the run
		// view shows another run, or has not replayed the question yet.
		const dg = this.detail && this.detail.gate;
		if (!question && gate && dg && dg.id === gate.id && dg.payload !== undefined)
			question = { prompt: dg.prompt, payload: dg.payload };
		// Line comments belong to the run at the review gate, shown here.
		const reviewing = !!gate && gate.kind === 'review' && this.run && latestRun(issue)
			&& this.run.runId === latestRun(issue).id;
		if (reviewing && !this.draft.enabled) this.run.showTab('changes');
		// Comments belong to one gate of one run: another gate, or none, starts afresh.
		const draftFor = reviewing ? `${this.run.runId}:${gate.id}` : '';
		if (draftFor !== this.draftFor) {
			this.draftFor = draftFor;
			this.draft.clear();
		}
		this.draft.setEnabled(!!reviewing);
		// The solver is the detail's only when the detail knows this gate: a
		// new gate arrives on the board before the detail is loaded again, and
		// the solver it holds then is the one before (a v2 gate over v1's spec).
		const solver = gate && dg && dg.id === gate.id ? this.detail.solver : null;
		this.gate.update({ gate, question, solver, verdict: q && model ? model.verdictBefore(q.seq) : null });
	}

	// The box that sends a person's words to the running run (SPEC 11): they
	// reach the agent at its next turn and show in the trace as a message row.
	steerForm() {
		const text = h('textarea', { rows: 2, 'aria-label': 'message to the running run',
			placeholder: 'Steer the run: what should the agent know or do differently?' });
		const send = h('button', { class: 'btn', type: 'submit' }, 'Send to the run');
		const form = h('form', { class: 'steer', hidden: true, 'aria-label': 'steer the run' },
			h('div', { class: 'steer-head' }, 'Steer the run'), text,
			h('div', { class: 'actions' }, h('small', { class: 'hint' },
				['The agent reads it at its next turn.', keyHint('to send')].filter(Boolean).join(' ')), send));
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			if (!text.value.trim()) {
				text.focus();
				return;
			}
			send.disabled = true;
			try {
				await api.message(this.key, this.id, text.value.trim());
				text.value = '';
				this.toast('Sent: the agent reads it at its next turn.');
			} catch (e) {
				this.toast(e.message, true);
			} finally {
				send.disabled = false;
			}
		});
		text.addEventListener('keydown', (ev) => {
			if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
				ev.preventDefault();
				form.requestSubmit();
			}
		});
		return form;
	}

	async act(what) {
		const issue = this.issue();
		if (what === 'stop' && !(await confirmAction(`Stop run of #${this.id}?`,
			'The run stops at its next safe point and is marked failed; the issue goes back to open (or to done, when an earlier run\'s fix is in the project).', 'Stop run'))) return;
		if (what === 'close' && !(await confirmAction(`Close #${this.id}?`,
			issue && issue.live ? 'Its active run is stopped first.' : 'The issue moves to closed.', 'Close issue'))) return;
		// One request at a time: a second click while one is on its way
		// (a double click on Start) does nothing.
		if (this.busy) return;
		this.setBusy(true);
		try {
			const res = await api[what](this.key, this.id);
			if (what === 'start' && res && res.runId) {
				this.pinnedRun = 0;
				this.started = { id: Number(res.runId) };
				this.pickRun(this.issue() || issue);
				this.toast(res.queued ? `Run #${res.runId} queued` : `Run #${res.runId} started`);
				this.navigate(`#/${encodeURIComponent(this.key)}/issue/${this.id}`, true);
			} else if (what === 'stop') this.toast('Stop requested');
			else if (what === 'close') this.toast(`Issue #${this.id} closed`);
		} catch (e) {
			this.toast(e.message, true);
		} finally {
			this.setBusy(false);
		}
	}

	setBusy(busy) {
		this.busy = busy;
		for (const b of this.head.querySelectorAll('.actions button')) b.disabled = busy;
	}

	destroy() {
		this.unsub();
		if (this.run) this.run.destroy();
	}
}
