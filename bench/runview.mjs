#!/usr/bin/env node
// bench/runview — the run view of a long run in headless Chromium, this
// page against the page of another commit, in one run (issue 17;
// docs/BENCHMARKS.md "runview").
//
//   node bench/runview.mjs [--build DIR] [--rows "10000 100000"]
//                          [--old REV] [--old-rows "10000"]   (--rows 0: none)
//
// For each size, a project whose run has that many trace rows shaped like
// a real one (tests/e2e/longrun.mjs: a workflow, a step, an agent, then
// turns of six rows each), written into the project's db with the sqlite3
// shell, the run done.  claw serve (DIR's build, default build/rel) and
// nginx serve the page of this tree and, with --old, the www/ of commit
// REV.  Printed per page and size: time from the navigation's start to the
// frame that shows the first rows (the page's own clock) and to the whole
// run loaded (this page: its skeleton, every row counted); the
// 95th percentile of interactions (collapse and expand the agent's span,
// open a closed turn, open a tool call's details, scroll a screen; 10
// each), each timed from the click to the frame after it (a closed turn:
// to the frame that shows its rows, loaded first); the longest task after
// the first rows and the time in long tasks; the JS heap and DOM nodes at
// the end.  Targets: 100 000 rows: first rows <= 1 s, interactions
// <= 100 ms, no long task over 200 ms after the first paint, memory
// <= 300 MB; 1 000 000 rows: first rows <= 2 s, interactions <= 200 ms,
// memory <= 500 MB.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Harness, waitFor } from '../tests/e2e/harness.mjs';
import { fillRun } from '../tests/e2e/longrun.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const top = path.resolve(here, '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
	const i = args.indexOf(name);
	return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const build = path.resolve(opt('--build', path.join(top, 'build', 'rel')));
const sizes = opt('--rows', '10000 100000').split(/[\s,]+/).map(Number).filter(Boolean);
const oldRev = opt('--old', '');
const oldSizes = opt('--old-rows', '10000').split(/[\s,]+/).map(Number).filter(Boolean);
const claw = path.join(build, 'claw');
const mockllm = path.join(build, 'tests', 'mockllm', 'mockllm');

// A source tree whose www/ is commit rev's (conf/ is this tree's).
function oldTop(h, rev) {
	const dir = path.join(h.dir, 'old');
	fs.mkdirSync(path.join(dir, 'www'), { recursive: true });
	fs.cpSync(path.join(top, 'conf'), path.join(dir, 'conf'), { recursive: true });
	const files = execFileSync('git', ['-C', top, 'ls-tree', '--name-only', `${rev}:www`], { encoding: 'utf8' })
		.split('\n').filter(Boolean);
	for (const f of files) {
		fs.writeFileSync(path.join(dir, 'www', f),
			execFileSync('git', ['-C', top, 'show', `${rev}:www/${f}`], { maxBuffer: 64 << 20 }));
	}
	return dir;
}

const p95 = (v) => v.slice().sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(v.length * 0.95))];

// Loads the issue page of a run of rows rows and times it.
async function measure(h, base, key, rows) {
	const page = await h.context.newPage();
	await page.bringToFront(); // a page in the background gets no animation frames
	await page.addInitScript(() => {
		window.__long = [];
		new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push([e.startTime, e.duration]); })
			.observe({ type: 'longtask', buffered: true });
		// The first row on screen, in ms since the navigation started: the
		// next frame after it is in the DOM.
		new MutationObserver((_, o) => {
			if (!document.querySelector('.tree .node')) return;
			o.disconnect();
			requestAnimationFrame(() => { window.__first = performance.now(); });
		}).observe(document, { childList: true, subtree: true });
	});
	const cdp = await h.context.newCDPSession(page);
	await cdp.send('Performance.enable');
	await page.goto(`${base}/#/${key}/issue/1`);
	await page.waitForSelector('.tree .node', { timeout: 600000 });
	await page.waitForFunction(() => window.__first !== undefined);
	const first = Math.round(await page.evaluate(() => window.__first));
	const firstAt = await page.evaluate(() => performance.now());
	// Loaded: the model holds every row (this page says so), or every row
	// but the end rows and tool results (folded into their calls) is in the
	// DOM (the page before, which keeps them all there).
	await page.waitForFunction(([n, shown]) => {
		const v = document.querySelector('.run-view');
		return Number(v?.dataset.rows) >= n || document.querySelectorAll('.tree .node').length >= shown;
	}, [rows, rows - 2 * ((rows - 6) / 6) - 3], { timeout: 900000, polling: 250 });
	const loaded = Math.round(await page.evaluate(() => performance.now()));
	// Times fn from the call to the frame after it, or (with until) to the
	// first frame where until() holds (a span whose events load first).
	const time = (fn, until) => page.evaluate(async ([src, usrc]) => {
		const f = new Function(`return (${src})`)();
		const u = usrc ? new Function(`return (${usrc})`)() : () => true;
		const frame = () => Promise.race([new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))),
			new Promise((r) => setTimeout(r, 5000))]);
		const t = performance.now();
		f();
		do await frame(); while (!u() && performance.now() - t < 5000);
		return performance.now() - t;
	}, [fn.toString(), until ? until.toString() : '']);
	const inter = [];
	const top = () => page.evaluate(async () => {
		document.querySelector('.trace').scrollTop = 0;
		await Promise.race([new Promise((r) => requestAnimationFrame(r)), new Promise((r) => setTimeout(r, 500))]);
	});
	for (let i = 0; i < 10; i++) {
		await top(); // the agent's span, at the top, in the DOM
		inter.push(await time(() => document.querySelector('.tree .node.t-ai .tog').click()));   // collapse
		inter.push(await time(() => document.querySelector('.tree .node.t-ai .tog').click()));   // expand
		// Open a closed turn (a page that loads its events then) and see its rows.
		if (await page.$(`.tree .node.t-turn.collapsed`)) {
			inter.push(await time(() => {
				const t = document.querySelectorAll('.tree .node.t-turn.collapsed')[3];
				window.__want = `part${Number(t.querySelector('.label').textContent.slice(1)) - 1} `;
				t.querySelector('.tog').click();
			}, () => [...document.querySelectorAll('.tree .node.t-tool .label')].some((l) => l.textContent.includes(window.__want))));
		}
		inter.push(await time(() => { const l = document.querySelectorAll('.tree .node.t-tool .label'); l[l.length > 3 ? 3 : 0].click(); }));
		inter.push(await time(() => { const t = document.querySelector('.trace'); t.scrollTop += t.clientHeight; }));
	}
	const long = await page.evaluate((at) => {
		const after = window.__long.filter(([s]) => s >= at);
		return { max: Math.max(0, ...after.map(([, d]) => d)), sum: after.reduce((a, [, d]) => a + d, 0) };
	}, firstAt);
	const m = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]));
	await page.close();
	return { rows, first, loaded, p95: p95(inter), longMax: long.max, longSum: long.sum,
		heapMB: m.JSHeapUsedSize / 1048576, nodes: m.Nodes };
}

async function one(label, pageTop, rows) {
	const h = new Harness({ top: pageTop === 'old' ? top : pageTop, claw, mockllm, keep: false });
	if (pageTop === 'old') h.top = oldTop(h, oldRev);
	try {
		await h.startMock({ replies: [] });
		await h.startServe({ CLAW_MAX_RUNS: '1' });
		await h.startNginx();
		await h.browser();
		const proj = path.join(h.dir, 'p');
		fs.mkdirSync(proj);
		const reg = await (await fetch(`${h.base}/api/projects`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ path: proj }) })).json();
		await fetch(`${h.base}/api/projects/${reg.key}/issues`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ title: 'A long run' }) });
		const n = fillRun(path.join(h.home, 'projects', `${reg.key}.db`), rows);
		await waitFor(async () => (await (await fetch(`${h.base}/api/projects/${reg.key}/issues/1`)).json()).status === 'done',
			{ what: 'the board to see the run', timeout: 30000 });
		const r = await measure(h, h.base, reg.key, n);
		console.log(`${label.padEnd(4)} ${String(r.rows).padStart(8)} rows: first rows ${r.first} ms, loaded ${r.loaded} ms; ` +
			`interactions p95 ${r.p95.toFixed(0)} ms; longest task after first rows ${r.longMax.toFixed(0)} ms ` +
			`(${(r.longSum / 1000).toFixed(1)} s in long tasks); JS heap ${r.heapMB.toFixed(0)} MB, ${r.nodes} DOM nodes`);
		return r;
	} finally {
		await h.close(true);
	}
}

for (const rows of sizes) await one('new', top, rows);
if (oldRev) for (const rows of oldSizes) await one('old', 'old', rows);
