#!/usr/bin/env node
// A stdio MCP server that misbehaves on request, for claw's tests: the
// faults a real server can have, one tool each, plus start-up faults chosen
// by flags.  No dependencies: it speaks newline-delimited JSON-RPC itself.
//
//   node fault.mjs [--tools N] [--page P] [--version V] [--desc BYTES]
//                  [--schema BYTES] [--bad-name] [--escape] [--noise BYTES]
//                  [--leak] [--exit-at-start] [--log FILE]
//
// --leak writes $FAULT_TOKEN to stderr at start; --noise writes that many
// bytes of numbered stderr lines first; --escape adds a tool whose
// description holds a terminal escape.
//
// Tools: ok {text} echoes; crash dies mid-call (stderr says so); hang never
// answers (and writes "cancelled ID" to --log when cancelled); malformed
// answers with a line that is not JSON, then with the real answer;
// overlong writes one line over 4 MiB; big answers with N bytes of text;
// image answers with an image and a resource link; fails answers isError;
// rpcerror answers with a JSON-RPC error; env answers with the value of a
// variable; ask sends claw a request (ping, then roots/list) first and
// reports what came back; flood sends 5000 notifications before its answer.
import { appendFileSync } from "node:fs";
import { createInterface } from "node:readline";

const argv = process.argv.slice(2);
const flag = (name, dflt) => {
	const i = argv.indexOf(name);
	return i < 0 ? dflt : argv[i + 1];
};
const has = (name) => argv.includes(name);
const version = flag("--version", null);
const extra = Number(flag("--tools", "0"));
const page = Number(flag("--page", "50"));
const descBytes = Number(flag("--desc", "0"));
const schemaBytes = Number(flag("--schema", "0"));
const log = flag("--log", null);

const note = (s) => log && appendFileSync(log, s + "\n");
const send = (m) => process.stdout.write(JSON.stringify({ jsonrpc: "2.0", ...m }) + "\n");
const obj = (props, required = []) => ({ type: "object", properties: props, required });

const noise = Number(flag("--noise", "0"));
for (let i = 0; noise > 0 && i * 20 < noise; i++) process.stderr.write(`noise line ${String(i).padStart(8, "0")}\n`);
if (has("--leak")) process.stderr.write(`fault: my token is ${process.env.FAULT_TOKEN}\n`);
if (has("--exit-at-start")) {
	process.stderr.write("fault: cannot open my database\n");
	process.exit(2);
}

const tools = [
	{ name: "ok", description: "Echoes text.\nSecond line.", inputSchema: obj({ text: { type: "string" } }, ["text"]), annotations: { readOnlyHint: true } },
	{ name: "crash", description: "Dies mid-call.", inputSchema: obj({}) },
	{ name: "hang", description: "Never answers.", inputSchema: obj({}) },
	{ name: "malformed", description: "A broken line, then the answer.", inputSchema: obj({}) },
	{ name: "overlong", description: "A line over 4 MiB.", inputSchema: obj({}) },
	{ name: "big", description: "Big text.", inputSchema: obj({ bytes: { type: "integer" } }, ["bytes"]) },
	{ name: "image", description: "An image and a link.", inputSchema: obj({}) },
	{ name: "fails", description: "An error result.", inputSchema: obj({}) },
	{ name: "rpcerror", description: "A JSON-RPC error.", inputSchema: obj({}) },
	{ name: "env", description: "An environment variable.", inputSchema: obj({ name: { type: "string" } }, ["name"]) },
	{ name: "ask", description: "Asks claw first.", inputSchema: obj({}) },
	{ name: "flood", description: "Many notifications, then the answer.", inputSchema: obj({}) },
	{ name: "anyof", description: "A schema beyond claw's subset.", inputSchema: { type: "object", properties: { v: { anyOf: [{ type: "string" }, { type: "number" }] }, n: { type: "number", minimum: 1 } }, required: ["v", "n"] } },
];
for (let i = 0; i < extra; i++)
	tools.push({ name: `extra_${i}`, description: `Extra tool ${i}.`, inputSchema: obj({}) });
if (descBytes > 0) tools.push({ name: "wordy", description: "w".repeat(descBytes), inputSchema: obj({}) });
if (schemaBytes > 0)
	tools.push({ name: "fat", description: "A big schema.", inputSchema: obj({ x: { type: "string", description: "s".repeat(schemaBytes) } }) });
if (has("--escape")) tools.push({ name: "escape", description: "\u001b[31mred\u001b[0m text", inputSchema: obj({}) });
if (has("--bad-name")) tools.push({ name: "has.dot", description: "A name claw cannot use.", inputSchema: obj({}) });

let asked = null; // the id of the tool call waiting for claw's answers
const waiting = new Map(); // our request id -> what to do with the answer
let nextId = 1000;

function call(id, name, args) {
	switch (name) {
	case "ok":
		return send({ id, result: { content: [{ type: "text", text: `ok: ${args.text}` }] } });
	case "crash":
		process.stderr.write("fault: crashing now\n");
		process.exit(3);
	case "hang":
		return;
	case "malformed":
		process.stdout.write("{this is not json\n");
		return send({ id, result: { content: [{ type: "text", text: "after the bad line" }] } });
	case "overlong":
		return process.stdout.write('{"jsonrpc":"2.0","id":' + id + ',"result":{"content":[{"type":"text","text":"' + "x".repeat(5 << 20) + '"}]}}\n');
	case "big":
		return send({ id, result: { content: [{ type: "text", text: "b".repeat(args.bytes) }] } });
	case "image":
		return send({ id, result: { content: [
			{ type: "text", text: "Here:" },
			{ type: "image", mimeType: "image/png", data: "A".repeat(16384) },
			{ type: "resource_link", uri: "file:///x.txt", name: "x" },
			{ type: "resource", resource: { uri: "mem://note", mimeType: "text/plain", text: "embedded" } },
		] } });
	case "fails":
		return send({ id, result: { content: [{ type: "text", text: "it went wrong" }], isError: true } });
	case "rpcerror":
		return send({ id, error: { code: -32602, message: "bad params, says the server" } });
	case "env":
		return send({ id, result: { content: [{ type: "text", text: String(process.env[args.name] ?? "(unset)") }] } });
	case "ask": {
		asked = { id, got: [] };
		const ping = nextId++, roots = nextId++;
		waiting.set(ping, "ping");
		waiting.set(roots, "roots");
		send({ id: ping, method: "ping" });
		send({ id: roots, method: "roots/list" });
		return;
	}
	case "flood":
		for (let i = 0; i < 5000; i++) send({ method: "notifications/message", params: { level: "info", data: i } });
		return send({ id, result: { content: [{ type: "text", text: "flooded" }] } });
	case "anyof":
		return send({ id, result: { content: [{ type: "text", text: `v=${JSON.stringify(args.v)} n=${args.n}` }] } });
	default:
		return send({ id, error: { code: -32602, message: `no tool ${name}` } });
	}
}

createInterface({ input: process.stdin }).on("line", (line) => {
	let m;
	try {
		m = JSON.parse(line);
	} catch {
		return;
	}
	if (m.id !== undefined && m.method === undefined && waiting.has(m.id)) {
		asked.got.push(`${waiting.get(m.id)}: ${m.error ? "error " + m.error.code : JSON.stringify(m.result)}`);
		waiting.delete(m.id);
		if (waiting.size === 0)
			send({ id: asked.id, result: { content: [{ type: "text", text: asked.got.join("; ") }] } });
		return;
	}
	switch (m.method) {
	case "initialize":
		note(`initialize ${m.params.protocolVersion}`);
		return send({ id: m.id, result: {
			protocolVersion: version ?? m.params.protocolVersion,
			capabilities: { tools: { listChanged: true } },
			serverInfo: { name: "fault", version: "1" },
		} });
	case "notifications/initialized":
		return note("initialized");
	case "tools/list": {
		const start = Number(m.params?.cursor ?? 0);
		const end = Math.min(start + page, tools.length);
		note(`tools/list ${start}`);
		return send({ id: m.id, result: { tools: tools.slice(start, end), ...(end < tools.length ? { nextCursor: String(end) } : {}) } });
	}
	case "tools/call":
		return call(m.id, m.params.name, m.params.arguments ?? {});
	case "notifications/cancelled":
		return note(`cancelled ${m.params.requestId}`);
	case "ping":
		return send({ id: m.id, result: {} });
	default:
		if (m.id !== undefined) send({ id: m.id, error: { code: -32601, message: "no such method" } });
	}
});
