import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// What `npm install nestjs-hud` puts on a user's disk: the two builds (ESM in dist/, CommonJS
// in dist/cjs/), each with its declarations, and the documents (README, the manual under
// docs/ with its images), nothing else (no sources, tests, source maps or configuration).
// And what the registry's page needs: the metadata that links to the repository, and README
// links that resolve there as well as in node_modules.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
/** Where README's links point: the repository's files on its default branch. */
const REPOSITORY_FILES = 'https://github.com/nestjs-hud/nestjs-hud/blob/main/';

/** The targets of a markdown document's links and images, without their #fragment. */
function linkTargets(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1].replace(/#.*$/, '')).filter((target) => target !== '');
}

function packedFiles(): string[] {
  const cli = process.env.npm_execpath;
  const [command, prefix] = cli?.endsWith('.js') ? [process.execPath, [cli]] : ['npm', []];
  const result = spawnSync(command, [...prefix, 'pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(result.status, 0, `npm pack --dry-run failed: ${result.stderr}`);
  return (JSON.parse(result.stdout)[0].files as { path: string }[]).map((f) => f.path).sort();
}

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourcesUnder(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [relative(join(ROOT, 'lib'), path).replaceAll('\\', '/')] : [];
  });
}

/** Every file path an `exports` entry names, through its conditions. */
function targetsOf(entry: unknown): string[] {
  if (typeof entry === 'string') return [entry.replace(/^\.\//, '')];
  return Object.values(entry as Record<string, unknown>).flatMap(targetsOf);
}

describe('the published package', () => {
  const files = packedFiles();

  it('holds only the builds, their declarations, the documents and package.json', () => {
    const allowed = /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|docs\/[\w.-]+\.(md|png|yml)|dist\/cjs\/package\.json|dist\/.+\.(js|d\.ts))$/;
    assert.deepEqual(
      files.filter((f) => !allowed.test(f)),
      [],
    );
    for (const document of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/cjs/package.json']) {
      assert.ok(files.includes(document), `${document} is packed`);
    }
  });

  it('holds the manual: every page of docs/ and every image a page shows', () => {
    const pages = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md'));
    assert.ok(pages.length >= 15, 'docs/ was found');
    for (const page of pages) {
      assert.ok(files.includes(`docs/${page}`), `docs/${page} is packed`);
      // Links between pages and to images are relative: they resolve in node_modules/nestjs-hud/docs/ too.
      for (const target of linkTargets(readFileSync(join(ROOT, 'docs', page), 'utf8'))) {
        if (/^[a-z]+:/.test(target)) continue;
        const path = join('docs', target).replaceAll('\\', '/');
        assert.ok(files.includes(path), `docs/${page} links to ${target}, which is not packed`);
      }
    }
  });

  it("has README links that resolve on the registry's page and in node_modules", () => {
    const targets = linkTargets(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    const toFiles = targets.filter((target) => !target.startsWith('http') || target.startsWith(REPOSITORY_FILES));
    assert.ok(toFiles.length >= 20, `expected README to link to the manual, found ${toFiles.length} links`);
    for (const target of toFiles) {
      // The registry's page shows README without the repository's files: a relative link is dead there.
      assert.ok(target.startsWith(REPOSITORY_FILES), `README links to ${target}, which the registry's page cannot resolve`);
      const path = target.slice(REPOSITORY_FILES.length);
      assert.ok(files.includes(path), `README links to ${path}, which is not packed`);
    }
  });

  it('names the repository, its issues, its home page, an author and keywords', () => {
    assert.equal(pkg.repository?.type, 'git');
    assert.match(pkg.repository?.url ?? '', /^git\+https:\/\/github\.com\/nestjs-hud\/nestjs-hud\.git$/);
    assert.ok(REPOSITORY_FILES.startsWith(pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '/')), 'README links into the repository');
    assert.match(pkg.homepage ?? '', /^https:\/\/github\.com\/nestjs-hud\/nestjs-hud/);
    assert.match(pkg.bugs?.url ?? '', /^https:\/\/github\.com\/nestjs-hud\/nestjs-hud\/issues$/);
    assert.ok(typeof pkg.author === 'string' && pkg.author.length > 0, 'author');
    assert.ok(Array.isArray(pkg.keywords) && pkg.keywords.includes('nestjs'), 'keywords');
  });

  it('holds both builds of every source file, each with its declarations', () => {
    const expected = sourcesUnder(join(ROOT, 'lib')).flatMap((source) => {
      const base = source.replace(/\.ts$/, '');
      return [`dist/${base}.js`, `dist/${base}.d.ts`, `dist/cjs/${base}.js`, `dist/cjs/${base}.d.ts`];
    });
    assert.ok(expected.length >= 4 * 20, 'lib/ was found');
    assert.deepEqual(
      expected.filter((f) => !files.includes(f)),
      [],
    );
    assert.equal(files.filter((f) => f.startsWith('dist/') && f.endsWith('.js') && f !== 'dist/cjs/package.json').length, expected.length / 2);
  });

  it('marks dist/cjs as CommonJS inside an ESM package', () => {
    assert.equal(pkg.type, 'module');
    assert.deepEqual(JSON.parse(readFileSync(join(ROOT, 'dist/cjs/package.json'), 'utf8')), { type: 'commonjs' });
  });

  it('points main, types and every built entry of the exports map at packed files, per format', () => {
    assert.ok(files.includes(pkg.main.replace(/^\.\//, '')), 'main');
    assert.ok(files.includes(pkg.types.replace(/^\.\//, '')), 'types');
    for (const [subpath, entry] of Object.entries<Record<string, unknown>>(pkg.exports)) {
      if (subpath === './package.json') continue;
      assert.deepEqual(Object.keys(entry), ['import', 'require'], `${subpath}: one condition per format`);
      assert.deepEqual(Object.keys(entry.import as object), ['types', 'default'], `${subpath}: types come first`);
      assert.deepEqual(Object.keys(entry.require as object), ['types', 'default'], `${subpath}: types come first`);
      for (const target of targetsOf(entry.require)) assert.match(target, /^dist\/cjs\//, `${subpath}: require → dist/cjs`);
      for (const target of targetsOf(entry.import)) assert.doesNotMatch(target, /^dist\/cjs\//, `${subpath}: import → dist`);
      // An entry point is built once its source exists (lib/testing/ arrives with the testing helpers).
      const source = subpath === '.' ? 'lib/index.ts' : `lib/${subpath.slice(2)}/index.ts`;
      if (!existsSync(join(ROOT, source))) continue;
      for (const target of targetsOf(entry)) assert.ok(files.includes(target), `${subpath} → ${target} is packed`);
    }
  });
});
