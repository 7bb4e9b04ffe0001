import { ValidationError } from '../errors/light-run-error.ts';

/**
 * Deepest nesting of arrays and objects a request body may have (the body itself is level 1).
 * Deeper values would overflow the stack of whatever serialises them later.
 */
export const MAX_JSON_DEPTH = 256;

/** Where a value sits in the body, as a chain back to the root (built only when reported). */
interface Place {
  parent: Place | undefined;
  key: string;
}

const pathOf = (place: Place | undefined): string => {
  const keys: string[] = [];
  for (let at = place; at; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.');
};

/**
 * Parses a JSON request body. A syntax error leaves as the parser's SyntaxError (answered as
 * 400 `INVALID_JSON`); a well-formed body that nests deeper than {@link MAX_JSON_DEPTH} or
 * carries a `__proto__` key (or a `constructor.prototype`) is a 400 `INVALID_REQUEST` that
 * names the field. `JSON.parse` makes such keys plain own properties, so they are harmless
 * until refused here.
 */
export function parseJsonBody(text: string): unknown {
  const value: unknown = JSON.parse(text);
  // An explicit stack: a recursive walk is what a deep body would break. Only objects and
  // arrays are visited, so a body of many strings costs a key comparison each.
  const stack: { value: object; depth: number; place: Place | undefined }[] = [];
  if (typeof value === 'object' && value !== null) stack.push({ value, depth: 1, place: undefined });
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { depth, place } = next;
    const visit = (item: unknown, key: string) => {
      if (typeof item !== 'object' || item === null) return;
      const at = { parent: place, key };
      if (depth >= MAX_JSON_DEPTH) {
        const top = pathOf(at).split('.')[0] ?? '';
        throw new ValidationError([{ path: top, message: `nests deeper than ${MAX_JSON_DEPTH} levels` }]);
      }
      if (key === 'constructor' && Object.hasOwn(item, 'prototype')) {
        throw new ValidationError([
          { path: `${pathOf(at)}.prototype`, message: "'constructor.prototype' is not allowed" },
        ]);
      }
      stack.push({ value: item, depth: depth + 1, place: at });
    };
    if (Array.isArray(next.value)) {
      for (let i = 0; i < next.value.length; i++) visit(next.value[i], String(i));
      continue;
    }
    const record = next.value as Record<string, unknown>;
    for (const key in record) {
      if (key === '__proto__') {
        throw new ValidationError([
          { path: pathOf({ parent: place, key }), message: "'__proto__' is not allowed as a key" },
        ]);
      }
      visit(record[key], key);
    }
  }
  return value;
}
