/**
 * The route key of a request that matched no route. Every such request shares it, so
 * a flood of random URLs creates one breaker, not one per URL.
 */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * The route part of a breaker key: the method and the route template, never the raw
 * URL, so that `/users/1` and `/users/2` share `GET /users/:id`.
 *
 * @param method - the request method; upper-cased.
 * @param template - the route template, e.g. `/users/:id`; an empty template is `/`.
 * @returns e.g. `GET /users/:id`.
 *
 * @example
 * ```ts
 * routeKey('get', '/users/:id'); // 'GET /users/:id'
 * ```
 */
export function routeKey(method: string, template: string): string {
  return `${method.toUpperCase()} ${template === '' ? '/' : template}`;
}

/**
 * The key of a `route+client` breaker: the route key and the client key.
 *
 * @param route - from {@link routeKey}, or {@link UNMATCHED_ROUTE}.
 * @param client - from `clientKey()`.
 * @returns e.g. `GET /users/:id @ 203.0.113.7`.
 *
 * @example
 * ```ts
 * routeClientKey('GET /users/:id', '2001:db8::/56'); // 'GET /users/:id @ 2001:db8::/56'
 * ```
 */
export function routeClientKey(route: string, client: string): string {
  return `${route} @ ${client}`;
}
