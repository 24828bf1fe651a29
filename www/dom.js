// dom — the one way this page builds elements.
//
// h(tag, props, ...children) creates an element.  Children that are not
// Nodes become text nodes, so data from the server is always inserted as
// text (never parsed as HTML).  Props: "class", "text" (textContent),
// "dataset", "on<event>" handlers, properties such as hidden/disabled/value,
// and anything else as an attribute.

export function h(tag, props, ...children) {
	const el = document.createElement(tag);
	if (props) {
		for (const [k, v] of Object.entries(props)) {
			if (v === undefined || v === null || v === false) continue;
			if (k === 'class') el.className = v;
			else if (k === 'text') el.textContent = String(v);
			else if (k === 'dataset') Object.assign(el.dataset, v);
			else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
			else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
			else if (k === 'hidden' || k === 'disabled' || k === 'checked' || k === 'value' ||
				 k === 'open' || k === 'required' || k === 'autofocus') el[k] = v;
			else el.setAttribute(k, v === true ? '' : String(v));
		}
	}
	add(el, children);
	return el;
}

// add(parent, children): appends nodes and text, skipping null/false.
export function add(parent, children) {
	for (const c of [children].flat(Infinity)) {
		if (c === undefined || c === null || c === false) continue;
		parent.append(c instanceof Node ? c : String(c));
	}
	return parent;
}

// replace(parent, ...children): the parent's new content.
export function replace(parent, ...children) {
	parent.replaceChildren();
	return add(parent, children);
}

// A status pill: <span class="pill s-<status>">status</span>.
export function pill(status, label) {
	return h('span', { class: `pill s-${String(status).replace(/[^a-z-]/gi, '')}` }, label ?? status);
}

// "Ctrl+Enter <what>" where there is a keyboard; nothing on a touch screen.
export function keyHint(what) {
	return window.matchMedia('(pointer: coarse)').matches ? null : `Ctrl+Enter ${what}`;
}

// " (demo prices)" after a cost when the server answers with its demo
// model (app.js marks the page), whose prices are made up; else nothing.
export function demoPrices() {
	return document.body.dataset.demo === 'true'
		? h('span', { class: 'muted demo-prices', title: 'the demo model\'s prices are made up' }, ' (demo prices)') : null;
}
