// longrun — the run view of a 50 000-row run (issue 17): it opens as a
// skeleton with a screenful in the DOM, a closed span deep in the run shows
// its events when opened, the search finds a row the page has not loaded,
// the errors-only filter, the keyboard, and rows arriving under an open
// span after a server restart with nothing twice.  The run is written into
// the project's db (longrun.mjs), still running at a question, so claw
// serve leaves it alone and its stream stays open.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, assert, equal, diag } from './tap.mjs';
import { waitFor } from './harness.mjs';
import { appendRows, fillRun } from './longrun.mjs';

const ROWS = 50000;
const NEEDLE = 4321; // the turn whose result holds needle-4321

export function longRunTests(ctx) {
	const { h, shots } = ctx;
	const s = {};
	const shot = (page, name) => page.screenshot({ path: path.join(shots, `${name}.png`) });
	const nodes = (page) => page.$$eval('.tree .node', (els) => els.map((e) => ({
		seq: Number(e.dataset.seq), cls: e.className, label: e.querySelector('.label')?.textContent || '',
		err: !!e.querySelector('.flag.err'),
	})));
	const cursorLabel = (page) => page.$eval('.tree .node.cursor .label', (e) => e.textContent).catch(() => '');

	test('long run: a 50 000-row run opens as its skeleton, a screenful in the DOM', async () => {
		// The pages of earlier suites hold streams: a browser keeps at most six
		// connections to one host over HTTP/1.1, so they would starve these.
		for (const pg of h.context.pages()) await pg.close();
		if (!h.mockPort) await h.startMock({ replies: [] });
		if (!h.alive('serve')) await h.startServe({ CLAW_MAX_RUNS: '1' });
		if (!h.alive('nginx')) await h.startNginx();
		s.proj = path.join(h.dir, 'long');
		fs.mkdirSync(s.proj);
		const post = async (url, body) => (await fetch(`${h.base}${url}`, { method: 'POST',
			headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })).json();
		s.key = (await post('/api/projects', { path: s.proj })).key;
		await post(`/api/projects/${s.key}/issues`, { title: 'A long run' });
		s.db = path.join(h.home, 'projects', `${s.key}.db`);
		s.rows = fillRun(s.db, ROWS, { errorsEvery: 500, needle: NEEDLE, gate: true, open: true });
		s.P = await h.context.newPage();
		s.P.on('pageerror', (e) => diag(`page error (long run): ${e.message}`));
		await s.P.goto(`${h.base}/#/${s.key}/issue/1`);
		await s.P.waitForSelector('.run-view[data-skeleton="true"] .tree .node');
		// Every row counted, the one outside any span too (not in the skeleton).
		await waitFor(async () => Number(await s.P.getAttribute('.run-view', 'data-rows')) === s.rows,
			{ what: `the skeleton to count all ${s.rows} rows`, timeout: 30000 });
		// Where the run is: the newest turn open with its rows, the open question last.
		await s.P.waitForSelector('.tree .node.t-question .flag.gate');
		const list = await nodes(s.P);
		assert(list.length < 400, `a screenful in the DOM, not the run (${list.length} rows)`);
		const last = `#${Math.floor((ROWS - 6) / 6)}`;
		assert(list.some((n) => n.cls.includes('t-turn') && n.label === last && !n.cls.includes('collapsed')),
			`the newest turn (${last}) is open`);
		await waitFor(async () => (await nodes(s.P)).some((n) => n.cls.includes('t-tool')), { what: 'its tool call' });
		// The answered question before the step: the run waited 60 s for a person.
		assert(await s.P.$('.tree-head .wait-band'), 'the wait is a band on the time axis');
		const totals = await s.P.textContent('.run-totals');
		assert(/1m 0?0s waiting for a person/.test(totals), `the wait apart in the totals: ${totals}`);
		await shot(s.P, 'long-run');
	}, { fatal: true, timeout: 90000 });

	test('long run: a closed turn deep in the run shows its events when opened', async () => {
		// Scrolled to the middle (again while rows filed at the bottom pull
		// the view back), a turn there found and opened in one task.
		const number = await waitFor(() => s.P.evaluate(() => {
			const tr = document.querySelector('.trace');
			tr.scrollTop = tr.scrollHeight / 2;
			const t = document.querySelectorAll('.tree .node.t-turn.collapsed')[5];
			const n = t ? Number(t.querySelector('.label').textContent.slice(1)) : 0;
			if (n < 1000 || n > 6000) return 0;
			t.querySelector('.tog').click();
			return n;
		}), { what: 'a closed turn in the middle' });
		await waitFor(async () => (await nodes(s.P)).some((n) => n.cls.includes('t-tool') && n.label.includes(`part${number - 1} `)),
			{ what: `the tool call of turn #${number}` });
		const seqs = (await nodes(s.P)).map((n) => n.seq);
		equal(new Set(seqs).size, seqs.length, 'no row twice in the DOM');
	}, { timeout: 30000 });

	test('long run: the search finds a row the page has not loaded and shows it', async () => {
		await s.P.fill('.trace-search', `needle-${NEEDLE}`);
		await s.P.keyboard.press('Enter');
		await s.P.click(`.span-detail .hit:has-text("needle-${NEEDLE}")`);
		await waitFor(async () => (await cursorLabel(s.P)).includes(`needle-${NEEDLE}`),
			{ what: 'the hit under the cursor, its span loaded and opened' });
		assert((await s.P.textContent('.span-detail')).includes(`needle-${NEEDLE}`), 'its details in the panel');
		await s.P.click('.span-detail button[aria-label="close the details"]');
	}, { timeout: 30000 });

	test('long run: errors only shows the failed calls and the spans holding them', async () => {
		await s.P.selectOption('select[aria-label="filter the rows"]', 'errors');
		await waitFor(async () => (await nodes(s.P)).some((n) => n.cls.includes('t-tool') && / error/.test(n.cls)),
			{ what: 'a failed tool call' });
		const list = await nodes(s.P);
		const stray = list.filter((n) => !(/ error/.test(n.cls) || n.err));
		equal(stray.map((n) => `${n.seq}:${n.label}`).join(', '), '', 'every row is an error or holds one');
		assert(list.filter((n) => n.cls.includes('t-turn')).length >= 2, 'the turns with errors');
		await shot(s.P, 'long-run-errors');
		await s.P.selectOption('select[aria-label="filter the rows"]', 'all');
	}, { timeout: 30000 });

	test('long run: keyboard: Home, ArrowDown, End', async () => {
		await s.P.focus('.trace');
		await s.P.keyboard.press('Home');
		await waitFor(async () => (await cursorLabel(s.P)).includes('solver approved'), { what: 'the first row (outside any span) under the cursor' });
		await s.P.keyboard.press('ArrowDown');
		await waitFor(async () => (await cursorLabel(s.P)) === 'Bench', { what: 'the workflow next' });
		await s.P.keyboard.press('ArrowDown');
		await waitFor(async () => (await s.P.$('.tree .node.cursor.t-question')), { what: 'the first question next' });
		await s.P.keyboard.press('End');
		await waitFor(async () => (await cursorLabel(s.P)).includes('Go on with the rest?'), { what: 'the open question, last' });
	}, { timeout: 30000 });

	test('long run: an issue run twice shows each run\'s cost and the total of both', async () => {
		const use = (i, c) => `'{"model":"m","usage":{"in":${i},"out":1,"cost_micros":${c}}}'`;
		execFileSync('sqlite3', [s.db], { input: `
INSERT INTO issues (id, title, status, created_at, updated_at) VALUES (2, 'Run twice', 'done', 0, 0);
INSERT INTO runs (id, issue_id, solver_version, status, started_by, created_at) VALUES
 (2, 2, 0, 'failed', 'bench', 0), (3, 2, 0, 'done', 'bench', 0);
INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type, level, data, ts_ms) VALUES
 (2, 1, 0, 0, 'event', 'reply', 10, ${use(1000, 200000)}, 1),
 (3, 1, 0, 0, 'event', 'reply', 10, ${use(500, 50000)}, 2);` });
		const two = await (await fetch(`${h.base}/api/projects/${s.key}/issues/2`)).json();
		equal(two.costUsd, 0.05, 'the issue\'s cost is its latest run\'s');
		equal(two.totalCostUsd, 0.25, 'its total, both runs\'');
		equal(two.runs.map((r) => r.costUsd).join(' '), '0.2 0.05', 'each run with its cost');
		const p = await h.context.newPage();
		await p.goto(`${h.base}/#/${s.key}/issue/2`);
		await p.waitForSelector('.runs-total');
		assert((await p.textContent('.runs-total')).includes('$0.25'), 'the issue page shows the total of both runs');
		assert((await p.textContent('.runs-list')).includes('$0.2'), 'and each run\'s cost');
		// Its one row is debug detail: at info the tree says so instead of a blank.
		await p.$eval('select[aria-label="detail level"]', (sel) => {
			sel.value = '20';
			sel.dispatchEvent(new Event('change'));
		});
		await waitFor(async () => (await p.textContent('.tree-empty')).includes('No row at this level'),
			{ what: 'an empty level explained' });
		await shot(p, 'issue-two-runs');
		await p.setViewportSize({ width: 390, height: 844 });
		await p.evaluate(() => document.querySelector('.runs-total').scrollIntoView());
		await shot(p, 'phone-issue-two-runs');
		await p.close();
	}, { timeout: 30000 });

	test('long run: rows under the open turn after a server restart, none twice', async () => {
		await s.P.click('.tree .node.cursor .label'); // its details: the view stays at the bottom
		await h.stop('serve');
		const rows = appendRows(s.db, 300, 'live');
		// Meanwhile the pages say the server is unreachable: the open one
		// keeps what it shows, a board opened now waits for the server.
		const B = await h.context.newPage();
		await B.goto(`${h.base}/#/${s.key}`);
		await B.waitForSelector('#offline:not([hidden])');
		assert((await B.textContent('main')).includes('Waiting for the server'), 'not "unknown project"');
		await s.P.waitForSelector('#offline:not([hidden])', { timeout: 30000 });
		assert(await s.P.$('.run-view .tree .node'), 'the issue page keeps its trace');
		await shot(B, 'server-unreachable');
		await h.startServe({ CLAW_MAX_RUNS: '1' });
		await B.waitForSelector('.board-view .card', { timeout: 30000 });
		await B.waitForSelector('#offline', { state: 'hidden' });
		await B.close();
		await s.P.waitForSelector('#offline', { state: 'hidden', timeout: 30000 });
		await waitFor(async () => Number(await s.P.getAttribute('.run-view', 'data-rows')) === rows,
			{ what: `the page to hold all ${rows} rows`, timeout: 40000 });
		equal(await s.P.getAttribute('.run-view', 'data-dups'), null, 'no row came twice');
		await s.P.keyboard.press('End');
		await s.P.evaluate(() => { const t = document.querySelector('.trace'); t.scrollTop = t.scrollHeight; });
		await waitFor(async () => (await nodes(s.P)).some((n) => n.label.includes('echo live-299')),
			{ what: 'the last new row, under the open turn' });
		const seqs = (await nodes(s.P)).map((n) => n.seq);
		equal(new Set(seqs).size, seqs.length, 'no row twice in the DOM');
		await s.P.setViewportSize({ width: 390, height: 844 });
		await shot(s.P, 'phone-long-run');
		await s.P.close();
	}, { timeout: 90000 });
}
