// project — the open project's issues, kept live by the board stream.
//
// One ProjectStore per selected project and at most one board EventSource
// per tab (DESIGN.md: browsers allow six connections per origin).  Views
// subscribe with on(fn) and are told which issue id changed (or null for
// "everything").  The board stream sends every issue on connect and then
// each changed snapshot; a snapshot replaces the one held, so replays after
// a reconnect are harmless.

import { api, streams } from './api.js';
import { Stream } from './stream.js';

export class ProjectStore {
	constructor(key) {
		this.key = key;
		this.issues = new Map(); // id → Issue (SPEC.md 7)
		this.listeners = new Set();
		this.connListeners = new Set();
		this.loaded = false;
		this.stream = null;
	}

	start() {
		// A first snapshot by REST so the board is not empty while the stream
		// connects (and so a fresh reconnect can drop removed issues).
		this.refresh();
		this.stream = new Stream({
			urlFor: () => streams.board(this.key),
			events: {
				issue: (ev) => this.put(JSON.parse(ev.data)),
				'issue-removed': (ev) => this.remove(JSON.parse(ev.data).id),
			},
			onState: (s) => {
				for (const fn of this.connListeners) fn(s);
				if (s === 'reconnecting' && this.stream && !this.stream.es) this.refresh();
			},
		}).open();
		return this;
	}

	async refresh() {
		try {
			const list = await api.issues(this.key);
			if (!Array.isArray(list)) return;
			const ids = new Set(list.map((i) => i.id));
			for (const id of [...this.issues.keys()]) if (!ids.has(id)) this.issues.delete(id);
			for (const issue of list) {
				const old = this.issues.get(issue.id);
				// Never let an older REST answer overwrite a newer stream snapshot.
				if (!old || !(old.updatedMs > issue.updatedMs)) this.issues.set(issue.id, issue);
			}
			this.loaded = true;
			this.emit(null);
		} catch (e) {
			console.warn('issues', e.message);
		}
	}

	put(issue) {
		if (!issue || issue.id === undefined) return;
		this.issues.set(issue.id, issue);
		this.loaded = true;
		this.emit(issue.id);
	}

	remove(id) {
		if (this.issues.delete(id)) this.emit(id);
	}

	get(id) {
		return this.issues.get(Number(id)) || this.issues.get(String(id));
	}

	on(fn) {
		this.listeners.add(fn);
		return () => this.listeners.delete(fn);
	}

	onConn(fn) {
		this.connListeners.add(fn);
		if (this.stream) fn(this.stream.state);
		return () => this.connListeners.delete(fn);
	}

	emit(id) {
		for (const fn of this.listeners) fn(id);
	}

	close() {
		if (this.stream) this.stream.close();
		this.listeners.clear();
		this.connListeners.clear();
	}
}
