// dashboard — the whole dashboard against claw serve (filled in as the
// server and the run engine land; skipped while claw has no serve).

import { spawnSync } from 'node:child_process';
import { test } from './tap.mjs';

export function hasServe(claw) {
	const r = spawnSync(claw, ['serve', '--help'], { encoding: 'utf8', timeout: 5000 });
	return /--listen/.test(`${r.stdout}${r.stderr}`);
}

export function dashboardTests(ctx) {
	const why = hasServe(ctx.claw) ? '' : `${ctx.claw} has no serve command`;
	test('dashboard: claw serve is available', () => {}, { skip: why });
}
