// Transpiles the TypeScript sources a forked worker needs (core, redis, test support)
// to CommonJS, plus a resolve hook that maps `@breakwater/*` to them and resolves other
// packages from the repository. Run as a plain Node script (loading TypeScript inside
// Jest's sandbox is slow); prints the directory. Workers then start as plain Node
// processes.
//
// The cache lives under this checkout (node_modules/.cache/breakwater-workers), keyed by
// the checkout's absolute path, the lockfile and the sources, and carries a manifest: a
// cache written for another checkout, or one whose files or repository are gone, is
// rebuilt, never used (a cache in the system temp folder once outlived the clone that
// wrote it and broke the next clone's run). BREAKWATER_WORKER_CACHE overrides the parent
// folder (tests use it).
'use strict';
const { createHash } = require('node:crypto');
const {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} = require('node:fs');
const path = require('node:path');

const repo = path.resolve(__dirname, '../../../..');
const cacheParent =
  process.env.BREAKWATER_WORKER_CACHE || path.join(repo, 'node_modules', '.cache', 'breakwater-workers');
const dirs = ['packages/core/src', 'packages/redis/src', 'packages/redis/test/support'];

const files = [];
const walk = (dir) => {
  for (const entry of readdirSync(path.join(repo, dir), { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  )) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(rel);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(rel);
  }
};
for (const dir of dirs) walk(dir);
const hash = createHash('sha256');
hash.update(repo).update('\0');
const lockfile = path.join(repo, 'pnpm-lock.yaml');
if (existsSync(lockfile)) hash.update(readFileSync(lockfile)).update('\0');
for (const file of files)
  hash
    .update(file)
    .update('\0')
    .update(readFileSync(path.join(repo, file)))
    .update('\0');
const root = path.join(cacheParent, hash.digest('hex').slice(0, 16));

/** Whether the cache at `root` was written for this checkout and is whole. */
const usable = () => {
  try {
    const manifest = JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8'));
    if (manifest.repo !== repo || manifest.root !== root || !existsSync(manifest.repo)) return false;
    if (!existsSync(path.join(root, 'hook.cjs'))) return false;
    return files.every((file) => existsSync(path.join(root, file.replace(/\.ts$/, '.js'))));
  } catch {
    return false;
  }
};

if (!usable()) {
  rmSync(root, { recursive: true, force: true });
  const ts = require(require.resolve('typescript', { paths: [repo] }));
  const staging = `${root}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  for (const file of files) {
    const { outputText } = ts.transpileModule(readFileSync(path.join(repo, file), 'utf8'), {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        sourceMap: false,
      },
    });
    const out = path.join(staging, file.replace(/\.ts$/, '.js'));
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  writeFileSync(
    path.join(staging, 'hook.cjs'),
    `'use strict';
const Module = require('node:module');
const path = require('node:path');
const root = ${JSON.stringify(root)};
const repo = ${JSON.stringify(repo)};
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const workspace = /^@breakwater\\/([a-z-]+)$/.exec(request);
  if (workspace) return path.join(root, 'packages', workspace[1], 'src', 'index.js');
  if (parent && parent.filename && parent.filename.startsWith(root) && !request.startsWith('.') && !path.isAbsolute(request)) {
    const original = path.join(repo, path.relative(root, parent.filename));
    const from = { id: original, filename: original, paths: Module._nodeModulePaths(path.dirname(original)) };
    return resolveFilename.call(this, request, from, ...rest);
  }
  return resolveFilename.call(this, request, parent, ...rest);
};
`,
  );
  writeFileSync(path.join(staging, 'manifest.json'), JSON.stringify({ repo, root, files }));
  mkdirSync(cacheParent, { recursive: true });
  try {
    renameSync(staging, root);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another test file built it meanwhile
  }
}
process.stdout.write(root);
