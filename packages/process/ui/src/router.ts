import { h, replaceChildren } from './dom.ts';

/** Renders a page; `signal` aborts when the user navigates away (close streams then). */
export type View = (params: Record<string, string>, signal: AbortSignal) => Promise<HTMLElement>;

interface Route {
  pattern: RegExp;
  names: string[];
  view: View;
}

/** A hash router: `#/runs/abc` matches `/runs/:id`. */
export class Router {
  readonly #routes: Route[] = [];
  readonly #outlet: HTMLElement;
  #current: AbortController | undefined;

  constructor(outlet: HTMLElement) {
    this.#outlet = outlet;
  }

  /** Adds a route such as `/workflows/:id`. */
  add(path: string, view: View): this {
    const names: string[] = [];
    const source = path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    this.#routes.push({ pattern: new RegExp(`^${source}$`), names, view });
    return this;
  }

  /** Renders the page of the current hash, and again whenever it changes. */
  start(): void {
    window.addEventListener('hashchange', () => void this.render());
    void this.render();
  }

  /** Renders the page of the current hash. */
  async render(): Promise<void> {
    this.#current?.abort();
    const controller = new AbortController();
    this.#current = controller;
    const path = location.hash.replace(/^#/, '') || '/';
    for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
      const section = link.getAttribute('href')?.replace(/^#/, '') ?? '';
      link.classList.toggle('active', section === '/' ? !path.startsWith('/runs') : path.startsWith(section));
    }
    for (const route of this.#routes) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      const params = Object.fromEntries(
        route.names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]),
      );
      replaceChildren(this.#outlet, h('p', { class: 'muted loading' }, 'Loading…'));
      try {
        const page = await route.view(params, controller.signal);
        if (!controller.signal.aborted) replaceChildren(this.#outlet, page);
      } catch (error) {
        if (!controller.signal.aborted) replaceChildren(this.#outlet, errorPanel(error));
      }
      return;
    }
    replaceChildren(this.#outlet, errorPanel(new Error(`no page at ${path}`)));
  }
}

/** A readable error box. */
export function errorPanel(error: unknown): HTMLElement {
  const message = error instanceof Error ? error.message : String(error);
  return h(
    'div',
    { class: 'error-panel', role: 'alert' },
    h('strong', {}, 'Something went wrong. '),
    message,
  );
}
