// notify — being called when a person is needed (SPEC 11).
//
// The favicon shows how many issues of the open project wait at a gate (the
// tab's title says it in words, app.js).  With "Notify me" switched on (the
// choice is kept in localStorage; the browser asks for its permission
// once), a browser notification says when a gate opens or a run ends —
// unless the person is looking at that very issue.  What the board showed
// when the page loaded is taken as seen: only what happens later notifies.

const ACTIVE = new Set(['queued', 'running']);
const GATE_WORDS = { question: 'asks a question', approve: 'waits for its solver to be approved',
	budget: 'ran out of budget', review: 'has a change to review' };

export class Notifier {
	// button: the header's switch; toast(message, isError); viewing(issueId):
	// whether the person has that issue in front of them.
	constructor({ button, toast, viewing }) {
		this.button = button;
		this.toast = toast;
		this.viewing = viewing;
		this.icon = document.querySelector('link[rel="icon"]');
		this.count = -1;
		this.reset();
		this.button.addEventListener('click', () => this.toggle());
		this.paintButton();
	}

	get supported() {
		return typeof window.Notification === 'function';
	}

	get on() {
		return this.supported && localStorage.getItem('claw.notify') === '1' && Notification.permission === 'granted';
	}

	async toggle() {
		if (!this.supported) {
			this.toast('This browser has no notifications.', true);
			return;
		}
		if (this.on) {
			localStorage.setItem('claw.notify', '0');
		} else {
			const p = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
			if (p !== 'granted') {
				this.toast('Notifications are blocked for this site: allow them in the browser\'s site settings.', true);
			} else {
				localStorage.setItem('claw.notify', '1');
				this.toast('You will be notified when a run needs you or ends.');
			}
		}
		this.paintButton();
	}

	paintButton() {
		const on = this.on;
		this.button.setAttribute('aria-pressed', String(on));
		this.button.title = on ? 'Browser notifications are on: click to turn them off'
			: 'Get a browser notification when a run needs you or ends';
	}

	// Another project: what it shows now is seen.
	reset() {
		this.primed = false;
		this.gates = new Set();  // "issue:gate" seen
		this.runs = new Map();   // issue id → "run:status" seen
	}

	// The store changed: notify what is new since the last look.
	observe(store, projectName) {
		if (!store || !store.loaded) return;
		for (const issue of store.issues.values()) {
			const gate = issue.gate ? `${issue.id}:${issue.gate.id}` : '';
			const runs = Array.isArray(issue.runs) ? issue.runs : [];
			const run = runs[runs.length - 1];
			const was = this.runs.get(issue.id);
			const now = run ? `${run.id}:${run.status}` : '';
			if (this.primed && gate && !this.gates.has(gate))
				this.send(store.key, issue, `#${issue.id} ${GATE_WORDS[issue.gate.kind] || 'waits for you'}`,
					issue.gate.prompt || issue.title, projectName);
			if (this.primed && run && now !== was && !ACTIVE.has(run.status) && was &&
			    ACTIVE.has(was.split(':')[1]) && was.split(':')[0] === String(run.id))
				this.send(store.key, issue, `Run #${run.id} of #${issue.id} ${run.status}`, issue.title, projectName);
			if (gate) this.gates.add(gate);
			this.runs.set(issue.id, now);
		}
		this.primed = true;
	}

	send(key, issue, title, body, projectName) {
		if (!this.on || (this.viewing(issue.id) && !document.hidden)) return;
		let n;
		try {
			n = new Notification(`${title} · ${projectName || key}`, {
				body: String(body || '').slice(0, 200), tag: `claw-${key}-${issue.id}`,
			});
		} catch (e) { // a browser that shows them only from a service worker (Android)
			localStorage.setItem('claw.notify', '0');
			this.paintButton();
			this.toast(`This browser cannot show notifications from the page (${e.message}); switched off.`, true);
			return;
		}
		n.onclick = () => {
			window.focus();
			location.hash = `#/${encodeURIComponent(key)}/issue/${issue.id}`;
			n.close();
		};
	}

	// The favicon: claw's mark, with the number of waiting issues on it.
	setCount(n) {
		if (n === this.count || !this.icon) return;
		this.count = n;
		const c = document.createElement('canvas');
		c.width = c.height = 32;
		const g = c.getContext('2d');
		if (!g) return;
		g.fillStyle = '#2f6fde';
		g.fillRect(2, 2, 28, 28);
		g.fillStyle = '#fff';
		g.font = 'bold 22px sans-serif';
		g.textAlign = 'center';
		g.textBaseline = 'middle';
		g.fillText('⟩', 16, 17);
		if (n > 0) {
			g.fillStyle = '#d4570f';
			g.beginPath();
			g.arc(23, 9, 9, 0, 2 * Math.PI);
			g.fill();
			g.fillStyle = '#fff';
			g.font = 'bold 13px sans-serif';
			g.fillText(n > 9 ? '9+' : String(n), 23, 10);
		}
		this.icon.href = c.toDataURL('image/png');
		this.icon.dataset.count = String(n);
	}
}
