// harness — the processes behind a browser test: mockllm, claw serve, a
// private nginx and headless Chromium, all on loopback, all stopped by PID.
//
// Everything runs under one fresh temporary directory (CLAW_HOME, the
// FastCGI socket, nginx's prefix with every *_temp_path, the browser
// profile, logs).  Every wait is bounded.  The system Chromium is driven by
// playwright-core; no browser is ever downloaded.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const AXE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'node_modules', 'axe-core', 'axe.min.js');

// The serious and critical accessibility violations axe-core finds on the
// page as it is now, one line each ("" when none).
export async function axeSerious(page) {
	if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ path: AXE });
	const found = await page.evaluate(async () => {
		const r = await window.axe.run(document, { resultTypes: ['violations'] });
		return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
			.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 4).map((n) => {
				const d = n.any && n.any[0] && n.any[0].data;
				return `${n.target.join(' ')}${d && d.contrastRatio ? ` [${d.fgColor} on ${d.bgColor}: ${d.contrastRatio}]` : ''}`;
			}).join(', ')}`);
	});
	return found.join('\n');
}

export const CHROMIUM = process.env.CLAW_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
	'--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls fn until it returns a truthy value; throws after timeout ms.
export async function waitFor(fn, { timeout = 15000, interval = 100, what = 'condition' } = {}) {
	const end = Date.now() + timeout;
	let last;
	for (;;) {
		try {
			const v = await fn();
			if (v) return v;
		} catch (e) {
			last = e;
		}
		if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
		await sleep(interval);
	}
}

export function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.unref();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

export class Harness {
	constructor({ top, claw, mockllm, keep }) {
		this.top = top;             // source tree (www/, conf/)
		this.claw = claw;           // the claw binary
		this.mockllm = mockllm;     // the mockllm binary
		this.keep = keep;
		this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'claw-e2e-'));
		this.home = path.join(this.dir, 'home');
		this.sock = path.join(this.dir, 'claw.sock');
		this.procs = new Map();     // name → child
		fs.mkdirSync(this.home, { recursive: true });
	}

	log(name) {
		return path.join(this.dir, `${name}.log`);
	}

	start(name, cmd, args, { env, cwd } = {}) {
		const out = fs.openSync(this.log(name), 'a');
		const child = spawn(cmd, args, { cwd: cwd || this.dir, env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
		fs.closeSync(out);
		child.exitInfo = null;
		child.on('exit', (code, sig) => { child.exitInfo = { code, sig }; });
		this.procs.set(name, child);
		return child;
	}

	// Stops one process by its PID: SIGTERM, then SIGKILL after grace ms.
	async stop(name, grace = 5000) {
		const child = this.procs.get(name);
		if (!child) return;
		this.procs.delete(name);
		if (child.exitInfo) return;
		const gone = new Promise((r) => child.once('exit', r));
		child.kill('SIGTERM');
		const t = setTimeout(() => child.exitInfo || child.kill('SIGKILL'), grace);
		await gone;
		clearTimeout(t);
	}

	alive(name) {
		const c = this.procs.get(name);
		return c && !c.exitInfo;
	}

	tail(name, lines = 30) {
		try {
			return fs.readFileSync(this.log(name), 'utf8').split('\n').slice(-lines).join('\n');
		} catch {
			return '';
		}
	}

	// mockllm with a scenario (an object); resolves to its port.
	async startMock(scenario, name = 'mockllm') {
		const file = path.join(this.dir, `${name}.scenario.json`);
		fs.writeFileSync(file, JSON.stringify(scenario, null, 1));
		const portFile = path.join(this.dir, `${name}.port`);
		this.start(name, this.mockllm, ['--scenario', file, '--listen', '127.0.0.1:0', '--port-file', portFile,
			'--log', path.join(this.dir, `${name}.requests.jsonl`)]);
		const port = await waitFor(() => fs.existsSync(portFile) && Number(fs.readFileSync(portFile, 'utf8')),
			{ timeout: 10000, what: `${name} port` });
		this.mockPort = port;
		return port;
	}

	// The requests mockllm logged, parsed.
	mockRequests(name = 'mockllm') {
		try {
			return fs.readFileSync(path.join(this.dir, `${name}.requests.jsonl`), 'utf8').split('\n')
				.filter(Boolean).map((l) => JSON.parse(l));
		} catch {
			return [];
		}
	}

	// claw serve on the unix socket, its model pointed at mockllm.
	async startServe(env = {}) {
		try { fs.unlinkSync(this.sock); } catch { /* first start */ }
		this.start('serve', this.claw, ['serve', '--listen', `unix:${this.sock}`], {
			env: {
				CLAW_HOME: this.home,
				CLAW_AGENT: 'anthropic',
				CLAW_BASE_URL: `http://127.0.0.1:${this.mockPort}`,
				CLAW_MODEL: 'mock-model',
				ANTHROPIC_API_KEY: 'sk-e2e-not-a-key',
				CLAW_MAX_RUNS: '2',
				// The scenarios stop runs whose model call hangs on purpose: a
				// reply in flight gets 1 s, not the default 30 (tests/run/grace.sh
				// tests the grace itself).
				CLAW_STOP_GRACE_S: '1',
				NO_COLOR: '1',
				...env,
			},
		});
		await waitFor(() => fs.existsSync(this.sock) || !this.alive('serve'), { timeout: 15000, what: 'claw serve socket' });
		if (!this.alive('serve')) throw new Error(`claw serve exited:\n${this.tail('serve')}`);
	}

	// nginx from conf/nginx.conf with this run's port, paths and socket.
	async startNginx(port) {
		this.port = port || this.port || await freePort();
		const prefix = path.join(this.dir, 'nginx');
		fs.mkdirSync(path.join(prefix, 'logs'), { recursive: true });
		fs.mkdirSync(path.join(prefix, 'temp'), { recursive: true });
		const conf = path.join(prefix, 'nginx.conf');
		fs.writeFileSync(conf, nginxConf({ top: this.top, prefix, port: this.port, sock: this.sock }));
		this.start('nginx', 'nginx', ['-p', prefix, '-c', conf, '-e', path.join(prefix, 'logs', 'error.log'),
			'-g', 'daemon off;']);
		this.base = `http://127.0.0.1:${this.port}`;
		await waitFor(async () => {
			if (!this.alive('nginx')) throw new Error(`nginx exited:\n${fs.readFileSync(path.join(prefix, 'logs', 'error.log'), 'utf8')}`);
			const r = await fetch(`${this.base}/index.html`).catch(() => null);
			return r && r.ok;
		}, { timeout: 10000, what: 'nginx' });
		return this.base;
	}

	async browser() {
		const profile = path.join(this.dir, 'chromium-profile');
		fs.mkdirSync(profile, { recursive: true });
		this.context = await chromium.launchPersistentContext(profile, {
			executablePath: CHROMIUM,
			headless: true,
			args: CHROMIUM_ARGS,
			viewport: { width: 1280, height: 800 },
			colorScheme: 'light',
			timeout: 30000,
		});
		this.context.setDefaultTimeout(15000);
		return this.context;
	}

	async close(ok) {
		if (this.context) await this.context.close().catch(() => {});
		for (const name of [...this.procs.keys()].reverse()) await this.stop(name);
		if (ok && !this.keep) fs.rmSync(this.dir, { recursive: true, force: true });
	}
}

// conf/nginx.conf rendered for this run, as tests/server/lib.sh does: the
// lines marked TEST get this run's prefix, port, socket and www/.
export function nginxConf({ top, prefix, port, sock }) {
	const src = fs.readFileSync(path.join(top, 'conf', 'nginx.conf'), 'utf8');
	const user = os.userInfo().uid === 0 ? 'user root;' : '';
	const out = src.split('\n').map((line) => line
		.replace(/^user .*# TEST.*$/, user)
		.replace(/^pid .*# TEST.*$/, `pid ${path.join(prefix, 'nginx.pid')};`)
		.replace(/^error_log .*# TEST.*$/, `error_log ${path.join(prefix, 'logs', 'error.log')} warn;`)
		.replace(/access_log .*# TEST.*$/, `access_log ${path.join(prefix, 'logs', 'access.log')};`)
		.replace(/\/var\/lib\/nginx\//g, `${path.join(prefix, 'temp')}/`)
		.replace(/unix:\/run\/claw\/claw\.sock;/, `unix:${sock};`)
		.replace(/listen 80; .*# TEST.*$/, `listen 127.0.0.1:${port};`)
		.replace(/root \/usr\/local\/share\/claw\/www;.*$/, `root ${path.join(top, 'www')};`)
		.replace(/worker_processes auto;/, 'worker_processes 1;')
		.replace(/worker_connections \d+;/, 'worker_connections 1024;')
		.replace(/^worker_rlimit_nofile .*$/, '')).join('\n');
	for (const must of [`listen 127.0.0.1:${port};`, `unix:${sock};`, path.join(top, 'www')])
		if (!out.includes(must)) throw new Error(`conf/nginx.conf: cannot render the test copy (no ${must})`);
	return out;
}
