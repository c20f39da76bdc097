import { isIP } from 'node:net';
import { UNKNOWN_CLIENT } from '@breakwater/core';

/** The group of breakers beyond `maxGroups`. */
export const OTHER_GROUP = '(other)';
/** The group of a breaker whose `group` function threw or returned a non-string. */
export const UNGROUPED = '(ungrouped)';
/** The default group of client-keyed breakers. */
export const CLIENTS_GROUP = '(clients)';
/** The longest group name kept; longer ones are cut. */
const MAX_GROUP_LENGTH = 256;

/** ` @ ` separates the route from the client in a `route+client` key (core's `routeClientKey`). */
const ROUTE_CLIENT_SEPARATOR = ' @ ';
const IPV6_SUBNET = /^[0-9a-f:.]+\/\d{1,3}$/i;

/**
 * The default grouping (see `DashboardOptions.group`).
 *
 * @internal
 */
export function defaultGroup(key: string, name: string): string {
  if (name !== key) return name;
  const at = key.indexOf(ROUTE_CLIENT_SEPARATOR);
  if (at > 0) return key.slice(0, at);
  if (key === UNKNOWN_CLIENT || isIP(key) !== 0 || IPV6_SUBNET.test(key)) return CLIENTS_GROUP;
  return key;
}

/**
 * Calls a user group function safely and bounds its result.
 *
 * @internal
 */
export function safeGroup(group: (key: string, name: string) => string, key: string, name: string): string {
  try {
    const g = group(key, name);
    if (typeof g !== 'string' || g.length === 0) return UNGROUPED;
    return g.length > MAX_GROUP_LENGTH ? g.slice(0, MAX_GROUP_LENGTH) : g;
  } catch {
    return UNGROUPED;
  }
}
