// format — numbers, money and times as the dashboard shows them.

// 1234 → "1.2k", 18200000 → "18.2M".
export function tokens(n) {
	n = Number(n) || 0;
	if (n < 1000) return String(n);
	if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)}k`;
	return `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)}M`;
}

// USD as a number → "$0.042"; tiny non-zero costs keep two significant digits.
export function usd(x) {
	x = Number(x) || 0;
	if (x === 0) return '$0';
	if (x >= 100) return `$${x.toFixed(0)}`;
	if (x >= 1) return `$${x.toFixed(2)}`;
	if (x >= 0.01) return `$${x.toFixed(3)}`;
	return `$${x.toPrecision(2)}`;
}

export const usdMicros = (m) => usd((Number(m) || 0) / 1e6);

// Milliseconds → "840ms", "12.3s", "4m 05s", "2h 03m".
export function duration(ms) {
	ms = Math.max(0, Number(ms) || 0);
	if (ms < 1000) return `${Math.round(ms)}ms`;
	const s = ms / 1000;
	if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)}s`;
	const m = Math.floor(s / 60);
	if (m < 60) return `${m}m ${String(Math.floor(s % 60)).padStart(2, '0')}s`;
	return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

// Epoch ms → "just now", "5 min ago", "3 h ago", else a date.
export function ago(ms, now = Date.now()) {
	if (!ms) return '';
	const s = Math.round((now - ms) / 1000);
	if (s < 45) return 'just now';
	if (s < 3600) return `${Math.round(s / 60)} min ago`;
	if (s < 86400) return `${Math.round(s / 3600)} h ago`;
	return new Date(ms).toLocaleDateString();
}

export const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false });

// One line of at most n characters.
// An MCP tool's name, mcp__SERVER__TOOL (SPEC 12), as {server, tool}; null
// for any other name.  Server names hold no "__", so the first one after
// the prefix ends the server.
export function mcpTool(name) {
	const m = /^mcp__(.+?)__(.+)$/.exec(String(name ?? ''));
	return m ? { server: m[1], tool: m[2] } : null;
}

// A tool's name as the page shows it: an MCP tool's own name after its
// server's ("files · read_text_file"), any other as it is.
export function toolName(name) {
	const m = mcpTool(name);
	return m ? `${m.server} · ${m.tool}` : String(name ?? '');
}

export function clip(text, n = 120) {
	const s = String(text ?? '').replace(/\s+/g, ' ').trim();
	return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export const STATUS_LABEL = {
	open: 'open', queued: 'queued', inprogress: 'in progress', waiting: 'waiting',
	review: 'in review', done: 'done', closed: 'closed',
};
