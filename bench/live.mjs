#!/usr/bin/env node
// bench/live — how long the model's text takes to reach the page (SPEC 11,
// issue 19; docs/BENCHMARKS.md "live").
//
//   node bench/live.mjs [--build DIR] [-n SUBSCRIBERS] [--tokens N]
//
// mockllm streams one step's reply as real providers do, a few tokens per
// event (`"pieces"`), N tokens each holding the wall-clock ms at which
// mockllm wrote it (`"stamp"`). claw serve (behind nginx, as deployed)
// reads the stream, coalesces what it gained to at most one `delta` event
// per 100 ms and fans it out to -n subscribers of the run stream, opened
// through nginx before the reply starts. Each subscriber notes when each
// token arrives: latency = arrival - the write time it carries, so the
// coalescing window is inside it. In the same run, the baseline: the same
// stream read straight from mockllm by one client (the floor: the mock's
// own writes and the loopback). Prints p50/p95/max of both and the
// target: p95 at most 120 ms with 100 subscribers.
//
// Needs nginx, sqlite3, a build with claw and tests/mockllm/mockllm
// (default build/rel: no sanitizers). Everything listens on 127.0.0.1 or a
// unix socket and is stopped at the end.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Harness, waitFor } from '../tests/e2e/harness.mjs';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
	const i = args.indexOf(name);
	return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const build = path.resolve(opt('--build', path.join(top, 'build', 'rel')));
const subscribers = Number(opt('-n', '100'));
const tokens = Number(opt('--tokens', '1000'));
const STAMP = '@'.repeat(13);
const PIECES = Math.max(1, Math.round(tokens / 4)); // ~4 tokens an event, as a provider sends them
const CHUNK = 256;          // bytes a write: about an event
const PAUSE_MS = 20;        // between writes: ~4 s of stream, ~250 tokens/s

// The reply: tokens "w<stamp> " each, written in PIECES events.
const text = Array.from({ length: tokens }, () => `w${STAMP} `).join('');
const stream = { pieces: PIECES, chunk: CHUNK, pause_ms: PAUSE_MS, stamp: true };

function quantiles(v) {
	const s = [...v].sort((a, b) => a - b);
	const q = (p) => s[Math.max(0, Math.ceil((s.length * p) / 100) - 1)];
	return { n: s.length, p50: q(50), p95: q(95), max: s[s.length - 1] };
}

// Reads a text/event-stream from res, calling onEvent(name, data) per event
// and noting Date.now() at each chunk's arrival (the time every event in
// it reached us).
async function readEvents(res, onEvent) {
	const dec = new TextDecoder();
	let buf = '';
	for await (const chunk of res.body) {
		const now = Date.now();
		buf += dec.decode(chunk, { stream: true });
		let end;
		while ((end = buf.indexOf('\n\n')) >= 0) {
			const block = buf.slice(0, end);
			buf = buf.slice(end + 2);
			let name = 'message', data = '';
			for (const line of block.split('\n')) {
				if (line.startsWith('event:')) name = line.slice(6).trim();
				else if (line.startsWith('data:')) data += line.slice(5).trimStart();
			}
			if (onEvent(name, data, now) === false) return;
		}
	}
}

// Each 13-digit stamp in text: now - stamp.
function latencies(text, now, out) {
	for (const m of text.matchAll(/w(\d{13}) /g)) out.push(now - Number(m[1]));
}

// Baseline: the stream straight from mockllm, no claw.
async function direct(port) {
	const res = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
		body: JSON.stringify({ model: 'm', max_tokens: 100, stream: true,
			messages: [{ role: 'user', content: 'baseline please' }] }),
	});
	const lat = [];
	await readEvents(res, (name, data, now) => {
		if (name !== 'content_block_delta') return true;
		const d = JSON.parse(data);
		if (d.delta && d.delta.type === 'text_delta') latencies(d.delta.text, now, lat);
		return true;
	});
	return lat;
}

const h = new Harness({ top, claw: path.join(build, 'claw'), mockllm: path.join(build, 'tests', 'mockllm', 'mockllm'),
	keep: false });
let ok = false;
try {
	const port = await h.startMock({ replies: [
		{ match: { user: 'baseline please' }, text, stream },
		{ match: { user: 'Write the baton' }, text: 'Baton.', times: 0 },
		{ match: { user: 'Carry out step speak' }, delay_ms: 3000, text, stream },
	] });
	await h.startServe({ CLAW_MAX_RUNS: '1' });
	await h.startNginx();
	const api = async (method, url, body) => {
		const r = await fetch(`${h.base}${url}`, { method, headers: { 'Content-Type': 'application/json' },
			body: body ? JSON.stringify(body) : undefined });
		return r.json();
	};
	const floor = await direct(port);

	const proj = path.join(h.dir, 'p');
	fs.mkdirSync(proj);
	const { key } = await api('POST', '/api/projects', { path: proj });
	const P = `/api/projects/${key}`;
	const { id } = await api('POST', `${P}/issues`, { title: 'Speak at length' });
	const spec = JSON.stringify({ name: 'Speak', steps: [{ name: 'speak', goal: 'Say it all.', tools: [] }] });
	const q = spawnSync('sqlite3', [path.join(h.home, 'projects', `${key}.db`), `INSERT INTO solvers (issue_id, version,
		spec, status, decided_by, created_at, decided_at) VALUES (${id}, 1, '${spec}', 'approved', 'bench', 0, 0)`]);
	if (q.status !== 0) throw new Error(`sqlite3: ${q.stderr}`);
	await api('POST', `${P}/issues/${id}/start`, {});
	const run = await waitFor(async () => ((await api('GET', `${P}/issues/${id}`)).runs || [])[0]?.id,
		{ what: 'the run', timeout: 10000 });

	// The subscribers, open before the reply's 3 s delay is over.
	const lat = [];
	let frames = 0;
	const subs = Array.from({ length: subscribers }, () => fetch(`${h.base}${P}/runs/${run}/stream`,
		{ headers: { Accept: 'text/event-stream' } }).then((res) => readEvents(res, (name, data, now) => {
		if (name === 'end' || (name === 'trace' && data.includes('"type":"reply"'))) return false; // the turn is in
		if (name === 'delta') {
			frames++;
			const d = JSON.parse(data);
			if (d.kind === 'text') latencies(d.text, now, lat);
		}
		return true;
	})));
	await Promise.all(subs);
	ok = true;
	const c = quantiles(lat), f = quantiles(floor);
	const line = (label, x) => `${label.padEnd(28)} ${String(x.n).padStart(7)} tokens  p50 ${String(x.p50).padStart(4)} ms` +
		`  p95 ${String(x.p95).padStart(4)} ms  max ${String(x.max).padStart(4)} ms`;
	console.log(`live: ${tokens} tokens in ${PIECES} events, ${CHUNK} B writes ${PAUSE_MS} ms apart; ` +
		`${subscribers} subscribers through nginx`);
	console.log(line('mockllm → client (floor)', f));
	console.log(line(`mockllm → claw → nginx → ×${subscribers}`, c));
	console.log(`delta frames: ${(frames / subscribers).toFixed(1)} per subscriber; ` +
		`p95 ${c.p95} ms (target ≤ 120 ms: ${c.p95 <= 120 ? 'met' : 'NOT met'}), ${(c.p95 - f.p95)} ms over the floor`);
	if (c.n !== tokens * subscribers) console.log(`note: ${tokens * subscribers - c.n} token arrivals not seen (shed or split stamps)`);
} finally {
	await h.close(ok);
}
