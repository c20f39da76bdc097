// Lets `node --test` run the TypeScript test suites that need Node's real module loader
// (the OpenTelemetry instrumentations hook `require`, which Jest's module registry
// bypasses): ts-node compiles TypeScript (transpile only, CommonJS, tsconfig.test.json),
// and requests are mapped the way jest.config.ts maps them: `@breakwater/<name>` to
// packages/<name>/src/index.ts, and a relative `./x.js` imported by TypeScript to `./x.ts`.
//
// Usage: node --require ./scripts/node-test-register.cjs --test <files>
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
require('ts-node').register({
  transpileOnly: true,
  project: path.join(root, 'tsconfig.test.json'),
  compilerOptions: { rootDir: root },
});

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveBreakwater(request, parent, ...rest) {
  let mapped = request;
  const workspace = /^@breakwater\/([a-z-]+)$/.exec(request);
  if (workspace) {
    const source = path.join(root, 'packages', workspace[1], 'src', 'index.ts');
    if (fs.existsSync(source)) mapped = source;
  } else if (request.startsWith('.') && request.endsWith('.js') && parent?.filename?.endsWith('.ts')) {
    const source = path.resolve(path.dirname(parent.filename), `${request.slice(0, -3)}.ts`);
    if (fs.existsSync(source)) mapped = source;
  }
  return resolveFilename.call(this, mapped, parent, ...rest);
};
