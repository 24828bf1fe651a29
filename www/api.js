// api — the REST routes of SPEC.md section 7, as promises.
//
// Every call resolves to the parsed JSON answer or rejects with an ApiError
// carrying the HTTP status and the server's {"error"} message.

export class ApiError extends Error {
	constructor(status, message) {
		super(message);
		this.status = status;
	}
}

async function request(method, path, body, asText = false) {
	const init = { method, headers: { Accept: 'application/json' } };
	if (body !== undefined) {
		init.headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(body);
	}
	let res;
	try {
		res = await fetch(path, init);
	} catch (e) {
		throw new ApiError(0, `cannot reach the server (${e.message})`);
	}
	const text = await res.text();
	if (asText && res.ok) return text;
	let data = null;
	try {
		data = text ? JSON.parse(text) : null;
	} catch {
		data = null;
	}
	if (!res.ok) {
		const msg = data && typeof data.error === 'string' ? data.error : `${res.status} ${res.statusText}`;
		throw new ApiError(res.status, msg);
	}
	return data;
}

const seg = encodeURIComponent;
const P = (key) => `/api/projects/${seg(key)}`;
const I = (key, id) => `${P(key)}/issues/${seg(id)}`;
const R = (key, run) => `${P(key)}/runs/${seg(run)}`;

export const api = {
	health: () => request('GET', '/api/health'),
	projects: () => request('GET', '/api/projects'),
	registerProject: (path, description) =>
		request('POST', '/api/projects', description ? { path, description } : { path }),
	issues: (key) => request('GET', `${P(key)}/issues`),
	issue: (key, id) => request('GET', I(key, id)),
	createIssue: (key, title, description) =>
		request('POST', `${P(key)}/issues`, description ? { title, description } : { title }),
	start: (key, id) => request('POST', `${I(key, id)}/start`, {}),
	stop: (key, id) => request('POST', `${I(key, id)}/stop`, {}),
	close: (key, id) => request('POST', `${I(key, id)}/close`, {}),
	answer: (key, id, body) => request('POST', `${I(key, id)}/answer`, body),
	message: (key, id, text) => request('POST', `${I(key, id)}/message`, { text }),
	trace: (key, run, since = 0, limit = 1000) =>
		request('GET', `${R(key, run)}/trace?since=${since}&limit=${limit}`),
	spans: (key, run, after, upto, limit) =>
		request('GET', `${R(key, run)}/spans?after=${after}&upto=${upto}&limit=${limit}`),
	events: (key, run, span, since, upto, limit) =>
		request('GET', `${R(key, run)}/trace?span=${span}&since=${since}&upto=${upto}&limit=${limit}`),
	search: (key, run, text, limit = 100) =>
		request('GET', `${R(key, run)}/trace?q=${seg(text)}&limit=${limit}`),
	artifacts: (key, run) => request('GET', `${R(key, run)}/artifacts`),
	artifact: (key, run, n) => request('GET', `${R(key, run)}/artifacts/${seg(n)}`),
	changes: (key, run, step) => request('GET', `${R(key, run)}/changes${step ? `?step=${seg(step)}` : ''}`),
	changesDiff: (key, run, path, step) => request('GET',
		`${R(key, run)}/changes/diff?path=${seg(path)}${step ? `&step=${seg(step)}` : ''}`, undefined, true),
};

export const streams = {
	board: (key) => `${P(key)}/issues/stream`,
	run: (key, run, since) => `${R(key, run)}/stream${since ? `?since=${since}` : ''}`,
};
