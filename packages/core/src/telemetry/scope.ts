/**
 * The instrumentation scope: the package's name and version (a test checks the
 * version against package.json).
 *
 * @internal
 */
export const SCOPE_NAME = '@breakwater/core';
/** @internal */
export const SCOPE_VERSION = '0.1.0';
