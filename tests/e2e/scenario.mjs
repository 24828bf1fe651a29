// scenario — what mockllm answers during the dashboard tests.
//
// Replies are matched on the text of the last user turn (SPEC 4: the
// engine's own phrases, as tests/run/*.sh use them) and consumed in order,
// so the two issues' runs, which the tests drive one after the other, each
// take their own.  Issue A ("Write hello.txt") goes through the whole
// pipeline: generate (understand with a failing command, assess after a
// rate limit (429, retried), draft under
// the solverReview critic, save), the approval gate, then a solver whose
// implement step asks a question the supervisor escalates to the person,
// gets rejected once by its critic, and a verify step that records
// evidence.  Issue B ("Spend tokens") spends past the token budget at once
// and parks at a budget gate; after the grant its next model call hangs so
// the test can stop it.  Issue C's solver is rejected with feedback from the
// page, generated again, and rejected.  Last, a showcase fills every column of the board:
// one run parked at a question, one working (its conversation compacted), one queued behind them
// (claw serve runs with CLAW_MAX_RUNS=1; a run parked at a gate holds no slot).

export const TITLE_A = 'Write hello.txt';
export const TITLE_B = 'Spend tokens';
export const ANSWER = 'hello from the browser';
export const TITLE_C = 'Paint the fence';                      // rejected with feedback, then edited at the gate
export const FEEDBACK = 'Use bash for everything.';
export const TITLE_Q = 'Add a --version flag';                  // showcase: parks at a question
export const TITLE_W = 'Support exponentiation with ^';        // showcase: keeps working
export const TITLE_QUEUED = 'Document the grammar in README';  // showcase: waits for a run slot
export const TITLE_R = 'Shout the greeting';                   // review: commented, reworked, merged
export const POLISHED = 'Polished, keeping the exclamation mark — café’s “style”. I read greet.sh first: the greeting is ' +
	'printed by one echo, so I changed only that line, kept the two spaces the file uses, and ran it ' +
	'to check the output ends with the mark and a newline, as before.';
export const TITLE_S = 'Polish the greeting';                  // steered from the page while it works
export const STEER = 'Keep the exclamation mark, please.';
export const THOUGHT = 'The person wants the exclamation mark kept; polish the rest.';
export const SOLVER_S = { name: 'Polish', steps: [{ name: 'polish', goal: 'Polish the greeting.', tools: ['bash'] }] };
export const REVIEW_TEXT = 'Both lines, please.';
export const COMMENT = 'Shout this one too.';
export const TITLE_M = 'Ask the fault server';                 // an MCP tool (SPEC 12) in the run view
export const SOLVER_M = { name: 'Probe', steps: [{ name: 'probe', goal: 'Probe the MCP server.', tools: ['mcp__fault__ok'] }] };
export const BUDGET_TOKENS = 60000; // CLAW_BUDGET_TOKENS of claw serve
export const CONTEXT_TOKENS = 20000; // CLAW_CONTEXT_TOKENS of claw serve (B's 70k is one reply, not a prompt to send)

export const SOLVER = {
	name: 'HelloSolver',
	summary: 'Write hello.txt with the greeting the person chooses, and prove it with cat.',
	steps: [
		{ name: 'implement', agent: 'worker',
			goal: 'Ask which greeting `hello.txt` should hold, then write it with `write_file`.\n\n- one line\n- ends with a newline',
			tools: ['write_file', 'read_file'], critic: 'works', max_rounds: 3 },
		{ name: 'verify', agent: 'worker',
			goal: 'Run `cat hello.txt` and record its output as evidence with `artifact`.',
			tools: ['bash', 'artifact'], critic: 'proven', back_to: 'implement' },
	],
	critics: {
		works: 'hello.txt exists and holds exactly the chosen greeting and a newline.',
		proven: 'Evidence shows `cat hello.txt` printed the greeting.',
	},
};

const slow = 350; // ms per solver reply: long enough to reload and restart nginx mid-run

const SOLVER_C = { name: 'PaintSolver', steps: [{ name: 'paint', goal: 'Paint the fence green.', tools: [] }] };

export function scenario() {
	const spec = JSON.stringify(SOLVER);
	const specC = JSON.stringify(SOLVER_C);
	const specC2 = JSON.stringify({ ...SOLVER_C, steps: [{ name: 'paint', goal: 'Paint the fence green with a brush, by hand.',
		tools: ['bash'] }] });
	const A = (user, reply) => ({ match: { user }, ...reply });
	return {
		replies: [
			{ match: { user: 'Write the baton' }, text: 'Baton: see my report.', times: 0 },

			// ---- issue A: generate
			A('Carry out step understand', { tool_calls: [{ name: 'bash', input: { command: 'ls hello.txt' } }],
				usage: { in: 3200, out: 60, cached: 0 } }),
			A('[exit ', { text: 'Empty project: hello.txt does not exist yet. The fix is to write it.',
				usage: { in: 3500, out: 40, cached: 3000, cache_write: 400 } }),
			A('Carry out step assess', { fault: { status: 429, retry_after: '1' } }),
			A('Carry out step assess', { text: 'simple', usage: { in: 2100, out: 5, cached: 1800 } }),
			A('Carry out step draft', { tool_calls: [{ name: 'artifact', input: { label: 'solver', text: spec } }],
				usage: { in: 6400, out: 520, cached: 2000, cache_write: 4300 } }),
			A('Recorded artifact', { text: 'Drafted the solver: implement, then verify.' }),
			A('Judge the work of step "draft"', { tool_calls: [{ name: 'verdict', input: { decision: 'accept',
				rubric_item: 'all', fact: 'the solver is concrete', reason: 'it will solve the issue' } }] }),
			A('needs a value from you: name', { text: 'HelloSolver' }),
			A('needs a value from you: spec', { text: spec }),

			// ---- issue A: the solver (after the approval in the page)
			A('Carry out step implement', { text: 'I can write it.\n[question] Which greeting should hello.txt hold?',
				delay_ms: slow }),
			A('the agent asks a question', { text: 'ESCALATE.' }),
			A(`Answer to your question: ${ANSWER}`, { tool_calls: [{ name: 'write_file',
				input: { path: 'hello.txt', content: `helo from the browser\n` } }], delay_ms: slow }),
			A('Wrote 22 bytes', { text: 'Done.', delay_ms: slow }),
			A('Judge the work of step "implement"', { tool_calls: [{ name: 'verdict', input: { decision: 'reject',
				rubric_item: 'exactly the chosen greeting', fact: 'hello.txt holds "helo from the browser"',
				reason: 'typo: helo' } }], delay_ms: slow }),
			A('the critic rejected the step', { text: 'Fix the typo: the file must say hello.', delay_ms: slow }),
			A('The reviewer rejected your work', { tool_calls: [{ name: 'write_file',
				input: { path: 'hello.txt', content: `${ANSWER}\n` } }], delay_ms: slow }),
			A('Wrote 23 bytes', { text: 'Fixed the typo.', delay_ms: slow }),
			A('Judge the work of step "implement"', { tool_calls: [{ name: 'verdict', input: { decision: 'accept',
				rubric_item: 'exactly the chosen greeting', fact: 'hello.txt holds the greeting', reason: 'fixed' } }],
			delay_ms: slow }),
			A('Carry out step verify', { tool_calls: [{ name: 'artifact', input: { label: 'cat', command: 'cat hello.txt',
				note: 'the file as written' } }], delay_ms: slow }),
			A('Recorded artifact', { text: 'Verified: cat printed the greeting.', delay_ms: slow }),
			A('Judge the work of step "verify"', { tool_calls: [{ name: 'verdict', input: { decision: 'accept',
				rubric_item: 'evidence', fact: 'cat printed the greeting', reason: 'proven' } }], delay_ms: slow }),

			// ---- issue C: generated twice, rejected with feedback, then edited at the gate
			...[['Carry out step understand', { text: 'Understood.' }],
				['Carry out step assess', { text: 'simple' }],
				['Carry out step draft', { tool_calls: [{ name: 'artifact', input: { label: 'solver', text: specC } }] }],
				['Recorded artifact', { text: 'Drafted.' }],
				['Judge the work of step "draft"', { tool_calls: [{ name: 'verdict', input: { decision: 'accept',
					rubric_item: 'all', fact: 'fine', reason: 'ok' } }] }],
				['needs a value from you: name', { text: 'PaintSolver' }],
			].map(([user, reply]) => ({ match: { user, any: TITLE_C }, times: 2, ...reply })),
			// v2, written after the feedback, differs from v1 (the page shows how).
			...[specC, specC2].map((text) => ({ match: { user: 'needs a value from you: spec', any: TITLE_C }, text })),

			// ---- the review (review.test.mjs): a change, a rework after the review
			A('Carry out step shout', { tool_calls: [{ name: 'bash',
				input: { command: "printf 'HELLO\\nworld\\n' > greet.txt && echo did-shout" } }] }),
			A('did-shout', { text: 'Upper-cased the first line of greet.txt.' }),
			A('requested changes', { tool_calls: [{ name: 'bash',
				input: { command: "printf 'HELLO\\nWORLD\\n' > greet.txt && echo did-both" } }] }),
			A('did-both', { text: 'Upper-cased both lines.' }),

			// ---- steering: the step's first reply is slow; the person's
			// message reaches the request after its tool ran.
			{ match: { user: 'Carry out step polish' }, delay_ms: 2500, tool_calls: [{ name: 'bash',
				input: { command: 'echo polished' } }] },
			// Its answer streams slowly: the page shows it being written.
			{ match: { user: STEER }, thinking: THOUGHT, text: POLISHED, stream: { chunk: 12, pause_ms: 60 } },

			// ---- an MCP tool: the scripted fault server's ok
			{ match: { user: 'Carry out step probe' }, tool_calls: [{ name: 'mcp__fault__ok', input: { text: 'from the page' } }] },
			{ match: { user: 'ok: from the page' }, text: 'The server answered.' },

			// ---- the showcase: one run parks at a question, one works (hangs)
			{ match: { user: 'Carry out step understand', any: TITLE_Q }, text: 'The flag belongs in calc.sh.\n' +
				'[question] Should --version print to stdout or stderr?', usage: { in: 5200, out: 90, cached: 4000 } },
			{ match: { user: 'the agent asks a question', any: TITLE_Q }, text: 'ESCALATE.' },
			// W's third reply reports a prompt past 80% of CONTEXT_TOKENS: its
			// exchange is compacted before the fourth request, which hangs.
			{ match: { user: 'Carry out step understand', any: TITLE_W }, tool_calls: [{ name: 'bash',
				input: { command: 'grep -n "case" calc.sh' } }], usage: { in: 2100, out: 70, cached: 0 } },
			{ match: { user: '[exit ', any: TITLE_W }, tool_calls: [{ name: 'bash',
				input: { command: 'echo read-the-tests' } }], usage: { in: 5000, out: 60, cached: 2000 } },
			{ match: { user: 'read-the-tests', any: TITLE_W }, tool_calls: [{ name: 'bash',
				input: { command: 'echo read-the-parser' } }], usage: { in: 17000, out: 60, cached: 4900 } },
			{ match: { user: 'Summarise this conversation', any: TITLE_W }, text: '## Goal\nSupport ^ in calc.sh.\n' +
				'## What was done\nRead the parser and its tests.', usage: { in: 3000, out: 300 } },
			{ match: { any: 'Support ^ in calc.sh' }, hang: true, hang_ms: 60000 },

			// ---- issue B: over budget at once, then a call that hangs until stopped
			A('Carry out step understand', { text: 'Read everything there is to read.',
				usage: { in: BUDGET_TOKENS + 10000, out: 100, cached: 0 } }),
			A('Carry out step assess', { hang: true, hang_ms: 60000 }),
		],
	};
}
