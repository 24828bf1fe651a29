#!/usr/bin/env node
// up — issue 9's "done when": a newcomer's first ten minutes, in a test.
//
//   node tests/up/up.mjs [--build DIR] [--shots DIR] [--keep]
//
// Starts `tools/up --background` with a fresh CLAW_HOME on a free port and
// no model configured (so: the demo model), waits for /api/health, opens the
// dashboard in headless Chromium, and, as a person would, opens the demo
// issue, starts it, approves the solver, answers the question and merges
// the change at the review gate in the page, until the issue is done and
// the demo project's test.sh passes.  A
// second `tools/up` reports the running instance; `tools/up --stop` stops
// it, leaving no process behind.  DIR is a configured build tree
// (CLAW_UP_BUILD; default build/test).  Uses tests/e2e's harness (the
// system Chromium through playwright-core, installed by `npm ci` there).
// Prints TAP; exits 1 when a test failed.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Harness, freePort, waitFor } from '../e2e/harness.mjs';
import { test, run, assert, equal, diag } from '../e2e/tap.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const top = path.resolve(here, '..', '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
	const i = args.indexOf(name);
	return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const build = path.resolve(opt('--build', path.join(top, 'build', 'test')));
const shots = path.resolve(opt('--shots', path.join(build, 'tests', 'up', 'shots')));
const keep = args.includes('--keep');
fs.mkdirSync(shots, { recursive: true });

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'claw-up-'));
const home = path.join(work, 'home');
const upDir = path.join(home, 'up');
const TITLE = fs.readFileSync(path.join(top, 'examples', 'demo', 'issue.txt'), 'utf8').split('\n')[0];
const ANSWER = 'No, just "-" please.';

// tools/up's environment: this run's home and port, no model configured.
const env = { ...process.env, CLAW_HOME: home, CLAW_UP_BUILD: build, NO_COLOR: '1' };
for (const k of ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'CLAW_API_KEY', 'CLAW_BASE_URL', 'CLAW_MODEL',
	'CLAW_AGENT', 'CLAW_DEMO', 'CLAW_PROJECT', 'XDG_DATA_HOME']) delete env[k];

// Runs tools/up ARGS to its end (bounded); resolves to {code, out, err}.
function up(upArgs, timeout = 300000, upEnv = env) {
	return new Promise((resolve, reject) => {
		const log = fs.openSync(path.join(work, 'up.log'), 'a');
		const child = spawn(path.join(top, 'tools', 'up'), upArgs, { cwd: work, env: upEnv, stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '';
		let err = '';
		child.stdout.on('data', (d) => { out += d; fs.writeSync(log, d); });
		child.stderr.on('data', (d) => { err += d; fs.writeSync(log, d); });
		const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`tools/up ${upArgs} took over ${timeout} ms`)); }, timeout);
		child.on('exit', (code) => { clearTimeout(t); fs.closeSync(log); resolve({ code, out, err }); });
	});
}

// PIDs of every process whose command line names this run's up directory.
function ours() {
	const pids = [];
	for (const d of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
		try {
			const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
			const state = fs.readFileSync(`/proc/${d}/stat`, 'utf8').replace(/^.*\) /, '')[0];
			if (cmd.includes(`${upDir}/`) && state !== 'Z') pids.push(`${d} ${cmd.trim()}`);
		} catch { /* gone meanwhile */ }
	}
	return pids;
}

const s = {};
const h = new Harness({ top, claw: path.join(build, 'claw'), mockllm: '', keep });
const api = async (p) => {
	const r = await fetch(`${s.base}${p}`);
	return r.json();
};
const shot = (page, name) => page.screenshot({ path: path.join(shots, `${name}.png`), animations: 'disabled' });
diag(`work dir ${work}; screenshots in ${shots}`);

test('tools/up --background brings claw up with the demo model', async () => {
	s.port = await freePort();
	env.CLAW_UP_PORT = String(s.port);
	s.base = `http://127.0.0.1:${s.port}`;
	const r = await up(['--background']);
	equal(r.code, 0, `tools/up exits 0 (output:\n${r.out})`);
	assert(r.out.includes(`claw is up: ${s.base}/`), 'it prints the URL');
	assert(r.out.includes('DEMO model'), 'it says the model is the demo model');
	assert(r.out.includes(`export PATH="${upDir}/bin:$PATH"`), `it prints the line that puts claw on PATH:\n${r.out}`);
	const hl = await waitFor(async () => {
		const j = await api('/api/health');
		return j.ok && j;
	}, { timeout: 20000, what: '/api/health' });
	equal(hl.demo, true, 'health reports the demo model');
	s.pids = {};
	for (const n of ['nginx', 'serve', 'mockllm']) {
		s.pids[n] = Number(fs.readFileSync(path.join(upDir, `${n}.pid`), 'utf8'));
		assert(s.pids[n] > 0, `${n}.pid`);
	}
}, { fatal: true, timeout: 320000 });

test('running tools/up again is safe: it reports the running instance', async () => {
	const r = await up(['--background'], 120000);
	equal(r.code, 0, 'exits 0');
	assert(r.out.includes('already up'), `says so: ${r.out}`);
	for (const n of ['nginx', 'serve', 'mockllm'])
		equal(Number(fs.readFileSync(path.join(upDir, `${n}.pid`), 'utf8')), s.pids[n], `${n} not restarted`);
}, { timeout: 130000 });

test('another instance on the same port is refused, saying why, and this one keeps running', async () => {
	const other = { ...env, CLAW_HOME: path.join(work, 'other-home') };
	const r = await up(['--background'], 120000, other);
	equal(r.code, 1, `exits 1 (output:\n${r.out}${r.err})`);
	assert(r.err.includes(`port ${s.port} is in use`), `says the port is taken: ${r.err}`);
	assert(!r.out.includes('claw is up'), 'and never that claw is up');
	equal((await api('/api/health')).ok, true, 'the running instance still answers');
	for (const n of ['nginx', 'serve', 'mockllm'])
		equal(Number(fs.readFileSync(path.join(upDir, `${n}.pid`), 'utf8')), s.pids[n], `${n} untouched`);
}, { timeout: 130000 });

test('the dashboard says it is the demo model and how to configure a real one', async () => {
	await h.browser();
	s.page = await h.context.newPage();
	s.page.on('pageerror', (e) => diag(`page error: ${e.message}`));
	await s.page.goto(`${s.base}/`);
	await s.page.waitForSelector('#banner:not([hidden])', { timeout: 10000 });
	const banner = await s.page.textContent('#banner');
	assert(/Demo model/.test(banner), `banner: ${banner}`);
	assert(banner.includes('ANTHROPIC_API_KEY') && banner.includes('CLAW_MODEL'), 'how to configure a real model');
	await s.page.waitForSelector('.board-view .project-title h1');
	equal(await s.page.textContent('.project-title h1'), 'calc', 'the demo project is on the board');
	await shot(s.page, 'demo-board');
}, { fatal: true, timeout: 40000 });

test('open the demo issue, start it, approve the solver in the page', async () => {
	const card = s.page.locator('.card', { has: s.page.locator('.card-title', { hasText: TITLE }) });
	await card.click();
	await s.page.waitForSelector('.issue-head h1');
	s.key = decodeURIComponent(new URL(s.page.url()).hash.split('/')[1]);
	s.id = Number(new URL(s.page.url()).hash.split('/')[3]);
	assert(s.id > 0, `issue in the URL: ${s.page.url()}`);
	await s.page.getByRole('button', { name: /Start/ }).click();
	await s.page.waitForSelector('.run-view');
	await s.page.waitForSelector('.gate-panel.g-approve', { timeout: 60000 });
	const steps = await s.page.$$eval('.gate-panel .solver-step .step-name', (els) => els.map((e) => e.textContent));
	equal(steps.join(','), 'implement,verify', 'the generated solver\'s steps');
	await s.page.evaluate(() => window.scrollTo(0, 0));
	await shot(s.page, 'demo-approve');
	await s.page.getByRole('button', { name: 'Approve', exact: true }).click();
}, { fatal: true, timeout: 90000 });

test('answer the question in the page', async () => {
	await s.page.waitForSelector('.gate-panel.g-question', { timeout: 60000 });
	assert((await s.page.textContent('.gate-panel')).includes('minus'), 'the demo model\'s question');
	await s.page.evaluate(() => window.scrollTo(0, 0));
	await shot(s.page, 'demo-question');
	await s.page.getByLabel('your answer').fill(ANSWER);
	await s.page.getByRole('button', { name: 'Send answer' }).click();
}, { fatal: true, timeout: 90000 });

test('review the change in the Changes tab and merge it', async () => {
	await s.page.waitForSelector('.gate-panel.g-review', { timeout: 90000 });
	await s.page.waitForSelector('.tab[data-tab="changes"][aria-selected="true"]');
	await s.page.click('details.change[data-path="calc.sh"] summary');
	await s.page.waitForSelector('details.change[data-path="calc.sh"] .diff .d-add');
	const t = spawnSync('git', ['status', '--porcelain'], { cwd: `${home}-demo/calc`, encoding: 'utf8' });
	equal(t.stdout, '', 'the demo folder is untouched before the merge');
	await s.page.evaluate(() => window.scrollTo(0, 0));
	await shot(s.page, 'demo-review');
	await s.page.getByRole('button', { name: /^Merge into / }).click();
}, { fatal: true, timeout: 100000 });

test('the run ends done; the demo project\'s tests pass', async () => {
	await s.page.waitForSelector('.issue-head .pill.s-done', { timeout: 90000 });
	const issue = await api(`/api/projects/${s.key}/issues/${s.id}`);
	equal(issue.status, 'done', 'issue done');
	equal(issue.runs.at(-1).status, 'done', 'run done');
	const labels = await s.page.$$eval('.artifacts .art-label', (els) => els.map((e) => e.textContent));
	for (const l of ['solver', 'calc.sh', 'tests', 'suite']) assert(labels.includes(l), `artifact ${l} in ${labels}`);
	const t = spawnSync('sh', ['test.sh'], { cwd: `${home}-demo/calc`, encoding: 'utf8', timeout: 10000 });
	equal(t.status, 0, `test.sh passes in the demo project:\n${t.stdout}`);
	assert(t.stdout.includes('ok   7 - 3 = 4'), 'subtraction works');
	const log = spawnSync('git', ['log', '-1', '--format=%s'], { cwd: `${home}-demo/calc`, encoding: 'utf8' });
	equal(log.stdout.trim(), `${TITLE} (#${s.id})`, 'merged as one commit');
	// The README's commands, with tools/up's claw on PATH.
	const cli = spawnSync('sh', ['-c', `claw -C "${home}-demo/calc" issues`], { encoding: 'utf8', timeout: 10000,
		env: { ...process.env, PATH: `${upDir}/bin:${process.env.PATH}`, CLAW_HOME: '' } });
	equal(cli.status, 0, `claw issues through tools/up's claw: ${cli.stderr}`);
	assert(new RegExp(`${TITLE}.*run #\\d+ done .*k/.*\\$0\\.\\d+`).test(cli.stdout), `the issue, its run, tokens and cost:\n${cli.stdout}`);
	await s.page.waitForSelector('.result.r-done .result-line:has-text("Proof")', { timeout: 15000 });
	const result = await s.page.textContent('.result');
	assert(/Proof\s*step verify: .*suite/.test(result), `the proof: ${result}`);
	await s.page.evaluate(() => window.scrollTo(0, 0));
	await shot(s.page, 'demo-done');
	// The demo notice can be dismissed, and stays so; costs still say so.
	await s.page.getByRole('button', { name: 'dismiss the demo notice' }).click();
	await s.page.waitForSelector('#banner', { state: 'hidden' });
	await s.page.reload();
	await s.page.waitForSelector('.run-view .run-totals');
	await waitFor(async () => (await s.page.textContent('.run-totals')).includes('(demo prices)'), { what: 'demo prices' });
	assert(await s.page.$eval('#banner', (e) => e.hidden), 'the notice stays dismissed after a reload');
}, { fatal: true, timeout: 100000 });

test('tools/up --stop stops everything, leaving no process behind', async () => {
	await h.context.close();
	h.context = null;
	const r = await up(['--stop'], 60000);
	equal(r.code, 0, 'exits 0');
	assert(r.out.includes('claw stopped'), `says so: ${r.out}`);
	// Gone, or a zombie that init has yet to reap (tools/up, its parent, has exited).
	for (const [n, pid] of Object.entries(s.pids)) {
		let state = '';
		try { state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0]; } catch { /* gone */ }
		assert(state === '' || state === 'Z', `${n} (pid ${pid}) is gone (state ${state})`);
	}
	equal(ours().join('\n'), '', 'no process names the up directory');
	const left = fs.readdirSync(upDir).filter((f) => f.endsWith('.pid') || f === 'claw.sock');
	equal(left.join(' '), '', 'no PID file nor socket left');
	const down = await fetch(`${s.base}/api/health`).then(() => 'up', () => 'down');
	equal(down, 'down', 'nothing answers on the port');
	const wrapper = fs.readFileSync(path.join(upDir, 'bin', 'claw'), 'utf8');
	assert(wrapper.includes('CLAW_HOME=') && !wrapper.includes('CLAW_BASE_URL'),
		`the shell's claw keeps CLAW_HOME, not the stopped demo model:\n${wrapper}`);
}, { timeout: 70000 });

let failed = 1;
try {
	failed = await run();
} finally {
	if (ours().length) {
		diag('stopping what is left');
		await up(['--stop'], 60000).catch(() => {});
	}
	if (failed) {
		for (const f of ['up.log', 'home/up/logs/serve.log', 'home/up/logs/nginx.error.log', 'home/up/logs/mockllm.log']) {
			try {
				diag(`---- ${f} (tail)\n${fs.readFileSync(path.join(work, f), 'utf8').split('\n').slice(-25).join('\n')}`);
			} catch { /* not written */ }
		}
		diag(`kept ${work}`);
	}
	await h.close(!failed);
	if (!failed && !keep) fs.rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
