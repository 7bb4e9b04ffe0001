import { apiKey } from './api.ts';
import { h } from './dom.ts';

let pending: Promise<void> | undefined;

/**
 * Asks for the API key in a modal dialog and keeps it in sessionStorage. Concurrent 401s
 * share one dialog.
 */
export function promptForKey(reason: string): Promise<void> {
  pending ??= new Promise<void>((resolve) => {
    const input = h('input', {
      type: 'password',
      name: 'api-key',
      autocomplete: 'current-password',
      placeholder: 'LP_API_KEY',
      required: true,
    });
    const dialog = h(
      'dialog',
      { class: 'key-dialog' },
      h(
        'form',
        { method: 'dialog' },
        h('h2', {}, 'API key needed'),
        h('p', { class: 'muted' }, `${reason}. The key is kept in this tab only (sessionStorage).`),
        input,
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Use key')),
      ),
    );
    dialog.addEventListener('close', () => {
      apiKey.set(input.value.trim());
      dialog.remove();
      pending = undefined;
      resolve();
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
  return pending;
}
