#!/usr/bin/env node
// `npm start` runs the app in Electron, whose Node has another ABI than the system's: the
// native module better-sqlite3 needs a build for it. The Node build in node_modules stays
// (the CLI, `facepair serve` and the tests use it); the Electron build goes to
// .cache/electron/better-sqlite3/, which the shell points the library process at.
// Downloads the prebuilt binary (prebuild-install) and falls back to compiling it
// (@electron/rebuild). Needs internet the first time; packaged apps are rebuilt by
// electron-builder instead.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
const source = path.dirname(require.resolve('better-sqlite3/package.json'));
const sqliteVersion = JSON.parse(readFileSync(path.join(source, 'package.json'), 'utf8')).version;
const out = path.join(root, '.cache', 'electron', 'better-sqlite3');
const stamp = path.join(out, '.built-for');
const want = `electron ${electronVersion} better-sqlite3 ${sqliteVersion} ${process.platform}-${process.arch}`;

if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want && existsSync(path.join(out, 'build', 'Release', 'better_sqlite3.node'))) {
  process.exit(0);
}

console.log(`Preparing better-sqlite3 for Electron ${electronVersion} in ${path.relative(root, out)}…`);
rmSync(out, { recursive: true, force: true });
mkdirSync(path.dirname(out), { recursive: true });
cpSync(source, out, { recursive: true, filter: (f) => !f.includes(`${path.sep}build${path.sep}`) });
// Each tool through node itself: npm does not always mark their scripts executable.
const run = (script, args, options) => execFileSync(process.execPath, [path.join(root, 'node_modules', script), ...args], options);
try {
  run('prebuild-install/bin.js', ['--runtime', 'electron', '--target', electronVersion, '--arch', process.arch, '--platform', process.platform], {
    cwd: out,
    stdio: 'inherit',
  });
} catch {
  console.log('No prebuilt binary: compiling it with @electron/rebuild…');
  // @electron/rebuild works on an app folder: give it one holding only this module.
  const app = path.join(root, '.cache', 'electron', 'rebuild-app');
  rmSync(app, { recursive: true, force: true });
  mkdirSync(path.join(app, 'node_modules'), { recursive: true });
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'rebuild-app', private: true, dependencies: { 'better-sqlite3': sqliteVersion } }));
  cpSync(out, path.join(app, 'node_modules', 'better-sqlite3'), { recursive: true });
  try {
    run('@electron/rebuild/lib/cli.js', ['--version', electronVersion, '--module-dir', app, '--only', 'better-sqlite3', '--force'], { stdio: 'inherit' });
  } catch {
    console.error('Could not prepare better-sqlite3 for Electron: the first `npm start` needs internet (and a C++ toolchain where no prebuilt binary exists).');
    process.exit(1);
  }
  rmSync(out, { recursive: true, force: true });
  cpSync(path.join(app, 'node_modules', 'better-sqlite3'), out, { recursive: true });
}
writeFileSync(stamp, want);
