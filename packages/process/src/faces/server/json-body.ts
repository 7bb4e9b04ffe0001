import type { FastifyInstance } from 'fastify';
import { ApiError } from './api-error.ts';

/** How deep a request body may nest (objects and arrays), counting the body itself as 1. */
export const MAX_BODY_DEPTH = 64;

// Keys that would reach an object's prototype if a later merge copied them by assignment.
function forbiddenKey(parent: Record<string, unknown>, key: string): string | undefined {
  if (key === '__proto__') return '__proto__';
  if (key === 'constructor') {
    const value = parent[key];
    if (typeof value === 'object' && value !== null && Object.hasOwn(value, 'prototype'))
      return 'constructor.prototype';
  }
  return undefined;
}

function join(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : `${path}.${key}`;
}

/**
 * Walks a parsed body without recursion (a hostile body nests 100,000 levels) and throws a
 * 400 naming the first field that is nested too deep or that is a prototype key.
 */
export function checkBodyShape(value: unknown, maxDepth = MAX_BODY_DEPTH): void {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: 'body', depth: 1 }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth > maxDepth) {
      const shown = item.path.length > 80 ? `${item.path.slice(0, 80)}...` : item.path;
      throw new ApiError('INVALID_REQUEST', `${shown}: nested deeper than ${maxDepth} levels`, {
        issues: [{ field: item.path, message: `nested deeper than ${maxDepth} levels` }],
      });
    }
    const entries: [string | number, unknown][] = Array.isArray(item.value)
      ? item.value.map((child, i): [number, unknown] => [i, child])
      : Object.entries(item.value);
    for (const [key, child] of entries) {
      const bad =
        typeof key === 'string' ? forbiddenKey(item.value as Record<string, unknown>, key) : undefined;
      if (bad) {
        const field = join(item.path, key);
        const message = `the key "${bad}" is not allowed (it could reach an object prototype)`;
        throw new ApiError('INVALID_REQUEST', `${field}: ${message}`, { issues: [{ field, message }] });
      }
      stack.push({ value: child, path: join(item.path, key), depth: item.depth + 1 });
    }
  }
}

/** Parses a JSON body the way every route's body is parsed: `{}` when empty; a 400 naming what is wrong. */
export function parseJsonBody(raw: Buffer): unknown {
  const source = raw.toString('utf8');
  if (source.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(source);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ApiError('INVALID_JSON', `the body is not valid JSON: ${reason}`);
  }
  checkBodyShape(body);
  return body;
}

/**
 * Parses `application/json` bodies with `JSON.parse` (which keeps a `__proto__` key as a
 * plain property) and then refuses prototype keys and over-deep nesting by name, where
 * fastify's parser would call both "invalid JSON". No other content type is parsed.
 */
export function installJsonBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, raw, done) => {
    const source = typeof raw === 'string' ? raw : raw.toString('utf8');
    if (source.trim() === '') {
      done(new ApiError('INVALID_JSON', 'the body is empty but its content type is application/json'));
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(source);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      done(new ApiError('INVALID_JSON', `the body is not valid JSON: ${reason}`));
      return;
    }
    try {
      checkBodyShape(body);
    } catch (error) {
      done(error as Error);
      return;
    }
    done(null, body);
  });
}

/**
 * In an encapsulated plugin (the webhook routes): `application/json` bodies reach the handler
 * as the raw `Buffer` received, unparsed, so a signature is checked over the exact bytes before
 * anything reads them (`parseJsonBody` then parses them like any body).
 */
export function installRawJsonBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, raw, done) => {
    done(null, raw);
  });
}
