// longrun — a long run written straight into a project's db, shaped like a
// real one, for the long-run browser tests and bench/runview (issue 17).
//
// Run 1 of issue 1: a note outside any span (as the solver's approval
// is), a workflow, a step, an agent, then turns of six rows
// each (the turn, its prompt, its reply with usage, a bash call, its
// result, the turn's end), written with the sqlite3 shell in one
// transaction.  Options:
//   errorsEvery: every k-th turn's bash result is an error (0: none)
//   needle:      a turn whose result holds the text `needle-<turn>`
//   gate:        a question answered after 60 s before the step (a wait)
//   open:        the run is still running: the last turn, the agent, the
//                step and the workflow have no end, and a question under
//                the workflow waits for its answer (claw serve leaves a run
//                at a gate alone): the last row, or with gateFirst the
//                first under the workflow (so rows a live run would add
//                under its agent come last in tree order, as they do)
// Returns the number of rows of the run.

import { execFileSync } from 'node:child_process';

export function fillRun(db, n, { errorsEvery = 0, needle = -1, gate = false, open = false, gateFirst = false } = {}) {
	const turns = Math.max(1, Math.floor((n - 6) / 6));
	const t0 = gate ? 70000 : 2000; // the turns' first time
	const end = t0 + turns * 50;
	const ask = (spanId, ts) => `INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type, level, data, ts_ms) VALUES
 (1, ${spanId}, 1, 1, 'event', 'question', 30, '{"kind":"question","prompt":"Go on with the rest?"}', ${ts});`;
	const sql = `
BEGIN;
INSERT INTO runs (id, issue_id, solver_version, status, started_by, created_at)
 VALUES (1, 1, 0, '${open ? 'running' : 'done'}', 'bench', 0);
UPDATE issues SET status = '${open ? 'waiting' : 'done'}' WHERE id = 1;
INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type, level, data, ts_ms) VALUES
 (1, 6, 0, 0, 'event', 'note', 20, '{"action":"approve","message":"solver approved"}', 500),
 (1, 1, 0, 0, 'enter', 'workflow', 30, '{"name":"Bench"}', 1000);
${open && gateFirst ? ask(7, 1001) : ''}
${gate ? `INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type, level, data, ts_ms) VALUES
 (1, 4, 1, 1, 'event', 'question', 30, '{"kind":"question","prompt":"Which part first?"}', 1003),
 (1, 5, 1, 1, 'event', 'answer', 30, '{"ref":4,"text":"The parser.","by":"bench"}', 61003);` : ''}
INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type, level, data, ts_ms) VALUES
 (1, 2, 1, 1, 'enter', 'step', 30, '{"name":"work","goal":"Work a long time."}', ${t0 - 999}),
 (1, 3, 2, 2, 'enter', 'ai', 20, '{"role":"worker","model":"mock-model"}', ${t0 - 998});
WITH RECURSIVE t(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM t WHERE i < ${turns - 1})
INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type, level, data, ts_ms)
SELECT 1, s, p, d, ph, ty, lv, da, ts FROM (
 SELECT i, 0 AS k, 10 + i * 6 AS s, 3 AS p, 3 AS d, 'enter' AS ph, 'turn' AS ty, 10 AS lv,
  '{"number":' || (i + 1) || ',"model":"mock-model"}' AS da, ${t0} + i * 50 AS ts FROM t
 UNION ALL SELECT i, 1, 11 + i * 6, 10 + i * 6, 4, 'event', 'prompt', 10,
  '{"text":"(1 tool result) file ' || i || '","tools":["bash"]}', ${t0 + 1} + i * 50 FROM t
 UNION ALL SELECT i, 2, 12 + i * 6, 10 + i * 6, 4, 'event', 'reply', 10,
  '{"text":"Looking at part ' || i || ' of the code.","tool_calls":[{"name":"bash","input":{"command":"grep -n part' || i || ' src/*.c"}}],"usage":{"in":' || (3000 + i) || ',"out":40,"cached":2900,"cost_micros":1200},"model":"mock-model","stop":"tool_use"}', ${t0 + 20} + i * 50 FROM t
 UNION ALL SELECT i, 3, 13 + i * 6, 10 + i * 6, 4, 'event', 'tool', 20,
  '{"name":"bash","input":{"command":"grep -n part' || i || ' src/*.c"}}', ${t0 + 21} + i * 50 FROM t
 UNION ALL SELECT i, 4, 14 + i * 6, 10 + i * 6, 4, 'event', 'tool-result', 20,
  CASE WHEN ${errorsEvery} > 0 AND i % ${errorsEvery || 1} = ${errorsEvery ? errorsEvery - 1 : -1}
   THEN '{"name":"bash","text":"grep: part' || i || ': broken pipe\\n[exit 2]","is_error":true}'
   WHEN i = ${needle} THEN '{"name":"bash","text":"src/a.c:' || i || ': needle-' || i || ' found\\n[exit 0]","is_error":false}'
   ELSE '{"name":"bash","text":"src/a.c:' || i || ': part' || i || ' found\\n[exit 0]","is_error":false}' END,
  ${t0 + 30} + i * 50 FROM t
 UNION ALL SELECT i, 5, 10 + i * 6, 3, 4, 'exit', 'end', 10, '{"ms":45}', ${t0 + 45} + i * 50 FROM t
  WHERE NOT ${open ? 1 : 0} OR i < ${turns - 1}
) ORDER BY i, k;
${open ? (gateFirst ? '' : ask(10 + turns * 6, end))
		: `INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type, level, data, ts_ms) VALUES
 (1, 3, 2, 2, 'exit', 'end', 20, '{"ms":${end - t0 + 100}}', ${end + 100}),
 (1, 2, 1, 1, 'exit', 'end', 30, '{"ms":${end - t0 + 1101}}', ${end + 101}),
 (1, 1, 0, 0, 'exit', 'end', 30, '{"ms":${end - 1000 + 102}}', ${end + 102});`}
COMMIT;
SELECT COUNT(*) FROM trace WHERE run_id = 1;`;
	return Number(execFileSync('sqlite3', [db], { input: sql, encoding: 'utf8' }).trim());
}

// Appends k bash calls under the last turn of an open run, as the run
// would write them.  Returns the run's row count.
export function appendRows(db, k, tag) {
	const sql = `
BEGIN;
WITH RECURSIVE t(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM t WHERE i < ${k - 1}),
 last(s, ts) AS (SELECT span_id, ts_ms FROM trace WHERE run_id = 1 AND type = 'turn' ORDER BY seq DESC LIMIT 1)
INSERT INTO trace (run_id, span_id, parent_id, depth, phase, type, level, data, ts_ms)
SELECT 1, 1000000000 + i, last.s, 4, 'event', 'tool', 20,
 '{"name":"bash","input":{"command":"echo ${tag}-' || i || '"}}', last.ts + 10 + i FROM t, last;
COMMIT;
SELECT COUNT(*) FROM trace WHERE run_id = 1;`;
	return Number(execFileSync('sqlite3', [db], { input: sql, encoding: 'utf8' }).trim());
}
