import assert from 'node:assert/strict';
import { test } from 'node:test';
import type {
  ResponseSpec as ServeResponseSpec,
  RouteContext as ServeRouteContext,
  RouteSpec as ServeRouteSpec,
} from '../../packages/process/src/faces/server/route-spec.ts';
import type {
  ResponseSpec as RunResponseSpec,
  RouteContext as RunRouteContext,
  RouteSpec as RunRouteSpec,
} from '../../packages/run/src/server/route-spec.ts';

// light-run and `light serve` may not share runtime code (light-process imports light-run's
// types only), so each holds its own RouteSpec; this file keeps the two the same shape.

/** `true` when A and B have exactly the same keys. */
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;

const routeKeys: SameKeys<RunRouteSpec, ServeRouteSpec> = true;
const responseKeys: SameKeys<RunResponseSpec, ServeResponseSpec> = true;
const contextKeys: SameKeys<RunRouteContext<1, 2, 3>, ServeRouteContext<1, 2, 3>> = true;
const methods: [RunRouteSpec['method']] extends [ServeRouteSpec['method']]
  ? [ServeRouteSpec['method']] extends [RunRouteSpec['method']]
    ? true
    : false
  : false = true;

test('light-run and light serve declare routes with one RouteSpec shape (checked by the type checker)', () => {
  assert.deepEqual([routeKeys, responseKeys, contextKeys, methods], [true, true, true, true]);
});
