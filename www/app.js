// app — the dashboard's entry: header, project picker, routing, toasts.
//
// Routes live in the URL hash so a view can be bookmarked and reloaded:
//   #/                          first project's board
//   #/KEY                       board of project KEY
//   #/KEY/issue/ID              issue ID, following its latest run
//   #/KEY/issue/ID/run/RUN      issue ID showing run RUN
// One ProjectStore (one board stream) per tab, kept while the project stays
// the same; the issue view adds at most one run stream.

import { api } from './api.js';
import { h, replace } from './dom.js';
import { openForm, field } from './dialog.js';
import { ProjectStore } from './project.js';
import { BoardView } from './board.js';
import { IssueView } from './issue.js';
import { Notifier } from './notify.js';

const KEY_RE = /^[A-Za-z0-9-]{1,200}$/;

const ui = {
	main: document.getElementById('main'),
	picker: document.getElementById('project-picker'),
	addProject: document.getElementById('add-project'),
	conn: document.getElementById('board-conn'),
	health: document.getElementById('health'),
	banner: document.getElementById('banner'),
	offline: document.getElementById('offline'),
	toasts: document.getElementById('toasts'),
	notify: document.getElementById('notify'),
	theme: document.getElementById('theme'),
	skip: document.getElementById('skip'),
};

const state = {
	projects: [],
	store: null,   // ProjectStore of the selected project
	view: null,    // BoardView | IssueView
	route: '',
	title: '',          // the view's title, without the waiting count
	unreachable: false, // the project list could not be fetched: retrying
	retry: 0,           // timer of the next try
	lookAgain: 0,       // timer of an unknown project's next look at the list
	backoff: 1000,
};

let notifier = null; // made once toast() exists, below

function parseRoute() {
	const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
	const key = parts[0] && KEY_RE.test(parts[0]) ? parts[0] : '';
	const route = { key, issue: 0, run: 0 };
	if (parts[1] === 'issue' && /^\d+$/.test(parts[2] || '')) route.issue = Number(parts[2]);
	if (parts[3] === 'run' && /^\d+$/.test(parts[4] || '')) route.run = Number(parts[4]);
	return route;
}

export function navigate(hash, replaceState) {
	if (location.hash === hash) return;
	if (replaceState) {
		history.replaceState(null, '', hash);
		render();
	} else location.hash = hash;
}

export function toast(message, isError) {
	const t = h('div', { class: `toast${isError ? ' err' : ''}`, role: isError ? 'alert' : 'status' }, message);
	ui.toasts.append(t);
	setTimeout(() => t.remove(), isError ? 8000 : 3500);
}

// Fetches the project list.  When the server cannot be reached (or nginx
// answers for it: 502–504) the page says so (a banner over the page shown,
// which stays as it is: nothing typed in it is lost) and tries again, 1 s
// doubling to 15 s; a page that had nothing to show yet is shown then.
async function loadProjects() {
	clearTimeout(state.retry);
	try {
		const list = await api.projects();
		state.projects = Array.isArray(list) ? list : [];
		state.backoff = 1000;
		if (state.unreachable) {
			state.unreachable = false;
			ui.offline.hidden = true;
			if (!state.view) render();
		}
	} catch (e) {
		if (e.status === 0 || e.status >= 502) {
			state.unreachable = true;
			ui.offline.hidden = false;
			state.retry = setTimeout(loadProjects, state.backoff);
			state.backoff = Math.min(state.backoff * 2, 15000);
		} else {
			toast(`projects: ${e.message}`, true);
		}
	}
	renderPicker();
}

function renderPicker() {
	const key = state.store ? state.store.key : parseRoute().key;
	replace(ui.picker,
		state.projects.length ? null : h('option', { value: '' }, 'no projects'),
		state.projects.map((p) => h('option', { value: p.key }, p.name || p.key)));
	ui.picker.value = key;
	ui.picker.disabled = !state.projects.length;
}

async function registerProject() {
	const path = h('input', { name: 'path', required: true, autocomplete: 'off', spellcheck: 'false',
		placeholder: '/home/me/src/myproject' });
	const desc = h('input', { name: 'description', autocomplete: 'off', placeholder: 'optional' });
	const made = await openForm({
		title: 'Register a project', submit: 'Register',
		fields: [field('Folder (absolute path on the server)', path,
			'An existing folder; claw keeps its state outside it.'), field('Description', desc)],
		onSubmit: () => api.registerProject(path.value.trim(), desc.value.trim()),
	});
	if (made && made.key) {
		await loadProjects();
		navigate(`#/${encodeURIComponent(made.key)}`);
		toast(`Registered ${made.name || made.key}`);
	}
}

function setConn(s) {
	// The server gone? The banner says so; back: at once.
	if ((s === 'reconnecting' && ui.conn.dataset.state !== s) || (s === 'live' && state.unreachable)) loadProjects();
	ui.conn.dataset.state = s;
	ui.conn.textContent = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…',
		closed: 'offline', ended: 'offline' }[s] || s;
	ui.conn.title = `board stream: ${s}`;
}

function render() {
	const route = parseRoute();
	if (state.unreachable && !state.view) { // nothing to show yet: the banner says why
		ui.main.replaceChildren(h('div', { class: 'empty-state' }, h('h1', null, 'Waiting for the server…')));
		return undefined;
	}
	if (!route.key) {
		if (state.projects.length) return navigate(`#/${encodeURIComponent(state.projects[0].key)}`, true);
		return showWelcome();
	}
	const project = state.projects.find((p) => p.key === route.key);
	if (!project) {
		// Perhaps registered a moment ago (from the command line): look again.
		clearTimeout(state.lookAgain);
		state.lookAgain = setTimeout(() => document.hidden || refreshProjects(), 3000);
		closeView();
		ui.main.replaceChildren(h('div', { class: 'empty-state' },
			h('h1', null, 'Unknown project'),
			h('p', null, `No project with the key “${route.key}” is registered here.`),
			h('p', null, h('a', { href: '#/' }, 'Back to the first project'))));
		return undefined;
	}
	if (!state.store || state.store.key !== route.key) {
		closeView();
		if (state.store) state.store.close();
		state.store = new ProjectStore(route.key).start();
		state.store.onConn(setConn);
		notifier.reset();
		// Board changes (runs starting, ending) move the header's run counts.
		// Twice: a run's thread ends a moment after its last board event.
		let t = 0, t2 = 0;
		state.store.on(() => {
			clearTimeout(t);
			clearTimeout(t2);
			t = setTimeout(pollHealth, 400);
			t2 = setTimeout(pollHealth, 2500);
			setTitle();
			notifier.observe(state.store, project.name);
		});
		ui.conn.hidden = false;
	}
	ui.picker.value = route.key;
	const sig = `${route.key}/${route.issue}/${route.run}`;
	if (sig === state.route && state.view) return undefined;
	state.route = sig;
	closeView(true);
	if (route.issue) {
		state.view = new IssueView({ store: state.store, id: route.issue, runId: route.run, navigate, toast });
		state.title = `#${route.issue} · ${project.name || project.key} · claw`;
	} else {
		state.view = new BoardView({ store: state.store, project, navigate });
		state.title = `${project.name || project.key} · claw`;
	}
	ui.main.replaceChildren(state.view.el);
	clearTimeout(state.lookAgain);
	setTitle();
	window.scrollTo(0, 0);
	return undefined;
}

// The tab's title, led by how many issues of the project wait for a person
// at a gate: "(2) greeter · claw", seen from another tab.
function setTitle() {
	let waiting = 0;
	if (state.store) for (const i of state.store.issues.values()) if (i.gate) waiting++;
	document.title = `${waiting ? `(${waiting}) ` : ''}${state.title || 'claw'}`;
	notifier.setCount(waiting);
}

function closeView(keepStore) {
	if (state.view) state.view.destroy();
	state.view = null;
	state.route = '';
	if (!keepStore && state.store) {
		state.store.close();
		state.store = null;
		ui.conn.hidden = true;
		state.title = '';
		setTitle();
	}
}

function showWelcome() {
	closeView();
	ui.main.replaceChildren(h('div', { class: 'empty-state welcome' },
		h('h1', null, 'No project yet'),
		h('p', null, 'Register a folder on the server (often a git repository). claw writes a solver for each ' +
			'issue you open against it, asks you to approve it, and runs it.'),
		h('button', { class: 'btn primary', onclick: registerProject }, 'Register a project'),
		h('p', { class: 'muted' }, 'Or from a shell on the server: ', h('code', null, 'claw -c /path/to/project'))));
}

let healthRetry = 0;

async function pollHealth() {
	clearTimeout(healthRetry);
	try {
		const hl = await api.health();
		const active = Number(hl.runs_active) || 0;
		const queued = Number(hl.runs_queued) || 0;
		ui.health.textContent = `${active} running${queued ? ` · ${queued} queued` : ''}`;
		ui.health.title = `claw ${hl.version || ''}`;
		ui.health.classList.toggle('busy', active > 0);
		const demo = hl.demo === true || hl.model === 'demo' || hl.agent === 'demo';
		// Dismissed once, the banner stays away; costs still say "demo prices".
		ui.banner.hidden = !demo || localStorage.getItem('claw.demoBanner') === 'dismissed';
		document.body.dataset.demo = String(demo);
		if (!ui.banner.hidden) {
			replace(ui.banner, h('span', { class: 'banner-text' }, h('strong', null, 'Demo model. '),
				typeof hl.demo_note === 'string' ? hl.demo_note
					: 'This server answers with a scripted demo model, not a real one: runs show how claw works, not real solutions.'),
			h('button', { class: 'dismiss', type: 'button', 'aria-label': 'dismiss the demo notice', onclick: () => {
				localStorage.setItem('claw.demoBanner', 'dismissed');
				ui.banner.hidden = true;
			} }, '×'));
		}
	} catch {
		ui.health.textContent = 'server unreachable';
		ui.health.classList.remove('busy');
		healthRetry = setTimeout(pollHealth, 3000);
	}
}

ui.picker.addEventListener('change', () => navigate(`#/${encodeURIComponent(ui.picker.value)}`));
ui.addProject.addEventListener('click', registerProject);
window.addEventListener('hashchange', () => {
	// A dialog belongs to the view it was opened from (back/forward).
	for (const d of document.querySelectorAll('dialog[open]')) d.close();
	render();
});
document.addEventListener('keydown', (ev) => {
	if (ev.key === 'Escape' && !document.querySelector('dialog[open]') && parseRoute().issue &&
	    !/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement?.tagName)) {
		navigate(`#/${encodeURIComponent(parseRoute().key)}`);
	}
});

// The project list is live: one registered meanwhile (from the command
// line) joins the picker, and the welcome page moves to it.
async function refreshProjects() {
	const before = JSON.stringify(state.projects.map((p) => p.key));
	await loadProjects();
	const unknown = parseRoute().key && !state.view;
	if ((JSON.stringify(state.projects.map((p) => p.key)) !== before || unknown) && !state.view) render();
}

// The colour theme: the system's (auto), or light or dark as picked here.
const THEMES = ['auto', 'light', 'dark'];
function applyTheme(t) {
	if (!THEMES.includes(t)) t = 'auto';
	if (t === 'auto') delete document.documentElement.dataset.theme;
	else document.documentElement.dataset.theme = t;
	ui.theme.querySelector('.wide').textContent = `Theme: ${t}`;
	ui.theme.setAttribute('aria-label', `Theme: ${t}`);
	const next = THEMES[(THEMES.indexOf(t) + 1) % THEMES.length];
	ui.theme.title = `colour theme: ${t === 'auto' ? 'as the system' : t}; click for ${next}`;
	return t;
}
let theme = applyTheme(localStorage.getItem('claw.theme') || 'auto');
ui.theme.addEventListener('click', () => {
	theme = applyTheme(THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length]);
	localStorage.setItem('claw.theme', theme);
});
// The skip link moves the focus; the hash is the route, so it stays.
ui.skip.addEventListener('click', (ev) => {
	ev.preventDefault();
	ui.main.focus();
});

notifier = new Notifier({ button: ui.notify, toast,
	viewing: (id) => { const r = parseRoute(); return r.issue === Number(id) && r.key === state.store?.key; } });
pollHealth();
setInterval(() => document.hidden || (pollHealth(), refreshProjects()), 15000);
loadProjects().then(render);
