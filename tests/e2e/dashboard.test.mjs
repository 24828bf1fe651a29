// dashboard — the whole dashboard against claw serve, nginx and mockllm.
//
// Two tabs, as a person would have them: the board (page B) and an issue
// (page I).  Issue A goes through the whole pipeline driven from the page:
// register the project, open the issue, start it, watch its card move
// across the columns and the waterfall fill in live, approve the solver in
// the gate panel, answer the run's question, reload mid-run and survive an
// nginx restart without duplicate rows, accept its change at the review
// gate (the folder is no git repository: the run worked in it, checkpointed),
// and see the run finish with its artifacts and cost.  Issue B parks at a budget gate, is granted more from
// the page, then stopped and closed with the confirmations.  A second
// project is switched to with the picker, and an issue deleted from its db
// by another process leaves its board.  Screenshots of
// the board, the run view and each gate kind go to the shots directory.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, assert, equal, diag } from './tap.mjs';
import { waitFor, sleep, axeSerious } from './harness.mjs';
import { reviewTests } from './review.test.mjs';
import { scenario, TITLE_A, TITLE_B, TITLE_C, FEEDBACK, ANSWER, BUDGET_TOKENS, CONTEXT_TOKENS, SOLVER, TITLE_Q, TITLE_W,
	TITLE_QUEUED, TITLE_S, POLISHED, STEER, SOLVER_S, THOUGHT, TITLE_M, SOLVER_M } from './scenario.mjs';

export function hasServe(claw) {
	const r = spawnSync(claw, ['serve', '--help'], { encoding: 'utf8', timeout: 5000 });
	return /--listen/.test(`${r.stdout}${r.stderr}`);
}

export function dashboardTests(ctx) {
	const why = hasServe(ctx.claw) ? '' : `${ctx.claw} has no serve command`;
	const { h } = ctx;
	const s = {}; // state shared by the steps
	// Screenshots without passing toasts and with animations settled.
	const shot = async (page, name, opts = {}) => {
		await page.evaluate(() => document.getElementById('toasts').replaceChildren());
		await page.screenshot({ path: path.join(ctx.shots, `${name}.png`), animations: 'disabled', ...opts });
	};
	const api = async (method, p, body) => {
		const r = await fetch(`${h.base}${p}`, { method, headers: body ? { 'Content-Type': 'application/json' } : {},
			body: body ? JSON.stringify(body) : undefined });
		const text = await r.text();
		return { status: r.status, body: text ? JSON.parse(text) : null };
	};
	const P = () => `/api/projects/${s.key}`;
	// Stores solver as issue id's approved v1, so a start skips generate
	// (the sqlite3 shell waits out claw serve's write lock).
	const approveSolver = (id, solver) => {
		const db = path.join(h.home, 'projects', `${s.key}.db`);
		const spec = JSON.stringify(solver).replaceAll("'", "''");
		const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', db, `INSERT INTO solvers (issue_id, version, spec,
			status, decided_by, created_at, decided_at) VALUES (${id}, 1, '${spec}', 'approved', 'test', 0, 0)`],
		{ encoding: 'utf8' });
		equal(r.status, 0, `an approved solver: ${r.stderr}`);
	};
	const issue = async (id) => (await api('GET', `${P()}/issues/${id}`)).body;
	// Every wire row of a run, through the poll route.
	const traceRows = async (runId) => {
		const rows = [];
		for (let since = 0, i = 0; i < 100; i++) {
			const r = await api('GET', `${P()}/runs/${runId}/trace?since=${since}&limit=500`);
			if (!Array.isArray(r.body) || !r.body.length) break;
			rows.push(...r.body);
			since = r.body[r.body.length - 1].seq;
		}
		return rows;
	};
	// The rows the tree must hold: all but `end` rows and the tool results
	// folded into their calls.
	const domSeqs = (page) => page.$$eval('.tree .node', (els) => els.map((e) => Number(e.dataset.seq)));
	const checkTree = async (page, runId) => {
		await page.$eval('select[aria-label="detail level"]', (sel) => { // every row (the default is info)
			sel.value = '10';
			sel.dispatchEvent(new Event('change'));
		});
		const seqs = await domSeqs(page);
		const uniq = new Set(seqs);
		equal(uniq.size, seqs.length, 'no duplicate rows in the tree');
		const rows = await traceRows(runId);
		const shown = rows.filter((r) => r.type !== 'end' && r.type !== 'tool-result');
		const missing = shown.filter((r) => !uniq.has(r.seq)).map((r) => `${r.seq}:${r.type}`);
		equal(missing.join(' '), '', 'every row of the run is in the tree');
		const extra = seqs.filter((q) => !rows.some((r) => r.seq === q));
		equal(extra.join(' '), '', 'nothing in the tree that the run does not have');
		return seqs.length;
	};
	const gateKind = (page) => page.$eval('.gate-panel', (el) => (el.hidden ? '' : el.className.replace(/.*g-/, '')))
		.catch(() => '');

	test('dashboard: mockllm, claw serve and nginx are up', async () => {
		await h.startMock(scenario());
		s.proj = path.join(h.dir, 'greeter');
		fs.mkdirSync(s.proj);
		// One executing run at a time (a run parked at a gate holds no slot).
		await h.startServe({ CLAW_BUDGET_TOKENS: String(BUDGET_TOKENS), CLAW_MAX_RUNS: '1',
			CLAW_CONTEXT_TOKENS: String(CONTEXT_TOKENS) });
		const r = await api('GET', '/api/health');
		equal(r.status, 200, 'health through nginx');
		equal(r.body.ok, true, 'health ok');
	}, { fatal: true, skip: why, timeout: 40000 });

	test('dashboard: register a project from the page', async () => {
		s.B = await h.context.newPage();
		s.B.on('pageerror', (e) => diag(`page error (board): ${e.message}`));
		// The browser's notifications, recorded instead of shown.
		await s.B.addInitScript(() => {
			window.notes = [];
			window.Notification = class {
				static permission = 'default';
				static requestPermission() {
					window.Notification.permission = 'granted';
					return Promise.resolve('granted');
				}
				constructor(title, opts) { window.notes.push({ title, body: opts && opts.body }); }
				close() {}
			};
		});
		await s.B.goto(`${h.base}/`);
		await s.B.getByRole('button', { name: 'Register a project' }).click();
		await s.B.getByLabel(/Folder/).fill(s.proj);
		await s.B.getByLabel('Description').fill('Says hello, in files');
		await s.B.getByRole('button', { name: 'Register', exact: true }).click();
		await s.B.waitForSelector('.board-view .project-title h1');
		equal(await s.B.textContent('.project-title h1'), 'greeter', 'the board of the new project');
		s.key = decodeURIComponent(new URL(s.B.url()).hash.split('/')[1]);
		assert(/^[A-Za-z0-9-]+$/.test(s.key), `key in the URL hash: ${s.key}`);
		equal(await s.B.$eval('#project-picker', (e) => e.value), s.key, 'the picker shows it');
		await s.B.getByRole('button', { name: 'Notify me' }).click();
		await s.B.waitForSelector('#notify[aria-pressed="true"]');
	}, { fatal: true, skip: why });

	test('dashboard: create an issue from the board', async () => {
		await s.B.getByRole('button', { name: '+ New issue' }).click();
		await s.B.getByLabel('Title').fill(TITLE_A);
		await s.B.getByLabel('Description').fill('The project needs a **hello.txt**.\n\n- ask which greeting\n- prove it with `cat`');
		await s.B.getByRole('button', { name: 'Open issue' }).click();
		const card = await s.B.waitForSelector('.col.c-open .card');
		s.A = Number(await card.getAttribute('data-id'));
		assert(s.A > 0, 'card has an id');
		equal(await card.$eval('.card-title', (e) => e.textContent), TITLE_A, 'card title');
		// Two more open issues, made elsewhere (the API), appear live.
		s.W = (await api('POST', `${P()}/issues`, { title: TITLE_W, description: '`calc 2 ^ 10` prints 1024.' })).body.id;
		s.Qd = (await api('POST', `${P()}/issues`, { title: TITLE_QUEUED })).body.id;
		await waitFor(async () => (await s.B.$$('.col.c-open .card')).length === 3, { what: 'three open cards' });
		await waitFor(async () => (await s.B.getAttribute('#board-conn', 'data-state')) === 'live', { what: 'board stream live' });
		// The board tab records every column each card visits.
		await s.B.evaluate(() => {
			window.moves = {};
			const scan = () => {
				for (const c of document.querySelectorAll('.card')) {
					const col = c.closest('.col').className.match(/c-(\w+)/)[1];
					const m = (window.moves[c.dataset.id] ||= []);
					if (m[m.length - 1] !== col) m.push(col);
				}
			};
			scan();
			new MutationObserver(scan).observe(document.querySelector('.board'), { childList: true, subtree: true });
		});
	}, { fatal: true, skip: why });

	test('dashboard: start the issue; the waterfall fills in live', async () => {
		s.I = await h.context.newPage();
		s.I.on('pageerror', (e) => diag(`page error (issue): ${e.message}`));
		await s.I.goto(`${h.base}/#/${s.key}/issue/${s.A}`);
		await s.I.waitForSelector('.issue-head h1');
		assert((await s.I.textContent('.issue-side .md')).includes('hello.txt'), 'the description, rendered');
		equal(await s.I.$eval('.issue-side .md strong', (e) => e.textContent), 'hello.txt', 'markdown strong');
		await s.I.getByRole('button', { name: /Start/ }).click();
		await s.I.waitForSelector('.run-view');
		await waitFor(async () => (await s.I.$$('.tree .node.t-step')).length > 0, { what: 'a step row', timeout: 20000 });
		equal(await s.I.getAttribute('.run-view .conn', 'data-state'), 'live', 'the run stream is live while it fills');
		await s.I.waitForSelector('.tree .node.t-workflow');
		const wf = await s.I.textContent('.tree .node.t-workflow > .row .label');
		equal(wf, 'generate', 'the generate workflow');
	}, { fatal: true, skip: why, timeout: 40000 });

	test('dashboard: the approval gate shows the solver; approve it', async () => {
		await s.I.waitForSelector('.gate-panel.g-approve', { timeout: 30000 });
		const steps = await s.I.$$eval('.gate-panel .solver-step .step-name', (els) => els.map((e) => e.textContent));
		equal(steps.join(','), 'implement,verify', 'the solver\'s steps');
		const panel = await s.I.textContent('.gate-panel');
		assert(panel.includes(SOLVER.critics.works), 'critic rubric shown');
		assert(panel.includes('write_file'), 'tools shown');
		assert(panel.includes('on reject ↩ implement'), 'back_to shown');
		// The waiting card on the board shows the gate.
		await s.B.waitForSelector(`.col.c-waiting .card[data-id="${s.A}"] .card-gate.g-approve`);
		// The board tab calls: a notification, the favicon and the title count it.
		await waitFor(() => s.B.evaluate((a) => window.notes.some((n) => n.title.startsWith(`#${a} waits for its solver`)), s.A),
			{ what: 'a notification of the approval gate' });
		equal(await s.B.$eval('link[rel="icon"]', (e) => e.dataset.count), '1', 'the favicon counts one waiting issue');
		assert((await s.B.$eval('link[rel="icon"]', (e) => e.href)).startsWith('data:image/png'), 'drawn');
		assert((await s.B.title()).startsWith('(1) '), 'so does the title');
		// One number for a run everywhere: board, run view, runs list, API.
		const runA = (await issue(s.A)).runs.at(-1).id;
		assert((await s.B.textContent(`.card[data-id="${s.A}"] .card-meta .run`)).startsWith(`run #${runA}`), 'the card names run #N');
		equal(await s.I.textContent('.run-view .run-head h2'), `Run #${runA}`, 'the run view too');
		assert((await s.I.textContent('.runs-list')).includes(`Run #${runA}`), 'and the runs list');
		const verdict = await s.I.textContent('.gate-panel .critic-verdict');
		assert(verdict.includes('accepted'), `the critic's verdict on the solver: ${verdict}`);
		await shot(s.B, 'board');
		await s.I.evaluate(() => window.scrollTo(0, 0));
		await shot(s.I, 'gate-approve');
		equal(await axeSerious(s.I), '', 'axe: the approval gate and the live run');
		// On a phone the decision comes first: Approve shows with the panel's top.
		await s.I.setViewportSize({ width: 390, height: 844 });
		await s.I.$eval('.gate-panel', (e) => e.scrollIntoView({ block: 'start' }));
		const box = await s.I.getByRole('button', { name: 'Approve', exact: true }).boundingBox();
		assert(box && box.y >= 0 && box.y + box.height <= 844, `Approve on the phone screen (y ${box && box.y})`);
		await shot(s.I, 'phone-gate-approve');
		await s.I.setViewportSize({ width: 1280, height: 800 });
		// The tool error of understand is highlighted; the 429 shows as a retry.
		assert(await s.I.$('.tree .node.t-tool.error'), 'failed command highlighted');
		const retry = await s.I.textContent('.tree .node.t-retry > .row .label');
		assert(/^rate-limited, retrying in 1 s/.test(retry), `retry row: ${retry}`);
		await s.I.getByRole('button', { name: 'Approve', exact: true }).click();
		await waitFor(async () => !(await gateKind(s.I)), { what: 'the approval gate to close' });
	}, { fatal: true, skip: why, timeout: 45000 });

	test('dashboard: answer the run\'s question in the gate panel', async () => {
		await s.I.waitForSelector('.gate-panel.g-question', { timeout: 30000 });
		assert((await s.I.textContent('.gate-panel')).includes('Which greeting should hello.txt hold?'), 'the question');
		await s.B.waitForSelector(`.col.c-waiting .card[data-id="${s.A}"] .card-gate.g-question`);
		await s.I.evaluate(() => window.scrollTo(0, 0));
		await shot(s.I, 'gate-question');
		await s.I.getByLabel('your answer').fill(ANSWER);
		await s.I.getByRole('button', { name: 'Send answer' }).click();
		await waitFor(async () => !(await gateKind(s.I)), { what: 'the question gate to close' });
	}, { fatal: true, skip: why, timeout: 45000 });

	test('dashboard: reload mid-run and an nginx restart: the same tree, no duplicates', async () => {
		s.runA = (await issue(s.A)).runs.at(-1).id;
		await s.I.reload();
		await s.I.waitForSelector('.tree .node.t-workflow');
		// The run is still going: the implement step reworks after its critic.
		const st = (await issue(s.A)).status;
		assert(['inprogress', 'waiting'].includes(st), `still running after the reload (${st})`);
		const before = (await domSeqs(s.I)).length;
		await h.stop('nginx');
		await waitFor(async () => (await s.I.getAttribute('.run-view .conn', 'data-state')) === 'reconnecting',
			{ what: 'run stream reconnecting', timeout: 10000 });
		equal(await s.I.getAttribute('#board-conn', 'data-state'), 'reconnecting', 'board stream reconnecting');
		await sleep(500);
		await h.startNginx();
		await waitFor(async () => (await s.B.getAttribute('#board-conn', 'data-state')) === 'live',
			{ what: 'board stream live again', timeout: 20000 });
		await waitFor(async () => (await domSeqs(s.I)).length > before, { what: 'new rows after the restart', timeout: 20000 });
		const seqs = await domSeqs(s.I);
		equal(new Set(seqs).size, seqs.length, 'no duplicate rows after the reconnect');
		// The browser resumed with Last-Event-ID: the server sent nothing twice.
		equal(await s.I.getAttribute('.run-view', 'data-dups'), null, 'no row received twice');
	}, { skip: why, timeout: 60000 });

	test('dashboard: the run ends at the review gate; accept its change in place', async () => {
		// The greeter folder is no git repository: the run worked in it, checkpointed.
		await s.I.waitForSelector('.gate-panel.g-review', { timeout: 40000 });
		await s.I.waitForSelector('.tab[data-tab="changes"][aria-selected="true"]');
		await s.I.waitForSelector('details.change[data-path="hello.txt"]');
		assert(await s.I.$('.gate-panel button:has-text("Revert")'), 'a run in place can be reverted');
		assert((await s.I.textContent('.gate-panel')).includes('Evidence of step verify: cat'),
			'the last step\'s evidence beside the change');
		await s.I.evaluate(() => window.scrollTo(0, 0));
		await shot(s.I, 'gate-review-inplace');
		await s.I.getByRole('button', { name: 'Accept', exact: true }).click();
	}, { fatal: true, skip: why, timeout: 60000 });

	test('dashboard: the run finishes with its artifacts and cost', async () => {
		await waitFor(async () => (await issue(s.A)).status === 'done', { what: 'issue A done', timeout: 40000 });
		await waitFor(async () => (await s.I.getAttribute('.run-view .conn', 'data-state')) === 'ended',
			{ what: 'the run stream ended', timeout: 15000 });
		await s.I.waitForSelector('.issue-head .pill.s-done');
		await s.B.waitForSelector(`.col.c-done .card[data-id="${s.A}"]`);
		// The result card: done, the proof of the last step, time and cost.
		await s.I.waitForSelector('.result.r-done .result-line:has-text("Proof")', { timeout: 10000 });
		const result = await s.I.textContent('.result');
		assert(result.includes('Done') && result.includes('step verify: cat'), `the result card: ${result}`);
		assert(/\$0\.\d*[1-9]/.test(result), 'with the cost');
		assert(!(await s.I.$('.result button:has-text("Run again")')), 'nothing to do after a success');
		await waitFor(() => s.B.evaluate((a) => window.notes.some((n) => new RegExp(`^Run #\\d+ of #${a} done`).test(n.title)), s.A),
			{ what: 'a notification that the run is done' });
		equal(fs.readFileSync(path.join(s.proj, 'hello.txt'), 'utf8'), `${ANSWER}\n`, 'the run wrote hello.txt');
		const n = await checkTree(s.I, s.runA);
		diag(`tree of run ${s.runA}: ${n} rows`);
		// Critic rejection and the back-and-forth are highlighted.
		assert(await s.I.$('.tree .node.t-tool.reject'), 'critic rejection highlighted');
		assert(await s.I.$('.tree .node.t-step .flag.rej'), 'rejection counted on its step');
		// Cost and tokens.
		const totals = await s.I.textContent('.run-totals');
		assert(/\$0\.\d*[1-9]/.test(totals), `run cost shown: ${totals}`);
		const card = await s.B.textContent(`.card[data-id="${s.A}"]`);
		assert(/\$0\.\d*[1-9]/.test(card), `card cost: ${card}`);
		// Artifacts by step, with bodies.
		await waitFor(async () => (await s.I.$$('.artifacts .art')).length >= 3, { what: 'artifacts listed' });
		const labels = await s.I.$$eval('.artifacts .art-label', (els) => els.map((e) => e.textContent));
		for (const l of ['solver', 'hello.txt', 'cat']) assert(labels.includes(l), `artifact ${l} in ${labels}`);
		const ev = s.I.locator('.artifacts details.art', { has: s.I.locator('.art-label', { hasText: /^cat$/ }) });
		await s.I.click('.tab[data-tab="artifacts"]');
		await ev.locator('summary').click();
		await waitFor(async () => (await ev.locator('.art-body').textContent()).includes(ANSWER), { what: 'evidence body' });
		assert((await ev.locator('.art-body').textContent()).includes('cat hello.txt'), 'evidence shows its command');
		await s.I.click('.tab[data-tab="trace"]');
		// Column history of the card on the board tab.
		const moves = await s.B.evaluate((id) => window.moves[id], String(s.A));
		diag(`card #${s.A} went ${moves.join(' → ')}`);
		const want = ['open', 'inprogress', 'waiting', 'inprogress', 'waiting', 'inprogress', 'review', 'done'];
		let k = 0;
		for (const m of moves) if (m === want[k]) k++;
		equal(k, want.length, `card moved ${want.join(' → ')} (saw ${moves.join(' → ')})`);
		await s.I.evaluate(() => window.scrollTo(0, 0));
		// The solver's part of the tree: the question, the rejection, the rework.
		await s.I.evaluate(() => {
			const t = document.querySelector('.trace');
			const wfs = [...document.querySelectorAll('.tree .node.t-workflow')];
			const n = wfs[wfs.length - 1];
			if (t && n) t.scrollTop += n.getBoundingClientRect().top - t.getBoundingClientRect().top - 24;
		});
		await shot(s.I, 'run');
		// A row's details open in the side panel; the rows keep their place.
		const rowsBefore = await s.I.$$eval('.tree .node', (els) => els.length);
		await s.I.click('.tree .node.t-reply .label');
		await s.I.waitForSelector('.span-detail:not([hidden]) .kv');
		assert((await s.I.textContent('.span-detail')).includes('in ·'), 'the reply\'s usage in the panel');
		assert(await s.I.$('.tree .node.t-reply.selected'), 'its row marked');
		equal(await s.I.$$eval('.tree .node', (els) => els.length), rowsBefore, 'no row added to the tree');
		await shot(s.I, 'run-detail');
		// Collapsing a span takes its rows out; expanding puts them back.
		const ai = '.tree .node.t-ai';
		await s.I.click(`${ai} .tog`);
		assert((await s.I.$$eval('.tree .node', (els) => els.length)) < rowsBefore, 'collapsed: fewer rows');
		await s.I.click(`${ai} .tog`);
		equal(await s.I.$$eval('.tree .node', (els) => els.length), rowsBefore, 'expanded again: every row');
		await s.I.click('.span-detail button[aria-label="close the details"]');
		await s.I.waitForSelector('.span-detail', { state: 'hidden' });
		// Search (the server's ?q=) finds a row under collapsed spans and opens them.
		await s.I.click('button:has-text("collapse all")');
		assert(!(await s.I.$('.tree .node.t-reply')), 'collapsed: no reply row shown');
		await s.I.focus('.trace');
		await s.I.keyboard.press('/');
		equal(await s.I.evaluate(() => document.activeElement?.className), 'trace-search', '/ goes to the search box');
		await s.I.keyboard.press('Escape');
		assert(await s.I.evaluate(() => document.activeElement?.classList.contains('trace')), 'Esc in the search box: back to the tree');
		assert(await s.I.$('.issue-view'), 'and still on the issue');
		await s.I.fill('.trace-search', 'escalate');
		await s.I.keyboard.press('Enter');
		await s.I.waitForSelector('.span-detail .hits .hit');
		await shot(s.I, 'run-search');
		await s.I.click('.span-detail .hit:has-text("ESCALATE")');
		await s.I.waitForSelector('.tree .node.t-reply.cursor');
		assert((await s.I.textContent('.tree .node.cursor .label')).includes('ESCALATE'), 'the hit is shown, cursor on it');
		assert(await s.I.$('.span-detail:not([hidden]) .kv'), 'with its details');
		// Keyboard: the cursor moves down a row, Enter shows that row's details.
		const at = await s.I.getAttribute('.tree .node.cursor', 'data-seq');
		await s.I.focus('.trace');
		await s.I.keyboard.press('ArrowDown');
		assert((await s.I.getAttribute('.tree .node.cursor', 'data-seq')) !== at, 'ArrowDown moves the cursor');
		await s.I.keyboard.press('ArrowUp');
		equal(await s.I.getAttribute('.tree .node.cursor', 'data-seq'), at, 'ArrowUp moves it back');
		await s.I.click('button:has-text("expand all")');
	}, { skip: why, timeout: 60000 });

	test('dashboard: a budget gate granted from the page, then stop and close', async () => {
		const made = await api('POST', `${P()}/issues`, { title: TITLE_B, description: 'Burn through the budget.' });
		s.Bid = made.body.id;
		await s.I.goto(`${h.base}/#/${s.key}/issue/${s.Bid}`);
		// A double click starts one run: the button waits for the first request.
		await s.I.getByRole('button', { name: /Start/ }).dblclick();
		await s.I.waitForSelector('.gate-panel.g-budget', { timeout: 30000 });
		equal((await issue(s.Bid)).runs.length, 1, 'a double click on Start started one run');
		assert(!(await s.I.$('.toast.err')), 'and no "already has an active run" error');
		await waitFor(async () => (await s.I.title()).startsWith('(1) '), { what: 'the tab title to count the waiting issue' });
		const meter = await s.I.textContent('.gate-panel .meter-text');
		assert(/spent of\s*60k tokens/.test(meter), `spent vs limit: ${meter}`);
		await s.I.evaluate(() => window.scrollTo(0, 0));
		await shot(s.I, 'gate-budget');
		const before = h.mockRequests().length;
		await s.I.getByLabel(/amount to grant/).fill('100000');
		await s.I.getByRole('button', { name: 'Grant', exact: true }).click();
		await waitFor(async () => !(await gateKind(s.I)), { what: 'the budget gate to close' });
		await waitFor(async () => !(await s.I.title()).startsWith('('), { what: 'the tab title without a waiting count' });
		await waitFor(() => h.mockRequests().slice(before).some((r) => JSON.stringify(r.body).includes('Carry out step assess')),
			{ what: 'the run to go on after the grant', timeout: 20000 });
		const answers = (await traceRows((await issue(s.Bid)).runs.at(-1).id)).filter((r) => r.type === 'answer');
		equal(answers.length, 1, 'one answer row');
		equal(answers[0].data.decision, 'grant', 'granted');
		equal(Number(answers[0].data.amount), 100000, 'the amount typed');
		// Stop, with its confirmation.
		await s.I.getByRole('button', { name: /Stop/ }).click();
		await s.I.getByRole('button', { name: 'Stop run' }).click();
		await waitFor(async () => (await issue(s.Bid)).status === 'open', { what: 'issue B open after the stop', timeout: 20000 });
		const runB = (await issue(s.Bid)).runs.at(-1);
		equal(runB.status, 'failed', 'the stopped run failed');
		await s.I.waitForSelector('.run-view .conn[data-state="ended"]');
		assert(!(await s.I.$('.tree .node .flag.gate')), 'after the stop no question in the trace says "waiting"');
		await s.I.waitForSelector('.result.r-failed');
		assert((await s.I.textContent('.result')).includes('Stopped by'), 'the result card says who stopped it');
		await s.B.waitForSelector(`.col.c-open .card[data-id="${s.Bid}"]`);
		// Close, with its confirmation; cancelling first changes nothing.
		await s.I.getByRole('button', { name: 'Close issue' }).click();
		await s.I.getByRole('button', { name: 'Cancel' }).click();
		equal((await issue(s.Bid)).status, 'open', 'cancelled close changes nothing');
		await s.I.getByRole('button', { name: 'Close issue' }).click();
		await s.I.locator('dialog').getByRole('button', { name: 'Close issue' }).click();
		await s.B.waitForSelector(`.col.c-closed .card[data-id="${s.Bid}"]`);
		await shot(s.B, 'board-after');
	}, { skip: why, timeout: 60000 });

	test('dashboard: reject a solver with feedback; edit the next one at the gate', async () => {
		const c = (await api('POST', `${P()}/issues`, { title: TITLE_C })).body.id;
		s.C = c;
		await s.I.goto(`${h.base}/#/${s.key}/issue/${c}`);
		await s.I.getByRole('button', { name: /Start/ }).click();
		await s.I.waitForSelector('.gate-panel.g-approve[data-gate]', { timeout: 30000 });
		const first = await s.I.getAttribute('.gate-panel', 'data-gate');
		assert(!/gate \d/.test(await s.I.textContent('.gate-panel')), 'no internal gate id on the panel');
		// The feedback box closes with Esc and with Cancel, changing nothing.
		await s.I.getByRole('button', { name: 'Reject with feedback…' }).click();
		await s.I.getByLabel('feedback for the planner').press('Escape');
		await s.I.waitForSelector('.gate-panel .feedback', { state: 'hidden' });
		assert(await s.I.$('.issue-view'), 'Esc in the box stays on the issue');
		await s.I.getByRole('button', { name: 'Reject with feedback…' }).click();
		await s.I.getByRole('button', { name: 'Cancel' }).click();
		await s.I.waitForSelector('.gate-panel .feedback', { state: 'hidden' });
		await s.I.getByRole('button', { name: 'Reject with feedback…' }).click();
		await s.I.getByLabel('feedback for the planner').fill(FEEDBACK);
		await s.I.getByRole('button', { name: 'Send feedback' }).click();
		// A new solver, generated with the feedback, at a new gate.
		await waitFor(async () => (await s.I.getAttribute('.gate-panel.g-approve', 'data-gate').catch(() => first)) !== first,
			{ what: 'a second approval gate', timeout: 30000 });
		assert(h.mockRequests().some((r) => JSON.stringify(r.body).includes(FEEDBACK) &&
			JSON.stringify(r.body).includes('Carry out step understand')), 'the regeneration had the feedback');
		// v1's feedback beside v2, and what changed from v1.
		await s.I.waitForSelector('.gate-panel .solver-history');
		await s.I.click('.gate-panel .solver-history summary');
		const hist = await s.I.textContent('.gate-panel .solver-history');
		assert(hist.includes('v1') && hist.includes('rejected') && hist.includes(FEEDBACK), `history: ${hist}`);
		await s.I.click('.gate-panel .solver-diff summary');
		assert(/What changed from v1 \(\d+ lines?\)/.test(await s.I.textContent('.gate-panel .solver-diff summary')),
			'the diff from v1');
		// The panel may be drawn again as the critic's verdict and the issue arrive: wait for it.
		const changed = await s.I.waitForSelector('.gate-panel .solver-diff .diff .add, .gate-panel .solver-diff .diff .del',
			{ state: 'attached', timeout: 10000 }).catch(() => null);
		assert(changed, `with changed lines: ${await s.I.textContent('.gate-panel .solver-diff').catch((e) => e.message)}`);
		// The panel of the new gate shows the new solver, never the one before.
		assert((await s.I.textContent('.gate-panel')).includes('with a brush, by hand'), 'the panel shows v2');
		await s.I.evaluate(() => window.scrollTo(0, 0));
		await shot(s.I, 'gate-approve-v2');
		// Edit it: JSON that is not a solver, then one the validator refuses,
		// then Esc; then a valid edit, approved.
		await s.I.getByRole('button', { name: 'Edit…' }).click();
		const editor = s.I.getByLabel('the solver as JSON');
		assert((await editor.inputValue()).includes('"steps"'), 'the editor holds the solver');
		await editor.fill('{"name": ');
		await s.I.getByRole('button', { name: 'Approve as edited' }).click();
		await waitFor(async () => (await s.I.textContent('.gate-status')).includes('This is not JSON'), { what: 'the JSON error' });
		await editor.fill(JSON.stringify({ name: 'Edited', steps: [{ name: 'tidy', goal: 'Tidy up.', tools: ['teleport'] }] }));
		await s.I.getByRole('button', { name: 'Approve as edited' }).click();
		await waitFor(async () => (await s.I.textContent('.gate-status')).includes('the edited solver is not valid'),
			{ what: 'the validator\'s refusal' });
		assert((await s.I.textContent('.gate-status')).includes('teleport'), 'naming the problem');
		await s.I.evaluate(() => window.scrollTo(0, 0));
		await shot(s.I, 'gate-approve-edit-error');
		equal((await issue(c)).gate && (await issue(c)).gate.kind, 'approve', 'refused: the gate is still open');
		// Esc with the focus on the editor's button closes the editor, not the page.
		await s.I.getByRole('button', { name: 'Approve as edited' }).focus();
		await s.I.keyboard.press('Escape');
		await s.I.waitForSelector('.gate-panel .solver-editor', { state: 'hidden' });
		assert(await s.I.$('.issue-view'), 'still on the issue');
		await s.I.getByRole('button', { name: 'Edit…' }).click();
		await editor.fill(JSON.stringify({ name: 'Edited', summary: 'Edited at the gate.',
			steps: [{ name: 'tidy', goal: 'Tidy the fence up.', tools: [] }] }));
		await s.I.getByRole('button', { name: 'Approve as edited' }).click();
		await waitFor(async () => !(await gateKind(s.I)), { what: 'the approval gate to close' });
		const sv = (await issue(c)).solver;
		equal(`${sv.version} ${sv.status} ${sv.spec.name}`, '3 approved Edited', 'the edit is v3, approved');
		assert(/^edited from v2 by /.test(sv.feedback), `its note: ${sv.feedback}`);
		// The edited step asks the model for a reply mockllm does not have:
		// the run fails, and its result card says why and what to do.
		await waitFor(async () => (await issue(c)).runs.at(-1).status === 'failed', { what: 'the run to fail', timeout: 40000 });
		await s.I.waitForSelector('.result.r-failed', { timeout: 15000 });
		const card = await s.I.textContent('.result');
		assert(card.includes('mockllm: no scenario reply left'), `the whole reason: ${card}`);
		assert(card.includes('check CLAW_MODEL'), 'what to do about it');
		assert(await s.I.$('.result button:has-text("Run again")'), 'Run again offered');
		await s.I.click('.result button:has-text("Show the errors")');
		equal(await s.I.$eval('select[aria-label="filter the rows"]', (e) => e.value), 'errors', 'Show the errors filters the trace');
		await s.I.evaluate(() => window.scrollTo(0, 0));
		await shot(s.I, 'result-failed');
		await api('POST', `${P()}/issues/${c}/close`, {});
	}, { skip: why, timeout: 90000 });

	// Before the showcase takes the only run slot.
	reviewTests({ h, api, shot, why });

	test('dashboard: a message sent from the page reaches the running step', async () => {
		const id = (await api('POST', `${P()}/issues`, { title: TITLE_S })).body.id;
		approveSolver(id, SOLVER_S);
		const page = await h.context.newPage();
		await page.goto(`${h.base}/#/${s.key}/issue/${id}`);
		await page.getByRole('button', { name: /Start/ }).click();
		await waitFor(() => h.mockRequests().some((q) => JSON.stringify(q.body).includes('Carry out step polish')),
			{ what: 'the step asking its model', timeout: 20000 });
		await page.waitForSelector('form.steer:not([hidden])');
		await page.getByLabel('message to the running run').fill(STEER);
		await shot(page, 'run-steer');
		await page.getByRole('button', { name: 'Send to the run' }).click();
		await page.waitForSelector('.toast:has-text("reads it at its next turn")');
		await waitFor(() => h.mockRequests().some((q) => JSON.stringify(q.body).includes(STEER)),
			{ what: 'the message in the step\'s next request', timeout: 20000 });
		const row = await page.waitForSelector('.tree .node.t-message', { timeout: 10000 });
		assert((await row.textContent()).includes(STEER), 'a message row in the trace');
		// The answer streams: its text grows above the tabs, then its reply row replaces it.
		const live = await page.waitForSelector('.live-reply:not([hidden]) .live-text', { timeout: 20000 });
		const first = (await live.textContent()).length;
		await waitFor(async () => ((await page.textContent('.live-reply .live-text').catch(() => '')) || '').length > first + 20,
			{ what: 'the live text to grow', timeout: 10000 });
		assert(POLISHED.startsWith(await page.textContent('.live-reply .live-text')), 'the live text is the reply as written');
		assert((await page.textContent('.live-reply .live-thinking')).includes(THOUGHT) &&
			!(await page.$eval('.live-reply .live-thinking', (d) => d.open)), 'its thinking streamed too, folded');
		await shot(page, 'run-live');
		await page.setViewportSize({ width: 390, height: 844 });
		await shot(page, 'run-live-phone');
		await page.setViewportSize({ width: 1280, height: 800 });
		await page.waitForSelector('.live-reply', { state: 'hidden', timeout: 20000 });
		const reply = await page.waitForSelector('.tree .node.t-reply:has-text("Polished, keeping")',
			{ state: 'attached', timeout: 10000 }); // a debug-level row: in the tree, shown at level debug
		assert(reply, 'the reply row took its place');
		await waitFor(async () => !['inprogress', 'queued'].includes((await issue(id)).status),
			{ what: 'the run to move on', timeout: 30000 });
		await page.waitForSelector('form.steer', { state: 'hidden' });
		// Its thinking is recorded and shown folded in the row's details
		// (the run has moved on to its review: back to the trace).
		await page.click('.tab[data-tab="trace"]');
		const level = await page.inputValue('select[aria-label="detail level"]');
		await page.selectOption('select[aria-label="detail level"]', 'debug');
		await page.click('.tree .node.t-reply:has-text("Polished, keeping") .label');
		const thought = await page.waitForSelector('.span-detail:not([hidden]) details.thinking');
		assert(!(await thought.evaluate((d) => d.open)), 'the thinking folded');
		await page.click('.span-detail details.thinking summary');
		assert((await thought.textContent()).includes(THOUGHT), 'with what the model thought');
		await shot(page, 'run-thinking');
		await page.setViewportSize({ width: 390, height: 844 });
		await page.evaluate(() => document.querySelector('.span-detail').scrollIntoView());
		const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
		// What is too wide: the innermost elements wider than the window, each with its parents.
		const wide = await page.evaluate(() => {
			const big = (e) => e.getBoundingClientRect().width > window.innerWidth;
			const name = (e) => `${e.tagName}.${e.className}[${Math.round(e.getBoundingClientRect().width)}]`;
			const path = (e) => (e.parentElement && big(e.parentElement) ? `${name(e)} < ${path(e.parentElement)}` : name(e));
			return [...document.querySelectorAll('*')].filter((e) => big(e) && ![...e.children].some(big))
				.slice(0, 4).map(path).join(' | ');
		});
		assert(over <= 0, `the details fit the phone width (overflow ${over}px): ${wide}`);
		await shot(page, 'run-thinking-phone');
		await page.setViewportSize({ width: 1280, height: 800 });
		await page.selectOption('select[aria-label="detail level"]', level); // kept for later pages
		await api('POST', `${P()}/issues/${id}/close`, {});
		await page.close();
	}, { skip: why, timeout: 60000 });

	test('dashboard: an MCP tool row names its server', async () => {
		// The project's MCP servers: tests/mcp/fault.mjs over stdio, in the sandbox.
		const conf = path.join(h.home, 'projects', `${s.key}.mcp.json`);
		fs.writeFileSync(conf, JSON.stringify({ mcpServers: { fault: { command: process.execPath,
			args: [path.join(ctx.top, 'tests', 'mcp', 'fault.mjs')] } } }), { mode: 0o600 });
		const id = (await api('POST', `${P()}/issues`, { title: TITLE_M })).body.id;
		const page = await h.context.newPage();
		try {
			approveSolver(id, SOLVER_M);
			await page.goto(`${h.base}/#/${s.key}/issue/${id}`);
			await page.getByRole('button', { name: /Start/ }).click();
			await waitFor(async () => !['inprogress', 'queued'].includes((await issue(id)).status),
				{ what: 'the run to move on', timeout: 30000 });
			await page.click('.tab[data-tab="trace"]'); // it has moved on to its review
			await page.click('button:has-text("expand all")'); // a finished run opens folded
			const row = await page.waitForSelector('.tree .node.t-tool:has-text("fault · ok")', { timeout: 10000 });
			assert((await row.textContent()).includes('ok: from the page'), 'the call and its result');
			equal(await row.$eval('.flag.mcp', (e) => e.textContent), 'MCP fault', 'the row names the MCP server');
			await page.click('.tree .node.t-tool:has-text("fault · ok") .label');
			const detail = await page.waitForSelector('.span-detail:not([hidden])');
			assert((await detail.textContent()).includes('MCP serverfault — tool ok'), 'its details name the server and the tool');
			await shot(page, 'run-mcp');
			await page.setViewportSize({ width: 390, height: 844 });
			await page.evaluate(() => document.querySelector('.span-detail').scrollIntoView());
			const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
			assert(over <= 0, `the row and its details fit the phone width (overflow ${over}px)`);
			await shot(page, 'run-mcp-phone');
			await page.setViewportSize({ width: 1280, height: 800 });
			// The server stops when the run parks at its review.
			const notes = async () => (await traceRows((await issue(id)).runs.at(-1).id))
				.filter((x) => x.type === 'note').map((x) => x.data.message).join(' | ');
			await waitFor(async () => (await notes()).includes('MCP server fault stopped'),
				{ what: 'the server to stop', timeout: 10000 });
			assert((await notes()).includes('MCP server fault started: 13 tools'), 'the trace says when it started');
		} finally { // whatever happened, the later tests get the project without it
			fs.rmSync(conf, { force: true });
			await api('POST', `${P()}/issues/${id}/close`, {});
			await page.close();
		}
	}, { skip: why, timeout: 60000 });

	test('dashboard: the board live with runs in every column', async () => {
		// Runs in place work one at a time; in worktrees, side by side.
		for (const args of [['init', '-q'], ['add', '-A'], ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'base']]) {
			const g = spawnSync('git', args, { cwd: s.proj, encoding: 'utf8' });
			equal(g.status, 0, `git ${args.join(' ')}: ${g.stderr}`);
		}
		equal((await api('PATCH', P(), { isolation: 'worktree' })).status, 200, 'the greeter is now a repository: worktrees');
		s.Q = (await api('POST', `${P()}/issues`, { title: TITLE_Q,
			description: 'Print the version from `VERSION` and exit 0.' })).body.id;
		await api('POST', `${P()}/issues`, { title: 'Add unit tests for the tokenizer' });
		equal((await api('POST', `${P()}/issues/${s.Q}/start`, {})).status, 202, 'start Q');
		await waitFor(async () => (await issue(s.Q)).gate, { what: 'Q parked at its question', timeout: 20000 });
		equal((await api('POST', `${P()}/issues/${s.W}/start`, {})).status, 202, 'start W');
		await waitFor(async () => h.mockRequests().some((r) => r.reply !== null &&
			JSON.stringify(r.body).includes('grep -n')), { what: 'W at work', timeout: 20000 });
		const q = await api('POST', `${P()}/issues/${s.Qd}/start`, {});
		equal(q.status, 202, 'start the third');
		equal(q.body.queued, true, 'the third waits for the run slot (CLAW_MAX_RUNS=1)');
		equal((await api('POST', `${P()}/issues/${s.Qd}/start`, {})).status, 409, 'a second start of it: 409');
		for (const [col, id] of [['waiting', s.Q], ['inprogress', s.W], ['queued', s.Qd], ['done', s.A], ['closed', s.Bid]])
			await s.B.waitForSelector(`.col.c-${col} .card[data-id="${id}"]`);
		await s.B.waitForSelector(`.card[data-id="${s.Q}"] .card-gate.g-question`);
		await shot(s.B, 'board-live');
	}, { skip: why, timeout: 45000 });

	test('dashboard: a compacted conversation is a row with its tokens before and after', async () => {
		// (W's run: its rows, the compaction's among them.)
		await waitFor(async () => h.mockRequests().some((r) => JSON.stringify(r.body).includes('Support ^ in calc.sh') &&
			!JSON.stringify(r.body).includes('Summarise this')), { what: 'W asked again after compacting', timeout: 20000 });
		const page = await h.context.newPage();
		await page.goto(`${h.base}/#/${s.key}/issue/${s.W}`);
		const row = await page.waitForSelector('.row:has-text("compact:")');
		const text = await row.textContent();
		assert(/compact: 17k → \d+(\.\d)?k? tokens/.test(text), `the row says before and after: ${text}`);
		await page.waitForSelector('text=compacting the conversation');
		await row.scrollIntoViewIfNeeded();
		await shot(page, 'run-compact');
		await page.setViewportSize({ width: 390, height: 844 });
		await row.scrollIntoViewIfNeeded();
		await shot(page, 'phone-run-compact');
		await page.click('.node.t-note:has-text("compact:") .label');
		await page.waitForSelector('.span-detail:not([hidden])');
		await page.$eval('.span-detail', (el) => el.scrollIntoView());
		await shot(page, 'phone-run-detail');
		await page.close();
	}, { skip: why, timeout: 40000 });

	test('dashboard: a second project in the picker; an issue deleted elsewhere leaves its board', async () => {
		const dir = path.join(h.dir, 'second');
		fs.mkdirSync(dir, { recursive: true });
		const reg = await api('POST', '/api/projects', { path: dir, description: 'The other one' });
		equal(reg.status, 201, 'register a second project');
		const key2 = reg.body.key;
		const P2 = `/api/projects/${key2}`;
		const keep = (await api('POST', `${P2}/issues`, { title: 'Stays on the board' })).body.id;
		const gone = (await api('POST', `${P2}/issues`, { title: 'Deleted by another process' })).body.id;
		// The picker lists projects when the page loads.
		await s.B.reload();
		await s.B.waitForSelector(`#project-picker option[value="${key2}"]`, { state: 'attached' });
		await s.B.selectOption('#project-picker', key2);
		await s.B.waitForSelector(`.card[data-id="${gone}"]`);
		equal(await s.B.textContent('.project-title h1'), 'second', 'the picker switched boards');
		equal(decodeURIComponent(new URL(s.B.url()).hash.split('/')[1]), key2, 'and the URL');
		// As `sqlite3` or another tool would: the board's rescan notices.
		const db = path.join(h.home, 'projects', `${key2}.db`);
		const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', db, `DELETE FROM issues WHERE id = ${gone}`], { encoding: 'utf8' });
		equal(r.status, 0, `deleted from the db ${r.stderr}`);
		await s.B.waitForSelector(`.card[data-id="${gone}"]`, { state: 'detached', timeout: 8000 });
		assert(await s.B.$(`.card[data-id="${keep}"]`), 'the other card stays');
		await s.B.selectOption('#project-picker', s.key);
		await s.B.waitForSelector(`.card[data-id="${s.A}"]`);
		equal(await s.B.textContent('.project-title h1'), 'greeter', 'and back to the first project');
	}, { skip: why, timeout: 30000 });

	test('dashboard: accessibility: no serious axe violation in any view, a skip link, a theme switch', async () => {
		const p = await h.context.newPage();
		const views = [
			['the board', `#/${s.key}`, `.card[data-id="${s.A}"]`],
			['a finished run with its result', `#/${s.key}/issue/${s.A}`, '.result.r-done'],
			['a run at a question', `#/${s.key}/issue/${s.Q}`, '.gate-panel.g-question'],
			['a failed run', `#/${s.key}/issue/${s.C}`, '.result.r-failed'],
		];
		for (const [what, hash, ready] of views) {
			await p.goto(`${h.base}/${hash}`);
			await p.waitForSelector(ready, { timeout: 15000 });
			equal(await axeSerious(p), '', `axe: ${what}`);
		}
		await p.goto(`${h.base}/#/${s.key}/issue/${s.A}`);
		await p.waitForSelector('.result.r-done');
		for (const tab of ['changes', 'artifacts']) {
			await p.click(`.tab[data-tab="${tab}"]`);
			equal(await axeSerious(p), '', `axe: the ${tab} tab`);
		}
		const names = await p.$$eval('.tree .tog', (els) => els.map((e) => e.getAttribute('aria-label')));
		equal(new Set(names).size, names.length, `every expand/collapse button has its own name (${names.length})`);
		await p.goto(`${h.base}/#/${s.key}`);
		await p.getByRole('button', { name: '+ New issue' }).click();
		equal(await axeSerious(p), '', 'axe: the new-issue dialog');
		await p.keyboard.press('Escape');
		// The skip link is the first stop of the keyboard and moves to the content.
		await p.reload();
		await p.waitForSelector(`.card[data-id="${s.A}"]`);
		await p.keyboard.press('Tab');
		equal(await p.evaluate(() => document.activeElement?.textContent), 'Skip to content', 'a skip link first');
		await p.keyboard.press('Enter');
		equal(await p.evaluate(() => document.activeElement?.id), 'main', 'it moves the focus to the content');
		// Theme: auto → light → dark, kept across a reload; dark passes axe too.
		await p.click('#theme');
		equal(await p.evaluate(() => document.documentElement.dataset.theme), 'light', 'light picked');
		await p.click('#theme');
		await p.reload();
		await p.waitForSelector(`.card[data-id="${s.A}"]`);
		equal(await p.evaluate(() => document.documentElement.dataset.theme), 'dark', 'dark kept after a reload');
		equal(await p.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(13, 16, 20)', 'the page is dark');
		equal(await axeSerious(p), '', 'axe: the board, dark');
		await shot(p, 'board-dark-picked');
		await p.click('#theme');
		equal(await p.evaluate(() => document.documentElement.dataset.theme), undefined, 'back to the system\'s');
		await p.close();
	}, { skip: why, timeout: 90000 });

	test('dashboard: keyboard only, phone width, dark scheme', async () => {
		// Keyboard: from the board, Tab reaches a card and Enter opens it; Esc goes back.
		const k = await h.context.newPage();
		await k.goto(`${h.base}/#/${s.key}`);
		await k.waitForSelector(`.card[data-id="${s.A}"]`);
		let reached = false;
		for (let i = 0; i < 30 && !reached; i++) {
			await k.keyboard.press('Tab');
			reached = await k.evaluate((id) => document.activeElement?.dataset?.id === id, String(s.A));
		}
		assert(reached, 'a card is reachable with Tab');
		await k.keyboard.press('Enter');
		await k.waitForSelector('.issue-view');
		await k.keyboard.press('Escape');
		await k.waitForSelector('.board-view');
		await k.close();
		// Phone width: no horizontal scrolling of the page.
		const p = await h.context.newPage();
		p.on('pageerror', (e) => diag(`page error (phone): ${e.message}`));
		await p.setViewportSize({ width: 390, height: 844 });
		await p.emulateMedia({ colorScheme: 'dark' });
		await p.goto(`${h.base}/#/${s.key}`);
		await p.waitForSelector(`.card[data-id="${s.A}"]`);
		const over = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
		assert(over <= 0, `board fits the phone width (overflow ${over}px)`);
		await shot(p, 'phone-board');
		await p.goto(`${h.base}/#/${s.key}/issue/${s.A}`);
		await p.waitForSelector('.run-view .conn[data-state="ended"]');
		const over2 = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
		assert(over2 <= 0, `issue view fits the phone width (overflow ${over2}px)`);
		await shot(p, 'phone-run-dark');
		const [descTop, runTop] = await p.evaluate(() => [document.querySelector('.issue-side .side-box').getBoundingClientRect().top,
			document.querySelector('.run-view').getBoundingClientRect().top]);
		assert(descTop < runTop, 'on a phone the description comes before the run');
		// A touch screen has no Ctrl+Enter.
		const cdp = await h.context.newCDPSession(p);
		await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 5 });
		await p.goto(`${h.base}/#/${s.key}/issue/${s.Q}`);
		await p.waitForSelector('.gate-panel.g-question');
		assert(await p.evaluate(() => matchMedia('(pointer: coarse)').matches), 'a coarse pointer');
		assert(!(await p.textContent('.gate-panel')).includes('Ctrl+Enter'), 'no Ctrl+Enter hint on a touch screen');
		await shot(p, 'phone-gate-question');
		await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: false });
		await cdp.detach();
		await p.setViewportSize({ width: 1280, height: 800 });
		await p.goto(`${h.base}/#/${s.key}`);
		await p.waitForSelector(`.card[data-id="${s.A}"]`);
		await shot(p, 'board-dark');
		await p.close();
	}, { skip: why, timeout: 45000 });

	test('dashboard: claw serve shut down cleanly, with no sanitizer report', async () => {
		await h.stop('nginx');
		const child = h.procs.get('serve');
		const t0 = Date.now();
		await h.stop('serve', 10000);
		const info = child.exitInfo || {};
		diag(`claw serve stopped in ${Date.now() - t0} ms (${info.sig || `exit ${info.code}`})`);
		const log = fs.readFileSync(h.log('serve'), 'utf8');
		const bad = log.split('\n').filter((l) => /AddressSanitizer|LeakSanitizer|runtime error:|ThreadSanitizer/.test(l));
		equal(bad.slice(0, 5).join('\n'), '', 'sanitizer reports in serve.log');
		equal(info.sig ?? null, null, 'claw serve exited by itself on SIGTERM');
		equal(info.code, 0, 'with status 0');
	}, { skip: why, timeout: 30000 });
}
