// stream — one EventSource with a visible connection state.
//
// The browser's EventSource reconnects by itself after a dropped connection
// and sends Last-Event-ID (the last `id:` it saw), so the server resumes
// where the page left off.  When the server answers a reconnect with an
// error instead (restarting, 502 from nginx), the browser gives up for good;
// then this module opens a fresh EventSource after a backoff, asking urlFor()
// for the URL again so the caller can put its own cursor in it (?since=).
//
// States reported to onState: "connecting", "live", "reconnecting",
// "ended" (the caller called end(): the server said the stream is over) and
// "closed" (the caller closed it).  Handlers see each MessageEvent; a handler
// that throws is reported on the console and does not stop the stream.

const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 15000;

export class Stream {
	constructor({ urlFor, events, onState }) {
		this.urlFor = urlFor;
		this.events = events;
		this.onState = onState || (() => {});
		this.es = null;
		this.state = 'closed';
		this.backoff = BACKOFF_MIN_MS;
		this.timer = 0;
		this.done = false;
	}

	open() {
		this.done = false;
		this.connect('connecting');
		return this;
	}

	connect(state) {
		this.set(state);
		const es = new EventSource(this.urlFor());
		this.es = es;
		es.onopen = () => {
			if (es !== this.es) return;
			this.backoff = BACKOFF_MIN_MS;
			this.set('live');
		};
		es.onerror = () => {
			if (es !== this.es || this.done) return;
			if (es.readyState === EventSource.CLOSED) {
				es.close();
				this.es = null;
				clearTimeout(this.timer);
				this.timer = setTimeout(() => this.done || this.connect('reconnecting'), this.backoff);
				this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
			}
			this.set('reconnecting');
		};
		for (const [name, fn] of Object.entries(this.events)) {
			es.addEventListener(name, (ev) => {
				if (es !== this.es || this.done) return;
				if (this.state !== 'live') this.set('live');
				try {
					fn(ev);
				} catch (e) {
					console.error(`stream ${name} handler`, e);
				}
			});
		}
	}

	set(state) {
		if (state === this.state) return;
		this.state = state;
		this.onState(state);
	}

	shut(state) {
		this.done = true;
		clearTimeout(this.timer);
		if (this.es) this.es.close();
		this.es = null;
		this.set(state);
	}

	// The server said the stream is over (`event: end`): no reconnect.
	end() {
		this.shut('ended');
	}

	close() {
		this.shut('closed');
	}
}
