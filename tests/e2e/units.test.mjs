// units — the page's own modules checked inside the real browser: the
// markdown renderer never lets data become markup, and the trace model
// files each row once however often it is replayed.  Needs only nginx
// serving www/ (no claw).

import { test, assert, equal } from './tap.mjs';

export function unitTests(ctx) {
	let page;

	test('units: the page\'s modules load in Chromium', async () => {
		page = await ctx.h.context.newPage();
		await page.goto(`${ctx.h.base}/index.html#/`);
		const ok = await page.evaluate(async () => {
			const mods = ['app', 'api', 'board', 'changes', 'dialog', 'dom', 'format', 'gate', 'issue',
				'markdown', 'notify', 'project', 'result', 'run', 'stream', 'trace'];
			for (const m of mods) await import(`/${m}.js`);
			return mods.length;
		});
		equal(ok, 16, 'modules imported');
	}, { fatal: true });

	test('units: a unified diff gets old and new line numbers, data stays text', async () => {
		const r = await page.evaluate(async () => {
			const { parseDiff } = await import('/changes.js');
			return parseDiff([
				'diff --git a/f b/f', '--- a/f', '+++ b/f', '@@ -8,3 +8,4 @@ ctx', ' keep', '-old <b>x</b>',
				'+new', '+more', ' tail', '\\ No newline at end of file'].join('\n'));
		});
		const body = r.filter((x) => x.kind !== 'meta');
		equal(JSON.stringify(body.map((x) => [x.kind, x.old ?? null, x.neu ?? null])),
			JSON.stringify([['hunk', null, null], ['ctx', 8, 8], ['del', 9, null], ['add', null, 9],
				['add', null, 10], ['ctx', 10, 11]]), 'line numbers on both sides');
		equal(body[2].text, 'old <b>x</b>', 'a removed line keeps its text as text');
	});

	test('units: markdown renders structure and never markup from data', async () => {
		const r = await page.evaluate(async () => {
			const { renderMarkdown } = await import('/markdown.js');
			const src = [
				'# Title', '', 'Some *em* and **strong** and `code <b>x</b>`.', '',
				'- one', '- two', '  - nested', '1. first', '', '```sh', 'echo "<script>alert(1)</script>"', '```', '',
				'<script>window.pwned = 1</script>', '<img src=x onerror="window.pwned = 2">',
				'[ok](https://example.com/a) [bad](javascript:window.pwned=3) [rel](/etc/passwd) <https://x.example/y>',
				'> quoted', '', '- [x] done task',
			].join('\n');
			const el = renderMarkdown(src);
			document.body.append(el);
			const links = [...el.querySelectorAll('a')].map((a) => ({ href: a.getAttribute('href'), rel: a.rel, target: a.target }));
			const out = {
				h3: el.querySelector('h3')?.textContent,
				em: el.querySelector('em')?.textContent,
				strong: el.querySelector('strong')?.textContent,
				code: el.querySelector('p code')?.textContent,
				lis: el.querySelectorAll('li').length,
				nested: el.querySelectorAll('ul ul li').length,
				pre: el.querySelector('pre code')?.textContent,
				scripts: el.querySelectorAll('script, img, iframe, [onerror]').length,
				links,
				quote: el.querySelector('blockquote')?.textContent.trim(),
				text: el.textContent,
			};
			el.remove();
			out.pwned = window.pwned ?? null;
			return out;
		});
		equal(r.h3, 'Title', 'heading');
		equal(r.em, 'em', 'emphasis');
		equal(r.strong, 'strong', 'strong');
		equal(r.code, 'code <b>x</b>', 'inline code kept as text');
		equal(r.nested, 1, 'nested list item');
		assert(r.lis >= 5, `list items: ${r.lis}`);
		equal(r.pre, 'echo "<script>alert(1)</script>"', 'fenced code as text');
		equal(r.scripts, 0, 'no element made from raw HTML');
		equal(r.pwned, null, 'no script ran');
		assert(r.text.includes('<script>window.pwned = 1</script>'), 'raw HTML shown as text');
		equal(r.links.length, 2, `only http(s) links kept: ${JSON.stringify(r.links)}`);
		for (const l of r.links) {
			assert(/^https:/.test(l.href), `link ${l.href}`);
			assert(l.rel.includes('noopener'), `rel=${l.rel}`);
		}
		equal(r.quote, 'quoted', 'block quote');
	});

	test('units: the trace model files a replayed row once', async () => {
		const r = await page.evaluate(async () => {
			const { TraceModel } = await import('/trace.js');
			const rows = [
				{ seq: 1, spanId: 1, parentId: 0, depth: 0, phase: 'enter', type: 'workflow', level: 30, tsMs: 1000, data: { name: 'S' } },
				{ seq: 2, spanId: 2, parentId: 1, depth: 1, phase: 'enter', type: 'step', level: 20, tsMs: 1010, data: { name: 'a' } },
				{ seq: 3, spanId: 3, parentId: 2, depth: 2, phase: 'event', type: 'reply', level: 10, tsMs: 1020,
					data: { text: 'x', usage: { in: 100, out: 10, cached: 50, cache_write: 30, cost_micros: 1234 } } },
				{ seq: 4, spanId: 4, parentId: 2, depth: 2, phase: 'event', type: 'tool', level: 20, tsMs: 1030, data: { name: 'bash', input: { command: 'false' } } },
				{ seq: 5, spanId: 5, parentId: 2, depth: 2, phase: 'event', type: 'tool-result', level: 30, tsMs: 1090, data: { name: 'bash', text: '[exit 1]', is_error: true } },
				{ seq: 6, spanId: 6, parentId: 2, depth: 2, phase: 'event', type: 'tool', level: 20, tsMs: 1100, data: { name: 'verdict', input: { decision: 'reject' } } },
				{ seq: 7, spanId: 2, parentId: 1, depth: 1, phase: 'exit', type: 'end', level: 20, tsMs: 1200, data: { ms: 190 } },
				{ seq: 8, spanId: 8, parentId: 0, depth: 0, phase: 'event', type: 'question', level: 30, tsMs: 1300, data: { kind: 'question', prompt: 'why?' } },
			];
			const m = new TraceModel();
			for (const row of rows) m.add(row);
			const again = rows.map((row) => m.add(row)).filter(Boolean).length;
			const step = m.nodes.get(2);
			const tool = step.children.find((n) => n.type === 'tool');
			const open = m.openGate();
			m.add({ seq: 9, spanId: 9, parentId: 0, depth: 0, phase: 'event', type: 'answer', level: 30, tsMs: 1400, data: { ref: 8, text: 'because' } });
			// A workflow whose process died, closed by the resumed one.
			m.add({ seq: 10, spanId: 1, parentId: 0, depth: 0, phase: 'exit', type: 'end', level: 30, tsMs: 1500, data: { ms: 400, interrupted: true } });
			return {
				wfEnded: m.nodes.get(1).ended, wfInterrupted: m.nodes.get(1).interrupted, stepInterrupted: step.interrupted,
				again, rows: m.rows, lastSeq: m.lastSeq, stepMs: step.ms, stepIn: step.usage.in, stepCost: step.usage.cost, wfWritten: m.nodes.get(1).usage.written,
				errors: step.errors, rejects: step.rejects, toolErr: !!tool.error, kids: step.children.length,
				open: open && open.spanId, openAfter: m.openGate(), wfIn: m.nodes.get(1).usage.in,
			};
		});
		equal(r.again, 0, 'replayed rows change nothing');
		equal(r.rows, 10, 'rows filed');
		equal(r.lastSeq, 10, 'resume cursor');
		equal(r.stepMs, 190, 'duration from the end row');
		equal(r.stepIn, 100, 'tokens summed into the step');
		equal(r.wfIn, 100, 'tokens summed into the workflow');
		equal(r.stepCost, 1234, 'cost summed');
		equal(r.wfWritten, 30, 'cache writes summed');
		equal(r.errors, 1, 'tool error counted on the step');
		equal(r.rejects, 1, 'critic rejection counted on the step');
		equal(r.toolErr, true, 'the result folded into its call');
		equal(r.kids, 3, 'reply, tool, verdict under the step');
		equal(r.open, 8, 'open gate');
		equal(r.openAfter, null, 'answered gate is closed');
		equal(r.wfEnded && r.wfInterrupted, true, 'an interrupted end closes its span, marked');
		equal(r.stepInterrupted, false, 'a normal end is not marked');
	});

	test('units: errors, the critic\'s verdict before a gate, a solver diff, what a result says', async () => {
		const r = await page.evaluate(async () => {
			const { TraceModel } = await import('/trace.js');
			const { lineDiff } = await import('/gate.js');
			const { nextStep, proofOf } = await import('/result.js');
			const m = new TraceModel();
			const ev = (seq, parentId, type, data) => m.add({ seq, spanId: seq, parentId, depth: parentId ? 1 : 0, phase: 'event',
				type, level: 30, tsMs: 1000 + seq, data });
			m.add({ seq: 1, spanId: 1, parentId: 0, depth: 0, phase: 'enter', type: 'workflow', level: 30, tsMs: 1000, data: { name: 'g' } });
			ev(2, 1, 'tool', { name: 'verdict', input: { decision: 'reject', reason: 'vague' } });
			ev(3, 1, 'tool', { name: 'verdict', input: { decision: 'accept', reason: 'concrete' } });
			ev(4, 0, 'question', { kind: 'approve', prompt: 'Approve?' });
			ev(5, 1, 'note', { action: 'failed', message: 'workflow g failed: boom' });
			ev(6, 0, 'note', { action: 'done', message: 'fine' });
			return {
				verdict: m.verdictBefore(4).reason, none: m.verdictBefore(2), errors: m.nodes.get(1).errors,
				failedNote: !!m.bySeq.get(5).error, doneNote: !!m.bySeq.get(6).error,
				diff: lineDiff(['a', 'b', 'c'], ['a', 'x', 'c', 'd']).map((d) => d.op + d.text).join(' '),
				budget: nextStep('failed', 'budget exhausted: 60000 tokens'),
				stopped: nextStep('failed', 'stopped by ann'),
				http: nextStep('failed', 'anthropic: bad request (HTTP 400): x'),
				busy: nextStep('failed', 'openai: rate limited (HTTP 429): slow down'),
				cmd: nextStep('failed', 'step build: make: command not found'),
				proof: proofOf([{ kind: 'evidence', step: 'a', label: 'x' }, { kind: 'file', step: 'b', label: 'f' },
					{ kind: 'evidence', step: 'b', label: 'baseline' }, { kind: 'evidence', step: 'b', label: 'suite' }])
					.map((a) => a.label).join(','),
			};
		});
		equal(r.verdict, 'concrete', 'the last verdict before the gate');
		equal(r.none, null, 'none before the first');
		equal(r.errors, 1, 'a failed workflow counts as an error of its span');
		equal(r.failedNote, true, 'the failed note is an error row');
		equal(r.doneNote, false, 'another note is not');
		equal(r.diff, ' a -b +x  c +d', 'a line diff by common lines, removals first');
		assert(/CLAW_BUDGET_TOKENS/.test(r.budget), 'a budget failure: raise the budget');
		equal(r.stopped, 'Stopped by ann. Run the issue again to start over.', 'a stop names who');
		assert(/CLAW_MODEL/.test(r.http), 'a refused request: check the model');
		assert(/in a moment/.test(r.busy), 'a rate limit: run again in a moment');
		assert(!/CLAW_MODEL/.test(r.cmd), 'a tool\'s "not found" is not the provider\'s');
		equal(r.proof, 'baseline,suite', 'the proof is the last step\'s evidence');
	});

	test('units: a skeleton, its events loaded later and live rows, each counted once', async () => {
		const r = await page.evaluate(async () => {
			const { TraceModel } = await import('/trace.js');
			const m = new TraceModel();
			m.base = 20;
			const use = (i) => ({ in: i, out: 1, cached: 0, cache_write: 0, cost_micros: 10 });
			m.addSpan({ seq: 1, spanId: 1, parentId: 0, depth: 0, type: 'workflow', tsMs: 1000, endMs: 0, spans: 1, events: 0,
				usage: use(0), errors: 0, rejects: 0, questions: 0, data: { name: 'W' } });
			const turn = m.addSpan({ seq: 2, spanId: 2, parentId: 1, depth: 1, type: 'turn', tsMs: 1010, endMs: 1100, ms: 90,
				spans: 0, events: 3, usage: use(100), errors: 1, rejects: 0, questions: 0, data: { number: 1 } });
			const before = { loaded: turn.loaded, wfIn: m.nodes.get(1).usage.in, wfErr: m.nodes.get(1).errors, rows: m.rows };
			// A live row of the turn (after base) before its events are here.
			m.add({ seq: 21, spanId: 21, parentId: 2, depth: 2, phase: 'event', type: 'reply', level: 10, tsMs: 1200,
				data: { text: 'late', usage: use(7) } });
			const pending = { kids: turn.children.length, wfIn: m.nodes.get(1).usage.in };
			const ch = m.loaded(turn, [
				{ seq: 3, spanId: 3, parentId: 2, depth: 2, phase: 'event', type: 'reply', level: 10, tsMs: 1020, data: { text: 'x', usage: use(100) } },
				{ seq: 4, spanId: 4, parentId: 2, depth: 2, phase: 'event', type: 'tool', level: 20, tsMs: 1030, data: { name: 'bash', input: {} } },
				{ seq: 5, spanId: 5, parentId: 2, depth: 2, phase: 'event', type: 'tool-result', level: 20, tsMs: 1040, data: { name: 'bash', text: 'no', is_error: true } },
			]);
			return { before, pending, created: ch.created.length, kids: turn.children.map((n) => n.seq).join(','),
				wfIn: m.nodes.get(1).usage.in, errors: turn.errors, wfErr: m.nodes.get(1).errors, toolErr: !!turn.children[1].error,
				rows: m.rows, loaded: turn.loaded, lastSeq: m.lastSeq, turnMs: turn.ms };
		});
		equal(r.before.loaded, false, 'a span with events waits for them');
		equal(r.before.wfIn, 100, 'the skeleton\'s tokens summed into the spans above');
		equal(r.before.wfErr, 1, 'and its errors');
		equal(r.before.rows, 6, 'rows known: 2 spans, the turn\'s end, its 3 events');
		equal(r.pending.kids, 0, 'a live row waits for its span\'s events');
		equal(r.pending.wfIn, 107, 'but is counted at once');
		equal(r.kids, '3,4,21', 'then files after them, in seq order (the result in its call)');
		equal(r.created, 3, 'three nodes made');
		equal(r.wfIn, 107, 'loaded rows are not counted again');
		equal(r.errors, 1, 'nor their errors');
		equal(r.toolErr, true, 'the error on its call');
		equal(r.rows, 7, 'the live row counted once');
		equal(r.lastSeq, 21, 'resume cursor');
		equal(r.turnMs, 90, 'the span\'s time from the skeleton');
	});
}
