// gate — the panel where a person answers a parked run (SPEC.md 6, 7).
//
// Four kinds: a free-text `question`; an `approve` gate whose payload is
// the generated solver (shown step by step with goals, tools and critic
// rubrics) and is approved, rejected, or rejected with feedback; a
// `budget` gate showing spent against limit, answered by granting more or
// stopping; and the `review` gate of a run's change (SPEC 9): the solver's
// report, the files, the last round's comments (outdated when their line
// changed), the line comments being written in the Changes tab (a
// ReviewDraft), and Merge / Keep branch / Request changes / Discard (a run
// that worked in the folder itself: Accept / Request changes / Revert).
// The panel is rebuilt only when the gate changes, so text being typed
// survives board updates.  Answers go to POST .../answer; the gate
// disappears when the board says the issue no longer waits on it.

import { api } from './api.js';
import { commentView } from './changes.js';
import { h, keyHint, pill, replace } from './dom.js';
import { confirmAction } from './dialog.js';
import { renderMarkdown } from './markdown.js';
import { parseMaybe } from './trace.js';
import * as fmt from './format.js';

export class GatePanel {
	// draft: the ReviewDraft the Changes tab fills; showChanges() and
	// showArtifacts() open those tabs of the run view.
	constructor({ key, issueId, draft, showChanges, showArtifacts }) {
		this.key = key;
		this.issueId = issueId;
		this.draft = draft;
		this.showChanges = showChanges;
		this.showArtifacts = showArtifacts;
		this.el = h('section', { class: 'gate-panel', hidden: true, 'aria-live': 'polite' });
		this.shown = '';
	}

	// gate: the issue's {id, kind, prompt} or null; question: the trace row's
	// data for that gate when the run view has it; solver: the issue's latest
	// solver from GET issue (fallback payload of an approval; its versions'
	// history and the spec before it); verdict: the critic's last verdict
	// before the gate (on a solver: the solver's review).
	update({ gate, question, solver, verdict }) {
		if (!gate) {
			this.el.hidden = true;
			delete this.el.dataset.gate;
			replace(this.el);
			this.shown = '';
			if (this.unsubDraft) this.unsubDraft();
			this.unsubDraft = null;
			return;
		}
		let payload = question ? parseMaybe(question.payload) : null;
		if ((payload === null || payload === undefined) && gate.kind === 'approve' && solver)
			payload = parseMaybe(solver.spec ?? solver);
		const sig = `${gate.id}:${payload ? 1 : 0}`;
		if (sig === this.shown) {
			// What arrives later (the solver's versions, the critic's verdict
			// as its span loads) fills its own boxes: typing is kept.
			if (this.fillInfo) this.fillInfo(solver, verdict);
			return;
		}
		this.shown = sig;
		this.gate = gate;
		this.el.hidden = false;
		this.el.dataset.gate = String(gate.id);
		this.el.className = `gate-panel g-${gate.kind}`;
		const prompt = gate.prompt || (question && question.prompt) || '';
		this.status = h('p', { class: 'gate-status', role: 'status' });
		this.fillInfo = null;
		if (this.unsubDraft) this.unsubDraft();
		this.unsubDraft = null;
		const body = gate.kind === 'approve' ? this.approve(payload, solver, verdict)
			: gate.kind === 'budget' ? this.budget(payload)
				: gate.kind === 'review' ? this.review(payload) : this.question();
		replace(this.el,
			h('header', null,
				h('span', { class: 'gate-icon', 'aria-hidden': 'true' },
					{ budget: '$', approve: '✓', review: '±' }[gate.kind] || '?'),
				h('h2', null, { question: 'The run asks a question', approve: 'Approve the solver',
					budget: 'Budget exhausted', review: 'Review the change' }[gate.kind] || 'The run is waiting')),
			prompt ? h('div', { class: 'gate-prompt' }, renderMarkdown(prompt)) : null,
			body, this.status);
	}

	async send(body, buttons, done = 'Answer recorded. The run continues…') {
		for (const b of buttons) b.disabled = true;
		this.status.className = 'gate-status';
		this.status.textContent = 'sending…';
		try {
			await api.answer(this.key, this.issueId, { gate: this.gate.id, ...body });
			this.status.className = 'gate-status ok';
			this.status.textContent = done;
			return true;
		} catch (e) {
			for (const b of buttons) b.disabled = false;
			this.status.className = 'gate-status form-error';
			this.status.textContent = e.message;
			return false;
		}
	}

	question() {
		const text = h('textarea', { rows: 4, 'aria-label': 'your answer', placeholder: 'Your answer…' });
		const btn = h('button', { class: 'btn primary', type: 'submit' }, 'Send answer');
		const form = h('form', { class: 'gate-form' }, text, h('div', { class: 'actions' },
			h('small', { class: 'hint' }, keyHint('to send')), btn));
		form.addEventListener('submit', (ev) => {
			ev.preventDefault();
			if (!text.value.trim()) {
				text.focus();
				return;
			}
			this.send({ text: text.value.trim() }, [btn]);
		});
		text.addEventListener('keydown', (ev) => {
			if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
				ev.preventDefault();
				form.requestSubmit();
			}
		});
		return form;
	}

	approve(payload, solver, verdict) {
		const spec = payload && typeof payload === 'object' && !payload.steps && payload.spec
			? parseMaybe(payload.spec) : payload;
		const feedback = h('textarea', { rows: 3, 'aria-label': 'feedback for the planner',
			placeholder: 'What should the solver do differently?' });
		const fbCancel = h('button', { class: 'btn', type: 'button' }, 'Cancel');
		const fbBox = h('div', { class: 'feedback', hidden: true }, feedback,
			h('small', { class: 'hint' }, 'A new solver is written with your feedback. ', keyHint('to send, Esc to cancel')));
		const approve = h('button', { class: 'btn ok', type: 'button' }, 'Approve');
		const edit = h('button', { class: 'btn', type: 'button', title: 'change the solver yourself, then approve it' }, 'Edit…');
		const withFb = h('button', { class: 'btn', type: 'button' }, 'Reject with feedback…');
		const reject = h('button', { class: 'btn danger', type: 'button' }, 'Reject');
		const all = [approve, edit, withFb, reject, fbCancel];
		const closeFb = () => {
			fbBox.hidden = true;
			fbCancel.hidden = true;
			withFb.textContent = 'Reject with feedback…';
			withFb.focus();
		};
		fbCancel.hidden = true;
		fbCancel.addEventListener('click', closeFb);
		approve.addEventListener('click', () => this.send({ decision: 'approve' }, all));
		withFb.addEventListener('click', () => {
			if (fbBox.hidden) {
				fbBox.hidden = false;
				fbCancel.hidden = false;
				withFb.textContent = 'Send feedback';
				feedback.focus();
				return;
			}
			if (!feedback.value.trim()) {
				feedback.focus();
				return;
			}
			this.send({ decision: 'reject', text: feedback.value.trim() }, all);
		});
		feedback.addEventListener('keydown', (ev) => {
			if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) withFb.click();
		});
		reject.addEventListener('click', async () => {
			if (await confirmAction('Reject the solver?',
				'The run ends without running it and the issue waits. Start it again to generate a new solver.',
				'Reject')) this.send({ decision: 'reject' }, all);
		});
		const info = h('div', { class: 'approve-info' });
		const changes = h('div');
		let shown = '';
		this.fillInfo = (sv, v) => {
			const key = JSON.stringify([sv && sv.version, sv && sv.versions && sv.versions.length, v]);
			if (key === shown) return; // keep what is open in them
			shown = key;
			replace(info, verdictView(v), solverHistory(sv));
			replace(changes, solverChanges(sv, spec));
		};
		this.fillInfo(solver, verdict);
		const view = h('div', null, solverView(spec), changes);
		const actions = h('div', { class: 'actions' }, approve, edit, withFb, reject, fbCancel);
		const editor = this.solverEditor(spec, () => {
			editor.hidden = true;
			view.hidden = false;
			actions.hidden = false;
			edit.focus();
		});
		editor.hidden = true;
		edit.addEventListener('click', () => {
			closeFb();
			view.hidden = true;
			actions.hidden = true;
			editor.hidden = false;
			editor.querySelector('textarea').focus();
		});
		const box = h('div', { class: 'approve' }, info, view, editor, fbBox, actions);
		// Esc anywhere in the panel closes the editor or the feedback box
		// (focus may be on their buttons after a refusal), not the page.
		box.addEventListener('keydown', (ev) => {
			if (ev.key !== 'Escape' || (editor.hidden && fbBox.hidden)) return;
			ev.stopPropagation();
			if (!editor.hidden) editor.querySelector('button.cancel').click();
			else closeFb();
		});
		return box;
	}

	// The solver as JSON to edit; approving sends it, checked by the
	// server's solver validator (its messages come back in the status).
	solverEditor(spec, close) {
		const text = h('textarea', { class: 'solver-json', rows: 16, spellcheck: 'false',
			'aria-label': 'the solver as JSON', value: JSON.stringify(spec ?? {}, null, 2) });
		const save = h('button', { class: 'btn ok', type: 'button' }, 'Approve as edited');
		const cancel = h('button', { class: 'btn cancel', type: 'button' }, 'Cancel');
		const fail = (msg) => {
			this.status.className = 'gate-status form-error';
			this.status.textContent = msg;
			text.focus();
		};
		save.addEventListener('click', () => {
			let obj;
			try {
				obj = JSON.parse(text.value);
			} catch (e) {
				fail(`This is not JSON: ${e.message}`);
				return;
			}
			if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
				fail('A solver is a JSON object: {"name", "steps": [...], ...}.');
				return;
			}
			this.send({ decision: 'approve', spec: obj }, [save, cancel],
				'Approved as edited: stored as a new version. The run continues…');
		});
		cancel.addEventListener('click', () => {
			this.status.textContent = '';
			close();
		});
		text.addEventListener('keydown', (ev) => {
			if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) save.click();
		});
		return h('div', { class: 'solver-editor' },
			h('p', { class: 'hint' }, 'Edit the solver as JSON. It is checked by the same validator as a generated one, '
				+ 'then stored as a new version and run. ', keyHint('to approve, Esc to cancel')),
			text, h('div', { class: 'actions' }, save, cancel));
	}

	review(p) {
		p = p && typeof p === 'object' ? p : {};
		const files = Array.isArray(p.files) ? p.files : [];
		const total = Number(p.filesTotal ?? files.length) || 0;
		const target = p.target || 'the project\'s branch';
		const text = h('textarea', { rows: 3, 'aria-label': 'what should change',
			placeholder: 'What should change? (with Request changes; line comments are added from the Changes tab)' });
		const mine = h('div', { class: 'review-mine' });
		// In place (the run worked in the folder itself): accept or revert.
		const inPlace = p.mode === 'inplace';
		const merge = h('button', { class: 'btn ok', type: 'button' }, inPlace ? 'Accept' : `Merge into ${target}`);
		const keep = inPlace ? null
			: h('button', { class: 'btn', type: 'button', title: `leave branch ${p.branch || ''} for you` }, 'Keep branch');
		const changes = h('button', { class: 'btn primary', type: 'button' }, 'Request changes');
		const discard = h('button', { class: 'btn danger', type: 'button' }, inPlace ? 'Revert' : 'Discard');
		const all = [merge, keep, changes, discard].filter(Boolean);
		const drawMine = () => {
			const cs = this.draft ? this.draft.comments : [];
			changes.textContent = cs.length ? `Request changes (${cs.length} comment${cs.length === 1 ? '' : 's'})` : 'Request changes';
			replace(mine, cs.length
				? [h('div', { class: 'comments-head' }, 'Your comments'), cs.map((c) => commentView(c, () => this.draft.remove(c)))]
				: h('small', { class: 'hint' }, 'Click a line in the ',
					h('a', { href: '#', onclick: (ev) => { ev.preventDefault(); if (this.showChanges) this.showChanges(); } }, 'Changes tab'),
					' to comment on it.'));
		};
		if (this.draft) this.unsubDraft = this.draft.on(drawMine);
		drawMine();
		merge.addEventListener('click', () => (inPlace ? this.send({ decision: 'accept' }, all, 'Accepted.')
			: this.send({ decision: 'merge' }, all, `Merged into ${target}.`)));
		if (keep) keep.addEventListener('click', () => this.send({ decision: 'keep' }, all, `Kept on branch ${p.branch}.`));
		changes.addEventListener('click', async () => {
			const comments = this.draft ? this.draft.comments.map(({ path, line, body }) => ({ path, line, body })) : [];
			if (!text.value.trim() && !comments.length) {
				text.focus();
				this.status.className = 'gate-status form-error';
				this.status.textContent = 'Say what should change, or comment on a line in the Changes tab.';
				return;
			}
			const body = { decision: 'changes', text: text.value.trim() };
			if (comments.length) body.comments = comments;
			if (await this.send(body, all, 'Review sent. The run works on it and comes back here.') && this.draft)
				this.draft.clear();
		});
		discard.addEventListener('click', async () => {
			if (inPlace) {
				if (await confirmAction('Revert the change?',
					'The files the run changed go back to how it found them, and the files it created are deleted; the issue opens again. Refused if one of them changed since the run\'s last checkpoint.', 'Revert'))
					this.send({ decision: 'revert' }, all, 'Reverted.');
			} else if (await confirmAction('Discard the change?',
				`The run's worktree and branch ${p.branch || ''} are deleted; the issue opens again.`, 'Discard'))
				this.send({ decision: 'discard' }, all, 'Discarded.');
		});
		const prev = Array.isArray(p.comments) ? p.comments : [];
		const evidence = Array.isArray(p.evidence) ? p.evidence : [];
		return h('div', { class: 'review' },
			p.summary ? h('div', { class: 'review-summary' }, renderMarkdown(p.summary)) : null,
			h('div', { class: 'review-files' },
				h('div', { class: 'muted' }, `${total} file${total === 1 ? '' : 's'} · `,
					h('span', { class: 'plus' }, `+${p.additions ?? 0}`), ' ', h('span', { class: 'minus' }, `−${p.deletions ?? 0}`),
					inPlace ? ' in the project folder' : p.branch ? [' on ', h('code', null, p.branch)] : null),
				files.slice(0, 12).map((f) => h('div', { class: 'rf' },
					h('span', { class: `badge st-${f.status}` }, f.status), h('code', null, f.path),
					f.binary ? h('span', { class: 'muted' }, 'binary')
						: [h('span', { class: 'plus' }, `+${f.additions}`), h('span', { class: 'minus' }, `−${f.deletions}`)])),
				total > 12 ? h('div', { class: 'muted' }, `and ${total - 12} more in the Changes tab`) : null),
			evidence.length ? h('div', { class: 'review-evidence' },
				h('span', { class: 'muted' }, `Evidence of step ${evidence[0].step}: `),
				evidence.map((e, i) => [i ? ', ' : '', h('a', { href: '#', title: `${e.kind}: open it in the Artifacts tab`,
					onclick: (ev) => { ev.preventDefault(); if (this.showArtifacts) this.showArtifacts(); } }, e.label)])) : null,
			prev.length ? h('div', null, h('div', { class: 'comments-head' }, 'Last round\'s comments'),
				prev.map((c) => commentView(c))) : null,
			mine, text, h('div', { class: 'actions' }, merge, keep, changes, discard));
	}

	budget(payload) {
		const lines = budgetLines(payload);
		const main = lines.find((l) => l.limit && l.spent >= l.limit) || lines[0];
		const unit = main ? main.what : 'tokens';
		const amount = h('input', { type: 'number', min: 0, step: unit === 'usd' ? '0.01' : '1',
			'aria-label': `amount to grant (${UNIT[unit]})`,
			value: main && main.limit ? String(main.limit) : '' });
		const grant = h('button', { class: 'btn ok', type: 'submit' }, 'Grant');
		const stop = h('button', { class: 'btn danger', type: 'button' }, 'Stop the run');
		const form = h('form', { class: 'gate-form budget-form' },
			h('div', { class: 'meters' }, lines.map(meter)),
			!lines.length && payload ? h('pre', null, JSON.stringify(payload, null, 2)) : null,
			h('div', { class: 'actions' },
				h('label', { class: 'inline' }, 'Grant ', amount, ` ${UNIT[unit]} more`), grant, stop));
		form.addEventListener('submit', (ev) => {
			ev.preventDefault();
			const v = Number(amount.value);
			if (!(v > 0)) {
				amount.focus();
				return;
			}
			this.send({ decision: 'grant', amount: unit === 'usd' ? Math.round(v * 1e6) : Math.round(v) }, [grant, stop]);
		});
		stop.addEventListener('click', async () => {
			if (await confirmAction('Stop the run?', 'The run ends here, failed for budget; its work so far stays in the project.', 'Stop'))
				this.send({ decision: 'stop' }, [grant, stop]);
		});
		return form;
	}
}

const UNIT = { tokens: 'tokens', usd: 'USD', seconds: 'seconds' };

// The budget payload as lines {what: tokens|usd|seconds, spent, limit},
// USD in dollars.  Accepts {kind, spent, limit} (micro-USD for usd) or per-dimension
// objects {spent: {tokens, usd|usd_micros, seconds}, limit: {...}}.
export function budgetLines(p) {
	p = parseMaybe(p);
	if (!p || typeof p !== 'object') return [];
	const norm = (what) => {
		const w = String(what || '').toLowerCase();
		if (/usd|cost|micro|\$/.test(w)) return 'usd';
		if (/sec|time|ms/.test(w)) return 'seconds';
		return 'tokens';
	};
	const scale = (what, v, key) => {
		v = Number(v) || 0;
		if (what === 'usd' && /micro/.test(key)) return v / 1e6;
		if (what === 'seconds' && /(^|_)ms$/.test(key)) return v / 1000;
		return v;
	};
	if (typeof p.spent !== 'object' && (p.spent !== undefined || p.limit !== undefined)) {
		// The engine's shape (src/flow/gate.h): {kind, spent, limit} in
		// tokens, seconds or micro-USD.
		const what = norm(p.kind || p.what || p.unit || 'tokens');
		const key = what === 'usd' ? 'micros' : what;
		return [{ what, spent: scale(what, p.spent, key), limit: scale(what, p.limit, key) }];
	}
	const spent = p.spent || {};
	const limit = p.limit || {};
	const out = [];
	for (const k of new Set([...Object.keys(spent), ...Object.keys(limit)])) {
		const what = norm(k);
		out.push({ what, spent: scale(what, spent[k], k), limit: scale(what, limit[k], k) });
	}
	return out;
}

function show(what, v) {
	if (what === 'usd') return fmt.usd(v);
	if (what === 'seconds') return fmt.duration(v * 1000);
	return `${fmt.tokens(v)} tokens`;
}

function meter(l) {
	const pct = l.limit ? Math.min(100, (100 * l.spent) / l.limit) : 0;
	return h('div', { class: `meter${l.limit && l.spent >= l.limit ? ' over' : ''}` },
		h('div', { class: 'meter-text' }, h('b', null, show(l.what, l.spent)), ' spent of ',
			h('b', null, l.limit ? show(l.what, l.limit) : 'no limit')),
		h('div', { class: 'meter-bar', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': l.limit || 0,
			'aria-valuenow': l.spent, 'aria-label': `${l.what} spent` }, h('span', { style: { width: `${pct}%` } })));
}

// The critic's verdict on what the gate shows (the solver's review).
function verdictView(v) {
	if (!v || !v.decision) return null;
	return h('div', { class: `critic-verdict ${v.decision === 'accept' ? 'ok' : 'bad'}` },
		h('span', { class: 'cv-who' }, 'Critic: '), h('b', null, v.decision === 'accept' ? 'accepted' : v.decision),
		v.rubric_item ? h('span', { class: 'muted' }, ` (${v.rubric_item})`) : null,
		v.reason ? ` — ${v.reason}` : null, v.fact ? h('div', { class: 'muted' }, `Fact: ${v.fact}`) : null);
}

// Every earlier version's decision and the person's feedback on it.
function solverHistory(solver) {
	const vs = solver && Array.isArray(solver.versions) ? solver.versions : [];
	const before = vs.filter((v) => v.version !== solver.version);
	if (!before.length) return null;
	return h('details', { class: 'solver-history' },
		h('summary', null, `Version ${solver.version} · ${before.length} earlier`),
		h('ol', null, vs.map((v) => h('li', { value: v.version },
			h('b', null, `v${v.version}`), ' ', pill(v.status),
			v.decidedBy ? h('span', { class: 'muted' }, ` by ${v.decidedBy}`) : null,
			v.version === solver.version ? h('span', { class: 'muted' }, ' — this one') : null,
			v.feedback ? h('blockquote', null, v.feedback) : null))));
}

// What changed from the version before (a line diff of their JSON).
function solverChanges(solver, spec) {
	const prev = solver ? parseMaybe(solver.previousSpec) : null;
	if (!prev || typeof prev !== 'object' || !spec || typeof spec !== 'object') return null;
	const rows = lineDiff(JSON.stringify(prev, null, 2).split('\n'), JSON.stringify(spec, null, 2).split('\n'));
	const changed = rows.filter((r) => r.op !== ' ').length;
	return h('details', { class: 'solver-diff' },
		h('summary', null, `What changed from v${solver.version - 1} (${changed} line${changed === 1 ? '' : 's'})`),
		h('pre', { class: 'diff' }, rows.map((r) => h('span', { class: r.op === '+' ? 'add' : r.op === '-' ? 'del' : 'ctx' },
			`${r.op} ${r.text}\n`))));
}

// The lines of a to b as {op: ' ' | '-' | '+', text}: the common head and
// tail kept, the middle by its longest common subsequence, removals before
// additions; a middle too big for that (over DIFF_CELLS) is shown removed,
// then added.
const DIFF_CELLS = 4e6;
export function lineDiff(a, b) {
	let head = 0;
	while (head < a.length && head < b.length && a[head] === b[head]) head++;
	let tail = 0;
	while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
	const ctx = (lines) => lines.map((text) => ({ op: ' ', text }));
	const mid = middleDiff(a.slice(head, a.length - tail), b.slice(head, b.length - tail));
	return [...ctx(a.slice(0, head)), ...mid, ...ctx(a.slice(a.length - tail))];
}

function middleDiff(a, b) {
	const n = a.length;
	const m = b.length;
	if (n * m > DIFF_CELLS)
		return [...a.map((text) => ({ op: '-', text })), ...b.map((text) => ({ op: '+', text }))];
	const L = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
	for (let i = n - 1; i >= 0; i--)
		for (let j = m - 1; j >= 0; j--)
			L[i][j] = a[i] === b[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
	const out = [];
	let i = 0;
	let j = 0;
	while (i < n || j < m) {
		if (i < n && j < m && a[i] === b[j]) {
			out.push({ op: ' ', text: a[i++] });
			j++;
		} else if (i < n && (j === m || L[i + 1][j] >= L[i][j + 1])) out.push({ op: '-', text: a[i++] });
		else out.push({ op: '+', text: b[j++] });
	}
	return out;
}

// A solver spec (SPEC.md 4) as a readable plan.
export function solverView(spec) {
	if (!spec || typeof spec !== 'object' || !Array.isArray(spec.steps)) {
		return h('div', { class: 'solver' }, spec ? h('pre', null, typeof spec === 'string' ? spec : JSON.stringify(spec, null, 2))
			: h('p', { class: 'muted' }, 'The solver is not available yet.'));
	}
	const critics = spec.critics && typeof spec.critics === 'object' ? spec.critics : {};
	const budget = spec.budget && typeof spec.budget === 'object' ? spec.budget : null;
	return h('div', { class: 'solver' },
		h('div', { class: 'solver-head' },
			h('span', { class: 'solver-name' }, spec.name || 'solver'),
			h('span', { class: 'muted' }, `${spec.steps.length} step${spec.steps.length === 1 ? '' : 's'}`),
			budget ? h('span', { class: 'muted' }, 'budget ', [
				budget.tokens ? `${fmt.tokens(budget.tokens)} tokens` : null,
				budget.seconds ? fmt.duration(budget.seconds * 1000) : null,
				budget.usd ? fmt.usd(budget.usd) : null].filter(Boolean).join(' · ')) : null),
		spec.summary ? h('p', { class: 'solver-summary' }, spec.summary) : null,
		h('ol', { class: 'solver-steps' }, spec.steps.map((s) => h('li', { class: 'solver-step' },
			h('div', { class: 'step-head' },
				h('span', { class: 'step-name' }, s.name || '?'),
				h('span', { class: 'chip role' }, s.agent || 'worker'),
				s.critic ? h('span', { class: 'chip critic', title: 'critic rubric' }, `critic: ${s.critic}`) : null,
				s.max_rounds ? h('span', { class: 'chip' }, `≤ ${s.max_rounds} rounds`) : null,
				s.back_to ? h('span', { class: 'chip back' }, `on reject ↩ ${s.back_to}`) : null),
			s.goal ? h('div', { class: 'step-goal' }, renderMarkdown(s.goal)) : null,
			s.call ? h('div', { class: 'step-call' }, h('span', { class: 'muted' }, 'tool step: '),
				h('code', null, `${s.call.tool}(${JSON.stringify(s.call.args ?? {})})`)) : null,
			Array.isArray(s.tools) ? h('div', { class: 'tools' }, s.tools.length
				? s.tools.map((t) => h('span', { class: 'chip tool' }, t)) : h('span', { class: 'muted' }, 'no tools')) : null,
			s.critic && critics[s.critic] ? h('div', { class: 'rubric' },
				h('span', { class: 'rubric-name' }, s.critic), renderMarkdown(critics[s.critic])) : null,
			Array.isArray(s.params) && s.params.length ? h('ul', { class: 'params' }, s.params.map((p) =>
				h('li', null, h('code', null, p.name), ` → ${p.for}: ${p.instruction}`))) : null))));
}
