/**
 * The built package loads through its `exports` map with both `require` and `import`,
 * and serves its page from a plain Node server.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const pkg = resolve(__dirname, '..');
const core = resolve(pkg, '../core');
let app: string;

beforeAll(() => {
  for (const dir of [core, pkg]) {
    if (!existsSync(join(dir, 'dist/cjs/index.js')) || !existsSync(join(dir, 'dist/esm/index.js'))) {
      execFileSync('pnpm', ['run', 'build'], { cwd: dir, stdio: 'pipe' });
    }
  }
  app = mkdtempSync(join(tmpdir(), 'breakwater-dashboard-dist-'));
  mkdirSync(join(app, 'node_modules/@breakwater'), { recursive: true });
  symlinkSync(pkg, join(app, 'node_modules/@breakwater/dashboard'), 'dir');
  symlinkSync(core, join(app, 'node_modules/@breakwater/core'), 'dir');
}, 180_000);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: app, encoding: 'utf8', timeout: 30_000 }).trim();
}

const script = (load: string) => `
${load}
const registry = new BreakerRegistry();
registry.get('GET /x').forceOpen();
const dashboard = createDashboard({ registry, authorize: () => 'view' });
const server = http.createServer(dashboard).listen(0, '127.0.0.1', async () => {
  const res = await fetch('http://127.0.0.1:' + server.address().port + '/');
  const html = await res.text();
  console.log(JSON.stringify({ status: res.status, csp: res.headers.get('content-security-policy').startsWith("default-src 'none'"), script: html.includes('new EventSource') }));
  dashboard.close();
  server.close();
});
`;

const expected = { status: 200, csp: true, script: true };

test('require() loads the CommonJS build', () => {
  const out = run([
    '-e',
    script(
      "const http = require('node:http'); const { BreakerRegistry } = require('@breakwater/core'); const { createDashboard } = require('@breakwater/dashboard');",
    ),
  ]);
  expect(JSON.parse(out)).toEqual(expected);
  expect(run(['-p', "require.resolve('@breakwater/dashboard')"])).toMatch(/dist[\\/]cjs[\\/]index\.js$/);
});

test('import loads the ES module build', () => {
  const out = run([
    '--input-type=module',
    '-e',
    script(
      "import http from 'node:http'; import { BreakerRegistry } from '@breakwater/core'; import { createDashboard } from '@breakwater/dashboard';",
    ),
  ]);
  expect(JSON.parse(out)).toEqual(expected);
  const resolved = run([
    '--input-type=module',
    '-e',
    "console.log(import.meta.resolve('@breakwater/dashboard'))",
  ]);
  expect(resolved).toMatch(/dist\/esm\/index\.js$/);
});
