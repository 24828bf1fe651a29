// result — the card at the top of a finished run: what came of it.
//
// The outcome in words; for a run that did not succeed, its whole reason
// (from the stream's `end` row) and what the person can do next; the
// change it made (files, +/−, its branch); the proof (the evidence
// artifacts of the last step that recorded some, e.g. a baseline that
// failed and the suite that passes); its working time, waiting time and
// cost.  RunView renders it again as the change and the artifacts arrive.

import { h } from './dom.js';
import * as fmt from './format.js';

const OUTCOME = {
	done: ['✓', 'Done', 'The run finished: every step passed.'],
	failed: ['✕', 'Failed', ''],
	generated: ['⏸', 'Waiting for a solver', 'The solver was rejected; the run ended before running it.'],
	discarded: ['⌫', 'Discarded', 'The change was discarded; the project is as it was.'],
};

// What a person can do about a run that ended so (plain words).
export function nextStep(status, reason) {
	const r = String(reason || '');
	const stopped = /^stopped by (.+)/.exec(r);
	if (stopped) return `Stopped by ${stopped[1]}. Run the issue again to start over.`;
	if (status === 'generated')
		return 'Start the issue again to write a new solver; rejecting with feedback tells the planner what to change.';
	if (status === 'discarded') return 'Start the issue again for a new attempt.';
	if (/budget/i.test(r))
		return 'The run used up its budget. Raise CLAW_BUDGET_TOKENS, CLAW_BUDGET_USD or CLAW_BUDGET_SECONDS '
			+ 'in claw.env (or the solver\'s own budget), or grant more when the budget gate asks, then run again.';
	if (/HTTP 401|HTTP 403|authenticat|api key/i.test(r))
		return 'The model provider refused the credentials: check the API key in claw.env, then run again.';
	if (/HTTP (5\d\d|429|408)|timed out|overloaded|unreachable|could not connect/i.test(r))
		return 'The model provider was busy or unreachable. Run again in a moment.';
	if (/out of quota or credit/i.test(r))
		return 'The model provider says the account is out of quota or credit: add credit or use another key, then run again.';
	if (/(anthropic|openai): [^\n]*HTTP 4\d\d/i.test(r))
		return 'The model provider refused the request: check CLAW_MODEL and CLAW_BASE_URL in claw.env; '
			+ 'the errors in the trace show the provider\'s own words. Then run again.';
	return 'Run the issue again; if it fails the same way, the errors in the trace show where.';
}

// The evidence artifacts of the last step that recorded some.
export function proofOf(artifacts) {
	const ev = (Array.isArray(artifacts) ? artifacts : []).filter((a) => a.kind === 'evidence');
	if (!ev.length) return [];
	const step = ev[ev.length - 1].step;
	return ev.filter((a) => a.step === step);
}

// r: {status, reason, working, waited (ms), costMicros, tokensIn, tokensOut,
// change (GET .../changes or null), artifacts (list or null)}; actions:
// {retry(), showErrors(), showChanges(), showArtifacts()}.
export function resultCard(r, actions) {
	const [icon, title, plain] = OUTCOME[r.status] || ['•', r.status, ''];
	const ok = r.status === 'done';
	const c = r.change;
	const files = c && Array.isArray(c.files) ? c.files.length : 0;
	const proof = proofOf(r.artifacts);
	const link = (text, fn) => h('button', { class: 'linkish', type: 'button', onclick: fn }, text);
	return h('section', { class: `result r-${r.status}`, 'aria-label': 'result of the run' },
		h('div', { class: 'result-head' },
			h('span', { class: 'result-icon', 'aria-hidden': 'true' }, icon),
			h('h3', null, title),
			h('span', { class: 'muted' }, fmt.duration(r.working), r.waited ? ` working · ${fmt.duration(r.waited)} waiting` : '',
				` · ${fmt.usdMicros(r.costMicros)} · ${fmt.tokens(r.tokensIn)} in / ${fmt.tokens(r.tokensOut)} out`)),
		ok || !r.reason ? (plain ? h('p', { class: 'result-plain' }, plain) : null)
			: h('p', { class: 'result-reason' }, r.reason),
		files ? h('div', { class: 'result-line' }, h('span', { class: 'result-k' }, 'Change'),
			`${files} file${files === 1 ? '' : 's'} `, h('span', { class: 'plus' }, `+${c.additions ?? 0}`), ' ',
			h('span', { class: 'minus' }, `−${c.deletions ?? 0}`),
			c.branch ? [' on ', h('code', null, c.branch)] : ' in the project folder', ' · ',
			link('see the change', actions.showChanges)) : null,
		proof.length ? h('div', { class: 'result-line' }, h('span', { class: 'result-k' }, 'Proof'),
			`step ${proof[0].step}: `, proof.map((a, i) => [i ? ', ' : '',
				h('span', { class: 'proof' }, a.label || `#${a.n}`, a.note ? h('span', { class: 'muted' }, ` (${a.note})`) : null)]),
			' · ', link('open', actions.showArtifacts)) : null,
		ok ? null : h('div', { class: 'result-next' },
			h('p', null, nextStep(r.status, r.reason)),
			h('div', { class: 'actions' },
				h('button', { class: 'btn primary', type: 'button', onclick: actions.retry }, 'Run again'),
				r.status === 'failed' ? h('button', { class: 'btn', type: 'button', onclick: actions.showErrors }, 'Show the errors') : null)));
}
