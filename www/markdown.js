// markdown — a small, safe Markdown renderer that builds DOM nodes.
//
// It never produces HTML text: every piece of the source ends up in a text
// node or an attribute set through the DOM, so raw HTML in a description is
// shown as the characters it is.  Supported: ATX headings, paragraphs, hard
// line breaks inside paragraphs kept as spaces, fenced code (``` or ~~~),
// nested bullet and numbered lists (with [ ] / [x] task markers), block
// quotes, rules, pipe tables shown verbatim, and inline code, **strong**,
// *emphasis*, ~~strike~~, [links](url), <url> and bare http(s) URLs.
// Links are kept only for http, https and mailto, and open in a new tab with
// rel="noopener noreferrer".  Headings are shifted down two levels (# → h3)
// so a description never outranks the page's own headings.

import { h } from './dom.js';

const FENCE = /^\s{0,3}(```+|~~~+)\s*([\w+-]*)\s*$/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;
const TABLE = /^\s*\|.*\|\s*$/;

export function renderMarkdown(src) {
	const root = h('div', { class: 'md' });
	blocks(String(src ?? '').replace(/\r\n?/g, '\n').split('\n'), root);
	return root;
}

function blocks(lines, parent) {
	let i = 0;
	while (i < lines.length) {
		const line = lines[i];
		let m;
		if (!line.trim()) {
			i++;
		} else if ((m = FENCE.exec(line))) {
			const close = m[1];
			const body = [];
			for (i++; i < lines.length && !lines[i].trim().startsWith(close); i++) body.push(lines[i]);
			i++;
			const code = h('code', null, body.join('\n'));
			if (m[2]) code.dataset.lang = m[2];
			parent.append(h('pre', null, code));
		} else if ((m = HEADING.exec(line))) {
			parent.append(h(`h${Math.min(6, m[1].length + 2)}`, null, inline(m[2])));
			i++;
		} else if (RULE.test(line)) {
			parent.append(h('hr'));
			i++;
		} else if (QUOTE.test(line)) {
			const inner = [];
			for (; i < lines.length && (m = QUOTE.exec(lines[i])); i++) inner.push(m[1]);
			const q = h('blockquote');
			blocks(inner, q);
			parent.append(q);
		} else if (ITEM.test(line)) {
			i = list(lines, i, parent);
		} else if (TABLE.test(line)) {
			const body = [];
			for (; i < lines.length && TABLE.test(lines[i]); i++) body.push(lines[i].trim());
			parent.append(h('pre', { class: 'md-table' }, body.join('\n')));
		} else {
			const para = [];
			for (; i < lines.length && lines[i].trim() && !startsBlock(lines[i]); i++) para.push(lines[i].trim());
			parent.append(h('p', null, inline(para.join(' '))));
		}
	}
}

function startsBlock(line) {
	return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) ||
		ITEM.test(line) || TABLE.test(line);
}

// A run of list items (and their indented continuation lines), nested by
// indentation.  Returns the index of the first line after the list.
function list(lines, i, parent) {
	const items = [];
	for (; i < lines.length; i++) {
		const line = lines[i];
		const m = ITEM.exec(line);
		if (m) {
			items.push({ indent: m[1].replace(/\t/g, '    ').length, ordered: /\d/.test(m[2]),
				start: parseInt(m[2], 10), text: m[3] });
		} else if (line.trim() && /^\s/.test(line) && items.length && !FENCE.test(line)) {
			items[items.length - 1].text += ` ${line.trim()}`;
		} else if (!line.trim() && i + 1 < lines.length && ITEM.test(lines[i + 1])) {
			continue; // a blank line between items keeps the list going
		} else {
			break;
		}
	}
	const stack = [];
	for (const it of items) {
		while (stack.length && it.indent < stack[stack.length - 1].indent) stack.pop();
		let top = stack[stack.length - 1];
		if (!top || it.indent > top.indent) {
			const el = h(it.ordered ? 'ol' : 'ul');
			if (it.ordered && it.start > 1) el.start = it.start;
			const host = top ? top.el.lastElementChild || top.el : parent;
			host.append(el);
			top = { indent: it.indent, el };
			stack.push(top);
		}
		const li = h('li');
		const task = /^\[([ xX])\]\s+(.*)$/.exec(it.text);
		if (task) {
			li.className = 'task';
			li.append(h('span', { class: 'check', 'aria-hidden': 'true' }, task[1] === ' ' ? '☐ ' : '☑ '));
			li.append(...inline(task[2]));
		} else {
			li.append(...inline(it.text));
		}
		top.el.append(li);
	}
	return i;
}

// Inline spans, earliest match first; the text between matches stays text.
const INLINE = [
	{ re: /\\([!-/:-@[-`{-~])/, make: (m) => m[1] },
	{ re: /(`+)([\s\S]+?)\1/, make: (m) => h('code', null, m[2].trim()) },
	{ re: /\[([^\]]+)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/, make: (m) => link(m[2], inline(m[1])) },
	{ re: /<((?:https?:\/\/|mailto:)[^>\s]+)>/, make: (m) => link(m[1], m[1]) },
	{ re: /\*\*(?=\S)([\s\S]+?)\*\*|__(?=\S)([\s\S]+?)__(?!\w)/, make: (m) => h('strong', null, inline(m[1] ?? m[2])) },
	{ re: /~~(?=\S)([\s\S]+?)~~/, make: (m) => h('del', null, inline(m[1])) },
	{ re: /(?<![\w*])\*(?=\S)([^*]+?)\*(?![\w*])|(?<![\w_])_(?=\S)([^_]+?)_(?!\w)/, make: (m) => h('em', null, inline(m[1] ?? m[2])) },
	{ re: /\bhttps?:\/\/[^\s<>]*[^\s<>().,;:!?'"\]]/, make: (m) => link(m[0], m[0]) },
];

export function inline(text) {
	const out = [];
	let rest = String(text);
	while (rest) {
		let best = null;
		let rule = null;
		for (const r of INLINE) {
			const m = r.re.exec(rest);
			if (m && (!best || m.index < best.index)) {
				best = m;
				rule = r;
			}
		}
		if (!best) {
			out.push(rest);
			break;
		}
		if (best.index > 0) out.push(rest.slice(0, best.index));
		out.push(rule.make(best));
		rest = rest.slice(best.index + best[0].length);
	}
	return out;
}

// A link when the URL is http(s) or mailto, else the label as text.
export function link(href, label) {
	let url;
	try {
		url = new URL(href, 'https://invalid.example/');
	} catch {
		return h('span', null, label);
	}
	if (!['http:', 'https:', 'mailto:'].includes(url.protocol) || url.host === 'invalid.example')
		return h('span', null, label);
	return h('a', { href: url.href, target: '_blank', rel: 'noopener noreferrer' }, label);
}
