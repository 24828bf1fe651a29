#!/usr/bin/env node
// run — claw's browser tests (tests/e2e/README.md).
//
//   node tests/e2e/run.mjs [--build DIR] [--shots DIR] [--keep] [--only SUITE]
//
// DIR is a configured build tree holding `claw` and
// `tests/mockllm/mockllm` (default: $CLAW_BIN's directory, else build/test).
// Prints TAP; exits 1 when a test failed.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Harness } from './harness.mjs';
import { run, diag } from './tap.mjs';
import { unitTests } from './units.test.mjs';
import { dashboardTests } from './dashboard.test.mjs';
import { longRunTests } from './longrun.test.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const top = path.resolve(here, '..', '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
	const i = args.indexOf(name);
	return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const build = path.resolve(opt('--build', process.env.CLAW_BIN ? path.dirname(process.env.CLAW_BIN) : path.join(top, 'build', 'test')));
const claw = process.env.CLAW_BIN || path.join(build, 'claw');
const mockllm = process.env.MOCKLLM_BIN || path.join(build, 'tests', 'mockllm', 'mockllm');
const shots = path.resolve(opt('--shots', path.join(build, 'tests', 'e2e', 'shots')));
fs.mkdirSync(shots, { recursive: true });

const h = new Harness({ top, claw, mockllm, keep: args.includes('--keep') });
const ctx = { h, top, shots, claw, mockllm };
diag(`work dir ${h.dir}; screenshots in ${shots}`);

let failed = 1;
try {
	await h.startNginx();
	await h.browser();
	const only = opt('--only', ''); // one suite: units, dashboard or longrun
	if (!only || only === 'units') unitTests(ctx);
	if (!only || only === 'dashboard') dashboardTests(ctx);
	if (!only || only === 'longrun') longRunTests(ctx);
	failed = await run();
} catch (e) {
	process.stdout.write(`not ok - harness\n`);
	diag(e.stack || String(e));
} finally {
	if (failed) {
		for (const n of ['serve', 'mockllm', 'nginx']) {
			const t = h.tail(n, 25);
			if (t.trim()) diag(`---- ${n}.log (tail)\n${t}`);
		}
		diag(`kept ${h.dir}`);
	}
	await h.close(!failed);
}
process.exit(failed ? 1 : 0);
