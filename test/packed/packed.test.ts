// Users install packed tarballs, not the workspace. This packs every published package the
// way `pnpm publish` does (workspace: ranges rewritten), installs the tarballs with plain npm
// into a fresh folder outside the repository next to the frameworks users install, and runs
// an Express app, a Koa app, the dashboard, the status endpoint and the Redis store from
// them, with require() and with import.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeRedis, RedisServer } from '../../packages/redis/test/support/redis-server';

const REPO = resolve(__dirname, '../..');
const PACKAGES = join(REPO, 'packages');

jest.setTimeout(240_000);

interface Manifest {
  name: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const read = (file: string): Manifest => JSON.parse(readFileSync(file, 'utf8')) as Manifest;

/** The packages users install: every non-private folder of packages/. */
const published = readdirSync(PACKAGES).filter((dir) => {
  const file = join(PACKAGES, dir, 'package.json');
  return existsSync(file) && read(file).private !== true;
});

let work: string;
let app: string;
const tarballs: string[] = [];

const node = (file: string, env: Record<string, string> = {}): string =>
  execFileSync(process.execPath, [file], {
    cwd: app,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'], // a failure's error carries stderr; warnings stay quiet
    timeout: 30_000,
    env: { ...process.env, ...env, NODE_OPTIONS: '' },
  });

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'breakwater-packed-'));
  for (const dir of published) {
    const pkg = join(PACKAGES, dir);
    if (!existsSync(join(pkg, 'dist/cjs/index.js')) || !existsSync(join(pkg, 'dist/esm/index.js'))) {
      execFileSync('pnpm', ['run', 'build'], { cwd: pkg, stdio: 'pipe' });
    }
  }
  for (const dir of published) {
    const out = execFileSync('pnpm', ['pack', '--pack-destination', work], {
      cwd: join(PACKAGES, dir),
      encoding: 'utf8',
    });
    const tarball = out.trim().split('\n').at(-1)?.trim();
    if (!tarball?.endsWith('.tgz')) throw new Error(`pnpm pack printed no tarball for ${dir}: ${out}`);
    tarballs.push(resolve(work, tarball));
  }
  app = join(work, 'app');
  cpSync(join(__dirname, 'fixtures'), app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'packed-app', private: true }));
  // What a user types: the tarballs, the frameworks and clients at their current majors.
  execFileSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...tarballs,
      'express@^5',
      'koa@^3',
      '@koa/router',
      'ioredis',
      '@opentelemetry/api',
    ],
    { cwd: app, stdio: 'pipe', timeout: 180_000 },
  );
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('packed tarballs', () => {
  it('have no workspace: ranges left, and name every sibling at its version', () => {
    expect(tarballs).toHaveLength(published.length);
    for (const dir of published) {
      const manifest = read(
        join(app, 'node_modules', read(join(PACKAGES, dir, 'package.json')).name, 'package.json'),
      );
      const ranges = { ...manifest.dependencies, ...manifest.peerDependencies };
      for (const [name, range] of Object.entries(ranges)) {
        expect(`${manifest.name} → ${name}@${range}`).not.toMatch(/workspace:/);
      }
    }
  });

  it('run an Express app with the dashboard and the status endpoint (require)', () => {
    expect(node('express.cjs')).toBe('express cjs ok');
  });

  it('run an Express app with a shared registry (import)', () => {
    expect(node('express.mjs')).toBe('express esm ok');
  });

  it('run a Koa app with @koa/router (import)', () => {
    expect(node('koa.mjs')).toBe('koa esm ok');
  });

  it('run a Koa app with the dashboard (require)', () => {
    expect(node('koa.cjs')).toBe('koa cjs ok');
  });

  it("load the app's own @opentelemetry/api, not a copy of their own", () => {
    expect(node('otel.cjs')).toBe('otel peer ok');
  });
});

describeRedis('packed tarballs with Redis', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  afterAll(async () => {
    await redis?.dispose();
  });

  it('share an open breaker across two instances through the installed ioredis', () => {
    expect(node('redis.cjs', { REDIS_URL: redis.url })).toBe('redis cjs ok');
  });
});
