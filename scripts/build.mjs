// `npm run build`: the compiled library (tsc into dist/) and the CLI bundle (dist/cli-bundle/), the
// one build that npm ci's prepare step, the tests' global set-up and the benchmarks all run.
//
// Why a bundle: the CLI starts at every deploy and every app start. Loaded file by file, the no-op
// `upgrade head` spent more time in Node's module loader (about ninety files: our modules, pg's
// and commander's) than in its own work. bin/play-later-db.js runs the bundle; the library (dist/,
// what `import 'play-later-db'` loads) is unchanged. The bundle keeps the CLI's lazy imports as
// chunks (a command loads only its own), and holds our code, commander, pg and kysely (about 300
// modules from node_modules, over 200 ms to load; one file in the bundle). The revision modules
// import kysely too and must share the runner's copy: the bundle exposes its kysely as
// dist/cli-bundle/kysely.js, and revisions run by the bundle are compiled to import that file
// (src/runner/load-revisions.ts). Every other package stays an import from node_modules.
// Measured: docs/runner-api.md, "Start-up".
//
// Two of pg's modules are replaced in the bundle by Node-only equivalents (scripts/bundle/): the
// runtime probe in pg/lib/stream.js builds a fetch Response on Node 20 (loading undici) and
// pg/lib/crypto/utils.js loads WebCrypto. The build fails if pg's originals ever export other names.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(path.join(ROOT, 'package.json'));
const OUT = path.join(ROOT, 'dist', 'cli-bundle');
/** Packages bundled with our code; the packages they import come along. */
const BUNDLED = new Set(['commander', 'kysely', 'pg']);
const PG_LIB = path.dirname(require.resolve('pg/lib/client.js'));
const REPLACED = {
  [path.join(PG_LIB, 'stream.js')]: path.join(ROOT, 'scripts', 'bundle', 'pg-node-stream.cjs'),
  [path.join(PG_LIB, 'crypto', 'utils.js')]: path.join(ROOT, 'scripts', 'bundle', 'pg-node-crypto.cjs'),
};

// --if-stale (the tests' global set-up, the benchmarks): nothing to do when the bundle, the build's
// last output, is newer than every source of the build.
if (process.argv.includes('--if-stale')) {
  if (builtAt() >= newestSource()) process.exit(0);
  console.error('dist/ is older than its sources: rebuilding (npm run build)');
}

const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

for (const [original, replacement] of Object.entries(REPLACED)) {
  const expected = Object.keys(require(original)).sort().join(', ');
  const actual = Object.keys(require(replacement)).sort().join(', ');
  if (expected !== actual) {
    console.error(`build: ${path.relative(ROOT, original)} now exports ${expected}; ${path.relative(ROOT, replacement)} exports ${actual}. Update the replacement (or drop it) for this pg version.`);
    process.exit(1);
  }
}

const esbuild = await import('esbuild');
/** A bare import from our code or from a bundled package: the package's name. */
const packageName = (specifier) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);

rmSync(OUT, { recursive: true, force: true });
const { metafile } = await esbuild.build({
  entryPoints: [
    { in: path.join(ROOT, 'dist', 'cli', 'main.js'), out: 'main' },
    // The bundle's kysely as a module of its own, for the revisions (src/runner/load-revisions.ts).
    { in: path.join(ROOT, 'scripts', 'bundle', 'kysely.mjs'), out: 'kysely' },
  ],
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // pg and commander are CommonJS: their require() of Node's modules needs a require in ESM chunks.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
  metafile: true,
  plugins: [
    {
      name: 'play-later-db-cli',
      setup(build) {
        build.onResolve({ filter: /^[^./]|^\.\.?\/.*(stream|utils)$/ }, async (args) => {
          if (args.kind === 'entry-point' || args.path.startsWith('node:')) return undefined;
          if (args.path.startsWith('.')) {
            const resolved = path.join(args.resolveDir, args.path) + '.js';
            return REPLACED[resolved] ? { path: REPLACED[resolved] } : undefined;
          }
          // An external package's files are never read, so an importer in node_modules is a bundled package.
          if (BUNDLED.has(packageName(args.path)) || args.importer.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
          return { path: args.path, external: true };
        });
      },
    },
  ],
});

// Which modules each output file holds, for the start-up test (test/cli/startup.test.ts), which
// checks what a command loads by source module, not by chunk.
const modules = Object.fromEntries(
  Object.entries(metafile.outputs).map(([file, output]) => [path.basename(file), Object.keys(output.inputs).map((input) => path.relative(ROOT, path.resolve(input)))]),
);
writeFileSync(path.join(OUT, 'modules.json'), `${JSON.stringify(modules, null, 1)}\n`);

function builtAt() {
  try {
    return statSync(path.join(OUT, 'main.js')).mtimeMs;
  } catch {
    return 0;
  }
}

function newestSource() {
  const newest = (folder) =>
    Math.max(0, ...readdirSync(folder, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => statSync(path.join(entry.parentPath, entry.name)).mtimeMs));
  return Math.max(newest(path.join(ROOT, 'src')), newest(path.join(ROOT, 'scripts', 'bundle')), statSync(fileURLToPath(import.meta.url)).mtimeMs, statSync(path.join(ROOT, 'tsconfig.build.json')).mtimeMs);
}
