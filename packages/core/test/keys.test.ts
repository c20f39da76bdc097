import { createHash } from 'node:crypto';
import { boundKey, MAX_KEY_LENGTH } from '../src/index.js';
import { compileGlob } from '../src/keys.js';

describe('boundKey', () => {
  test('returns keys of up to 256 characters unchanged', () => {
    const key = 'k'.repeat(MAX_KEY_LENGTH);
    expect(MAX_KEY_LENGTH).toBe(256);
    expect(boundKey(key)).toBe(key);
    expect(boundKey('GET /users/:id')).toBe('GET /users/:id');
    expect(boundKey('')).toBe('');
  });

  test('replaces a longer key by a readable prefix and a SHA-256 digest', () => {
    const key = `GET /search?q=${'x'.repeat(10_000)}`;
    const bounded = boundKey(key);
    const digest = createHash('sha256').update(key).digest('hex').slice(0, 32);
    expect(bounded).toBe(`${key.slice(0, 64)}~sha256:${digest}`);
    expect(bounded.length).toBe(104);
    expect(bounded.startsWith('GET /search?q=')).toBe(true);
  });

  test('is stable, and keeps long keys that differ only at the end apart', () => {
    const a = `${'a'.repeat(300)}1`;
    const b = `${'a'.repeat(300)}2`;
    expect(boundKey(a)).toBe(boundKey(a));
    expect(boundKey(a)).not.toBe(boundKey(b));
    expect(boundKey('a'.repeat(257))).not.toBe('a'.repeat(256));
  });

  test('never cuts a surrogate pair in half', () => {
    const key = `${'a'.repeat(63)}😀${'b'.repeat(300)}`;
    const bounded = boundKey(key);
    expect(bounded.startsWith(`${'a'.repeat(63)}~sha256:`)).toBe(true);
    expect(bounded).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });

  test('throws a TypeError for a key that is not a string', () => {
    expect(() => boundKey(42 as unknown as string)).toThrow(new TypeError('key must be a string, got 42'));
    expect(() => boundKey(undefined as unknown as string)).toThrow(TypeError);
  });
});

describe('compileGlob', () => {
  const cases: Array<[pattern: string, key: string, matches: boolean]> = [
    ['GET /search', 'GET /search', true],
    ['GET /search', 'GET /search/advanced', false],
    ['GET /search', 'xGET /search', false],
    ['GET /search*', 'GET /search', true],
    ['GET /search*', 'GET /search/advanced', true],
    ['POST /payments*', 'GET /payments', false],
    ['* /users/:id', 'DELETE /users/:id', true],
    ['*', '', true],
    ['*', 'anything at all', true],
    ['GET /v?/items', 'GET /v1/items', true],
    ['GET /v?/items', 'GET /v12/items', false],
    ['GET /v?/items', 'GET /v/items', false],
    ['*a*b*c', 'xxaxxbxxc', true],
    ['*a*b*c', 'xxaxxcxxb', false],
    ['a**b', 'ab', true],
    ['a*', 'b', false],
    ['literal \\* star', 'literal * star', true],
    ['literal \\* star', 'literal xx star', false],
    ['what\\?', 'what?', true],
    ['what\\?', 'whatx', false],
    ['back\\\\slash', 'back\\slash', true],
    ['GET /Search', 'GET /search', false],
  ];
  test.each(cases)('%j against %j: %s', (pattern, key, matches) => {
    expect(compileGlob(pattern)(key)).toBe(matches);
  });

  test('a hostile pattern and key finish quickly (no exponential backtracking)', () => {
    const match = compileGlob('*a*a*a*a*a*a*a*a*b');
    expect(match('a'.repeat(256))).toBe(false);
  });
});
