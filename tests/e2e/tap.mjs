// tap — a tiny TAP producer for the browser tests (the format make check
// and tools/test read everywhere else in claw).
//
// test(name, fn) registers a step; run() executes them in order, each with a
// time limit, printing "ok N - name" or "not ok N - name" plus the error
// as YAML-ish comments.  A step marked {fatal: true} stops the run when it
// fails (later steps depend on it); the others are skipped, not failed.

const steps = [];

export function test(name, fn, opts = {}) {
	steps.push({ name, fn, timeout: opts.timeout ?? 60000, fatal: !!opts.fatal, skip: opts.skip });
}

export function diag(msg) {
	for (const line of String(msg).split('\n')) process.stdout.write(`# ${line}\n`);
}

function withTimeout(p, ms, name) {
	let t;
	return Promise.race([p, new Promise((_, rej) => {
		t = setTimeout(() => rej(new Error(`timed out after ${ms} ms: ${name}`)), ms);
	})]).finally(() => clearTimeout(t));
}

export async function run() {
	let n = 0, failed = 0, stop = '';
	process.stdout.write(`1..${steps.length}\n`);
	for (const s of steps) {
		n++;
		const skip = stop || (typeof s.skip === 'function' ? s.skip() : s.skip);
		if (skip) {
			process.stdout.write(`ok ${n} - ${s.name} # SKIP ${skip}\n`);
			continue;
		}
		const t0 = Date.now();
		try {
			await withTimeout(Promise.resolve().then(s.fn), s.timeout, s.name);
			process.stdout.write(`ok ${n} - ${s.name} (${Date.now() - t0} ms)\n`);
		} catch (e) {
			failed++;
			process.stdout.write(`not ok ${n} - ${s.name}\n`);
			diag(e && e.stack ? e.stack : String(e));
			if (s.fatal) stop = `after the failure of "${s.name}"`;
		}
	}
	return failed;
}

export function assert(cond, msg) {
	if (!cond) throw new Error(`assertion failed: ${msg}`);
}

export function equal(got, want, msg) {
	if (got !== want) throw new Error(`${msg}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}
