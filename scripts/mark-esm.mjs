// Writes a package.json with "type": "module" into an ESM output folder so
// Node treats its .js files as ES modules while the CommonJS build stays CJS.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) throw new Error('usage: mark-esm.mjs <dir>');
writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
