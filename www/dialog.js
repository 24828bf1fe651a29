// dialog — modal forms and confirmations on the native <dialog> element
// (focus trap, Escape to cancel and the backdrop come from the browser).

import { h } from './dom.js';

// openForm({title, fields, submit, onSubmit}): a modal form.  fields are
// elements (labels with inputs); onSubmit(form) resolves to close the dialog
// or throws an Error whose message is shown in the form.  Resolves to the
// value onSubmit returned, or null when cancelled.
export function openForm({ title, fields, submit = 'Save', danger = false, onSubmit, className }) {
	return new Promise((resolve) => {
		const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
		const ok = h('button', { type: 'submit', class: danger ? 'btn danger' : 'btn primary' }, submit);
		const cancel = h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, 'Cancel');
		const form = h('form', { method: 'dialog', class: 'dialog-form' },
			h('h2', null, title), fields, error, h('div', { class: 'actions' }, cancel, ok));
		const dlg = h('dialog', { class: className || '' }, form);
		let result = null;
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			ok.disabled = true;
			error.hidden = true;
			try {
				result = await onSubmit(form);
				dlg.close();
			} catch (e) {
				error.textContent = e.message;
				error.hidden = false;
			} finally {
				ok.disabled = false;
			}
		});
		// Ctrl/Cmd+Enter submits from a textarea.
		form.addEventListener('keydown', (ev) => {
			if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
				ev.preventDefault();
				form.requestSubmit();
			}
		});
		dlg.addEventListener('close', () => {
			dlg.remove();
			resolve(result);
		});
		document.body.append(dlg);
		dlg.showModal();
		const first = form.querySelector('input, textarea, select');
		(first || (danger ? cancel : ok)).focus();
	});
}

// confirmAction(message, label): resolves true when the person confirms.
export function confirmAction(title, message, label = 'Confirm') {
	return openForm({
		title, submit: label, danger: true, className: 'confirm',
		fields: h('p', null, message),
		onSubmit: async () => true,
	}).then((v) => v === true);
}

// A labelled field: field('Title', input).
export function field(label, control, hint) {
	return h('label', { class: 'field' }, h('span', null, label), control,
		hint ? h('small', { class: 'hint' }, hint) : null);
}
