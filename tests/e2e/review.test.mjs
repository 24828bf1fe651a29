// review — a run's change reviewed in the page (SPEC section 9, issue 14).
//
// A project in a git repository (worktree isolation, the default there)
// runs an issue whose approved solver shouts greet.txt.  The run parks at
// the review gate; the page opens the Changes tab, a click on a diff line
// opens a comment, the comment and a review text go back as "Request
// changes"; the run reworks and returns to the gate with a new diff, the
// comment now marked outdated; Merge lands it as one commit in the folder.
// Screenshots of the review (desktop and phone) go to the shots directory.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, assert, equal } from './tap.mjs';
import { waitFor } from './harness.mjs';
import { TITLE_R, REVIEW_TEXT, COMMENT } from './scenario.mjs';

const SOLVER_R = { name: 'Shout', steps: [{ name: 'shout', goal: 'Upper-case the first line of greet.txt.',
	tools: ['bash'] }] };

function sh(cwd, cmd, args) {
	const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 10000 });
	if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
	return r.stdout;
}

// opts: {h, api, shot, why}: the dashboard tests' harness and helpers.
export function reviewTests({ h, api, shot, why }) {
	const s = {};

	test('review: a git project runs in a worktree and parks at the review gate', async () => {
		s.dir = path.join(h.dir, 'shouter');
		fs.mkdirSync(s.dir);
		fs.writeFileSync(path.join(s.dir, 'greet.txt'), 'hello\nworld\n');
		sh(s.dir, 'git', ['init', '-q', '-b', 'main']);
		sh(s.dir, 'git', ['add', '-A']);
		sh(s.dir, 'git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'base']);
		const reg = await api('POST', '/api/projects', { path: s.dir });
		equal(reg.status, 201, 'register the repository');
		equal(reg.body.isolation, 'worktree', 'worktree isolation by default in a git repository');
		s.key = reg.body.key;
		s.P = `/api/projects/${s.key}`;
		s.id = (await api('POST', `${s.P}/issues`, { title: TITLE_R })).body.id;
		const db = path.join(h.home, 'projects', `${s.key}.db`);
		const spec = JSON.stringify(SOLVER_R).replaceAll("'", "''");
		sh(h.dir, 'sqlite3', [db, `INSERT INTO solvers (issue_id, version, spec, status, decided_by, created_at,
			decided_at) VALUES (${s.id}, 1, '${spec}', 'approved', 'test', 0, 0)`]);
		s.R = await h.context.newPage();
		await s.R.goto(`${h.base}/#/${s.key}/issue/${s.id}`);
		await s.R.getByRole('button', { name: /Start/ }).click();
		await s.R.waitForSelector('.gate-panel.g-review', { timeout: 30000 });
		await s.R.waitForSelector('.tab[data-tab="changes"][aria-selected="true"]');
		// The gate comes on the run stream, the status on the board stream: a
		// moment apart.
		await s.R.waitForFunction(() => document.querySelector('.issue-head .pill')?.textContent === 'in review',
			null, { timeout: 5000 }).catch(() => {});
		equal(await s.R.textContent('.issue-head .pill'), 'in review', 'the issue is in review');
		assert((await s.R.textContent('.gate-panel')).includes('Merge into main'), 'the merge names the branch');
		equal(fs.readFileSync(path.join(s.dir, 'greet.txt'), 'utf8'), 'hello\nworld\n', 'the folder is untouched');
	}, { fatal: true, skip: why, timeout: 45000 });

	test('review: comment on a line and request changes; the run reworks', async () => {
		const file = await s.R.waitForSelector('details.change[data-path="greet.txt"] summary', { timeout: 15000 })
			.catch(() => null);
		assert(file, `greet.txt in the Changes tab: ${await s.R.textContent('.changes-box').catch((e) => e.message)}`);
		await s.R.click('details.change[data-path="greet.txt"] summary'); // the list may be drawn again
		const row = s.R.locator('details.change[data-path="greet.txt"] .dl.can-comment', { hasText: 'world' });
		await row.click();
		await s.R.getByLabel('comment on greet.txt line 2').fill(COMMENT);
		await s.R.getByRole('button', { name: 'Add comment' }).click();
		await s.R.waitForSelector('.diff .cm');
		assert((await s.R.textContent('.gate-panel')).includes(COMMENT), 'the comment is in the review panel');
		await s.R.getByLabel('what should change').fill(REVIEW_TEXT);
		await s.R.evaluate(() => window.scrollTo(0, 0));
		await shot(s.R, 'review');
		const gate1 = await s.R.getAttribute('.gate-panel', 'data-gate');
		await s.R.getByRole('button', { name: /^Request changes/ }).click();
		await waitFor(async () => (await s.R.getAttribute('.gate-panel', 'data-gate').catch(() => gate1)) !== gate1,
			{ timeout: 30000, what: 'the second round of the review gate' });
		const asked = h.mockRequests().find((r) => JSON.stringify(r.body).includes('requested changes'));
		assert(asked && JSON.stringify(asked.body).includes(COMMENT), 'the comment reached the step');
		assert(JSON.stringify(asked.body).includes('greet.txt line 2'), 'with its line');
		await s.R.waitForSelector('.gate-panel .cm.outdated');
		const run = (await api('GET', `${s.P}/issues/${s.id}`)).body.runs.at(-1).id;
		const diff = await (await fetch(`${h.base}${s.P}/runs/${run}/changes/diff`)).text();
		assert(diff.includes('+WORLD'), `the new diff has the rework:\n${diff}`);
	}, { fatal: true, skip: why, timeout: 60000 });

	test('review: phone width, then merge into the folder', async () => {
		await s.R.setViewportSize({ width: 390, height: 844 });
		const over = await s.R.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
		assert(over <= 0, `the review fits the phone width (overflow ${over}px)`);
		await s.R.evaluate(() => window.scrollTo(0, 0));
		await shot(s.R, 'phone-review');
		await s.R.setViewportSize({ width: 1280, height: 800 });
		await s.R.getByRole('button', { name: 'Merge into main' }).click();
		await s.R.waitForSelector('.issue-head .pill.s-done', { timeout: 30000 });
		equal(sh(s.dir, 'git', ['log', '-1', '--format=%s']).trim(), `${TITLE_R} (#${s.id})`, 'one commit: title and number');
		equal(fs.readFileSync(path.join(s.dir, 'greet.txt'), 'utf8'), 'HELLO\nWORLD\n', 'the reworked change landed');
		equal(sh(s.dir, 'git', ['status', '--porcelain']), '', 'the folder is clean');
		await s.R.close();
	}, { skip: why, timeout: 45000 });
}
