#!/usr/bin/env node
/**
 * `npm run build`: the package in dist/.
 *   1. vite.lib.config.ts: ES modules for the entries (index, engine, node) and dist/disk-worker.js
 *   2. vite.cli.config.ts: the qedisk command, dist/cli/qedisk.mjs
 *   3. tsc (tsconfig.build.json): one declaration file per source file, in dist/.types/
 *   4. API Extractor: one rolled-up declaration file per entry (dist/index.d.ts, ...), and the API
 *      reports in docs/api/ (*.api.md), which record the public API of each entry
 *   5. API Documenter: the Markdown API reference in docs/api/reference/
 * With --check, steps 4 and 5 fail instead of writing when the committed API reports or reference
 * differ from what the sources give (npm test runs this).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(root, 'dist');
const check = process.argv.includes('--check');
/** Package entries: the name in `exports`, and the source file its declarations come from. */
const ENTRIES = [
  { name: 'index', types: 'index.d.ts' },
  { name: 'engine', types: 'engine/index.d.ts' },
  { name: 'node', types: 'node.d.ts' },
];

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`build: ${command} ${args.join(' ')} failed`);
}

/** Every file below `directory`. */
function filesBelow(directory) {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? filesBelow(path) : [path];
  });
}

/** Relative `.ts` import specifiers in the emitted declarations become `.js`, as in the built modules. */
function rewriteDeclarationSpecifiers(directory) {
  for (const path of filesBelow(directory).filter((file) => file.endsWith('.d.ts'))) {
    const text = readFileSync(path, 'utf8');
    const fixed = text.replace(/((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1$2.js$3');
    if (fixed !== text) writeFileSync(path, fixed);
  }
}

/** Rolls up the declarations of `entry` into dist/NAME.d.ts and writes (or, with --check, compares) its API report. */
function extract(entry) {
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: root,
      mainEntryPointFilePath: join(dist, '.types', entry.types),
      compiler: {
        overrideTsconfig: {
          compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2022', 'DOM', 'DOM.Iterable'], types: ['node'], strict: true, skipLibCheck: true },
          files: [join(dist, '.types', entry.types)],
        },
      },
      apiReport: { enabled: true, reportFolder: join(root, 'docs', 'api'), reportTempFolder: join(dist, '.api-temp'), reportFileName: `${entry.name}.api.md` },
      docModel: { enabled: true, apiJsonFilePath: join(dist, '.api-json', `qedisk-${entry.name}.api.json`) },
      dtsRollup: { enabled: true, untrimmedFilePath: join(dist, `${entry.name}.d.ts`) },
      tsdocMetadata: { enabled: false },
      messages: {
        compilerMessageReporting: { default: { logLevel: 'warning' } },
        extractorMessageReporting: {
          default: { logLevel: 'warning' },
          'ae-missing-release-tag': { logLevel: 'none' },
          'ae-forgotten-export': { logLevel: 'none' },
        },
        tsdocMessageReporting: { default: { logLevel: 'none' } },
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: join(root, 'package.json'),
  });
  const result = Extractor.invoke(config, { localBuild: !check, showVerboseMessages: false });
  if (!result.succeeded) throw new Error(`build: API Extractor failed for ${entry.name} (${result.errorCount} errors, ${result.warningCount} warnings)${check ? ': the committed API report differs; run npm run build and commit docs/api' : ''}`);
}

/**
 * Names each entry's API model after its import path (`qedisk`, `qedisk-engine` for `qedisk/engine`, `qedisk-node`):
 * API Extractor names every model after the package, which would make the entries collide.
 */
function nameModels() {
  for (const entry of ENTRIES) {
    const path = join(dist, '.api-json', `qedisk-${entry.name}.api.json`);
    const importPath = entry.name === 'index' ? 'qedisk' : `qedisk-${entry.name}`; // a package name: '/' is not allowed
    const model = readFileSync(path, 'utf8').replaceAll('"qedisk!', `"${importPath}!`).replace('"name": "qedisk"', `"name": "${importPath}"`);
    writeFileSync(path, model);
  }
}

/** Generates the Markdown reference from the API models into `target`. */
function document(target) {
  rmSync(target, { recursive: true, force: true });
  nameModels();
  run(process.execPath, [join(root, 'node_modules', '@microsoft', 'api-documenter', 'bin', 'api-documenter'), 'markdown', '-i', join(dist, '.api-json'), '-o', target]);
}

/**
 * Writes dist/THIRD-PARTY-NOTICES.txt: the license of every npm package bundled into dist/, found
 * from the source maps (each names the node_modules files it holds).
 */
function writeNotices() {
  const bundled = new Set();
  for (const map of filesBelow(dist).filter((file) => file.endsWith('.js.map'))) {
    for (const source of JSON.parse(readFileSync(map, 'utf8')).sources ?? []) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(source);
      if (match) bundled.add(match[1]);
    }
  }
  const sections = [...bundled].sort().map((name) => {
    const folder = join(root, 'node_modules', name);
    const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
    const licenseFile = readdirSync(folder).find((file) => /^(licen[cs]e|copying)/i.test(file));
    if (!licenseFile) throw new Error(`build: ${name} is bundled but has no license file`);
    return `${name} ${manifest.version} (${manifest.license})\n\n${readFileSync(join(folder, licenseFile), 'utf8').trim()}\n`;
  });
  writeFileSync(join(dist, 'THIRD-PARTY-NOTICES.txt'), `qedisk bundles these packages into dist/.\n\n${sections.join('\n----------------------------------------\n\n')}`);
}

/** The files of `directory` with their contents, keyed by relative path. */
function snapshot(directory) {
  if (!existsSync(directory)) return new Map();
  return new Map(filesBelow(directory).map((path) => [relative(directory, path), readFileSync(path, 'utf8')]));
}

rmSync(dist, { recursive: true, force: true });
run(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '-c', 'vite.lib.config.ts']);
run(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '-c', 'vite.cli.config.ts']);
run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
writeNotices();
// The worker is a script to start, not a module to import: its declaration says so and exports nothing.
writeFileSync(join(dist, 'disk-worker.d.ts'), '/** qedisk\'s disk worker: start it as a module worker (see configureDiskWorker); it exports nothing. */\nexport {};\n');
rewriteDeclarationSpecifiers(join(dist, '.types'));
mkdirSync(join(root, 'docs', 'api'), { recursive: true });
for (const entry of ENTRIES) extract(entry);
const reference = join(root, 'docs', 'api', 'reference');
if (check) {
  const generated = join(dist, '.api-reference');
  document(generated);
  const committed = snapshot(reference);
  const fresh = snapshot(generated);
  const stale = [...new Set([...committed.keys(), ...fresh.keys()])].filter((file) => committed.get(file) !== fresh.get(file));
  if (stale.length > 0) throw new Error(`build: docs/api/reference is not current (${stale.slice(0, 5).join(', ')}${stale.length > 5 ? ', ...' : ''}); run npm run build and commit it`);
} else {
  document(reference);
}
for (const scratch of ['.types', '.api-temp', '.api-json', '.api-reference']) rmSync(join(dist, scratch), { recursive: true, force: true });

console.log('build: dist/ is ready');
