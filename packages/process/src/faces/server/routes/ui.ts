import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ApiError } from '../api-error.ts';
import { defineRoute, type RouteSpec } from '../route-spec.ts';
import { errorBody } from '../schemas.ts';

/** Where `npm run build` puts the web UI (the same place from src/faces/server/routes and dist/faces/server/routes). */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../../../dist/ui', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>light serve</title>
<p>The web UI is not built. Run <code>npm run build</code> in the repository, then reload.
The API is described at <a href="/openapi.json">/openapi.json</a>.</p>`;

function readAssets(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let names: string[];
  try {
    names = readdirSync(join(dir, 'assets'));
  } catch {
    return files; // no build yet: the index page says so
  }
  for (const name of names) files.set(name, readFileSync(join(dir, 'assets', name)));
  return files;
}

/** `GET /` and `GET /assets/:file`: the bundled web UI, public so that it can ask for the API key. */
export function uiRoutes(uiDir: string = DEFAULT_UI_DIR): RouteSpec[] {
  let index: string;
  try {
    index = readFileSync(join(uiDir, 'index.html'), 'utf8');
  } catch {
    index = NOT_BUILT; // a server without a UI build still serves the API
  }
  const assets = readAssets(uiDir);
  return [
    defineRoute({
      method: 'GET',
      url: '/',
      operationId: 'webUi',
      summary: 'The web UI (a single page; views are addressed by the URL fragment)',
      tag: 'ui',
      public: true,
      responses: { 200: { description: 'the page', contentType: 'text/html' } },
      handler: async ({ reply }) => reply.type(CONTENT_TYPES['.html'] as string).send(index),
    }),
    defineRoute({
      method: 'GET',
      url: '/assets/:file',
      operationId: 'webUiAsset',
      summary: 'A script, style sheet or image of the web UI',
      tag: 'ui',
      public: true,
      params: z.object({ file: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a file name') }).strict(),
      responses: {
        200: { description: 'the file', contentType: 'application/octet-stream' },
        404: { description: 'no such file', schema: errorBody },
      },
      handler: async ({ params, reply }) => {
        const body = assets.get(params.file);
        if (!body) throw new ApiError('ROUTE_NOT_FOUND', `no UI asset '${params.file}'`);
        const type = CONTENT_TYPES[extname(params.file)] ?? 'application/octet-stream';
        return reply.type(type).header('cache-control', 'no-cache').send(body);
      },
    }),
  ];
}
