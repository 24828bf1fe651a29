#!/usr/bin/env node
// bench/runview — the run view of a long run in headless Chromium, this
// page against the page of another commit, in one run (issue 17;
// docs/BENCHMARKS.md "runview").
//
//   node bench/runview.mjs [--build DIR] [--rows "10000 100000"]
//                          [--old REV] [--old-rows "10000"]   (--rows 0: none)
//                          [--live RATE]
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
// memory <= 500 MB.  With --live RATE, each size again with the run still
// running and its stream served by a feed here (liveFeed) sending RATE rows
// a second all through the measurement: the figures must hold with live
// rows arriving (200/s in the issue).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
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
const live = Number(opt('--live', '0')); // rows a second fed to this page's stream (0: none)
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

// An SSE feed standing in for the run's stream: from the row after seq
// `after`, new turns under the agent's span (6 rows each, as fillRun
// writes them), `rate` rows a second, never ending.  Resolves to
// {url, sent(), close()}.
function liveFeed(after, rate) {
	let seq = after;
	let sent = 0;
	const timers = new Set();
	const server = http.createServer((req, res) => {
		res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
		const row = (spanId, parentId, depth, phase, type, level, data) => {
			seq++;
			sent++;
			res.write(`id: ${seq}\nevent: trace\ndata: ${JSON.stringify({ seq, runId: 1, spanId, parentId, depth, phase,
				type, level, tsMs: 10000000 + seq * 8, data })}\n\n`);
		};
		let turn = 0;
		let queue = [];
		const tick = setInterval(() => {
			for (let k = 0; k < rate / 20; k++) {
				if (!queue.length) {
					const t = 900000000 + turn * 6;
					const i = turn++;
					queue = [
						[t, 3, 3, 'enter', 'turn', 10, { number: 100000 + i }],
						[t + 1, t, 4, 'event', 'prompt', 10, { text: `live ${i}`, tools: ['bash'] }],
						[t + 2, t, 4, 'event', 'reply', 10, { text: `Live part ${i}.`, usage: { in: 3000, out: 40, cost_micros: 1200 } }],
						[t + 3, t, 4, 'event', 'tool', 20, { name: 'bash', input: { command: `echo live${i}` } }],
						[t + 4, t, 4, 'event', 'tool-result', 20, { name: 'bash', text: `live${i}\n[exit 0]`, is_error: false }],
						[t, 3, 3, 'exit', 'end', 10, { ms: 40 }],
					];
				}
				row(...queue.shift());
			}
		}, 50);
		timers.add(tick);
		req.on('close', () => { clearInterval(tick); timers.delete(tick); });
	});
	return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
		url: `http://127.0.0.1:${server.address().port}/stream`,
		sent: () => sent,
		close: () => { for (const t of timers) clearInterval(t); server.closeAllConnections(); server.close(); },
	})));
}

const p95 = (v) => v.slice().sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(v.length * 0.95))];

// Loads the issue page of a run of rows rows and times it (with feed: the
// run's stream is the feed's, rows arriving all along).
async function measure(h, base, key, rows, feed) {
	const page = await h.context.newPage();
	if (feed) await page.route('**/runs/1/stream*', (route) => route.continue({ url: feed.url }));
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
	return { rows, first, loaded, p95: p95(inter), longMax: long.max, longSum: long.sum, fed: feed ? feed.sent() : 0,
		heapMB: m.JSHeapUsedSize / 1048576, nodes: m.Nodes };
}

async function one(label, pageTop, rows, rate = 0) {
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
		// Live: the run still running (at a question: claw serve leaves it be).
		const n = fillRun(path.join(h.home, 'projects', `${reg.key}.db`), rows, { open: rate > 0, gateFirst: true });
		await waitFor(async () => (await (await fetch(`${h.base}/api/projects/${reg.key}/issues/1`)).json()).status ===
			(rate > 0 ? 'waiting' : 'done'), { what: 'the board to see the run', timeout: 30000 });
		const upto = rate > 0 ? (await (await fetch(`${h.base}/api/projects/${reg.key}/runs/1/spans?limit=1`)).json()).upto : 0;
		const feed = rate > 0 ? await liveFeed(upto, rate) : null;
		const r = await measure(h, h.base, reg.key, n, feed);
		if (feed) feed.close();
		console.log(`${label.padEnd(9)} ${String(r.rows).padStart(8)} rows${feed ? ` (+${r.fed} live at ${rate}/s)` : ''}: ` +
			`first rows ${r.first} ms, loaded ${r.loaded} ms; ` +
			`interactions p95 ${r.p95.toFixed(0)} ms; longest task after first rows ${r.longMax.toFixed(0)} ms ` +
			`(${(r.longSum / 1000).toFixed(1)} s in long tasks); JS heap ${r.heapMB.toFixed(0)} MB, ${r.nodes} DOM nodes`);
		return r;
	} finally {
		await h.close(true);
	}
}

for (const rows of sizes) await one('new', top, rows);
if (live) for (const rows of sizes) await one('new+live', top, rows, live);
if (oldRev) for (const rows of oldSizes) await one('old', 'old', rows);
