import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { getMetadataStorage } from 'class-validator';
import { HudOptions } from 'nestjs-hud';

/** The README first, then every page under docs/. */
const DOCUMENTS = ['README.md', ...readdirSync('docs').filter((name) => name.endsWith('.md')).sort().map((name) => join('docs', name))];

type Mode = 'cjs' | 'esm';

/** What Nest 12's `nest new` writes in src/, kept for the consumer smoke tests. */
const NEST_NEW_FILES = join('test', 'consumers', 'nest12-esm', 'src');

/**
 * The two apps a snippet must compile in, both on NodeNext resolution (what `nest new` writes):
 * a CommonJS package (Nest 11's default: no top-level `await`, `require` declarations) and an
 * ES module package (`"type": "module"`, Nest 12's default: relative imports name a `.js` file).
 */
const MODES: Record<Mode, { packageType: string; label: RegExp }> = {
  cjs: { packageType: 'commonjs', label: /^CommonJS$/ },
  esm: { packageType: 'module', label: /^ESM$/ },
};

interface Snippet {
  document: string;
  file: string;
  code: string;
  line: number;
}

/**
 * Every ```ts block of one document (indented ones too) that compiles in `mode`. A block whose
 * first line is a comment naming a file (`// orders.controller.ts`) is written under that name,
 * so the blocks of one example can import each other; the others are numbered. A name followed
 * by `(CommonJS)` or `(ESM)` is a variant shown for that kind of app only. A name seen again
 * starts a new example, in a folder of its own, which starts with the latest version of every
 * file named so far: a page's app grows from part to part.
 */
function tsSnippets(document: string, mode: Mode): Snippet[] {
  const text = readFileSync(document, 'utf8');
  const snippets: Snippet[] = [];
  const fence = /^( *)```ts\n([\s\S]*?)^ *```/gm;
  let group = 1;
  let namesInGroup = new Set<string>();
  for (let match = fence.exec(text); match !== null; match = fence.exec(text)) {
    const indent = match[1].length;
    const code = match[2]
      .split('\n')
      .map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)))
      .join('\n');
    const line = text.slice(0, match.index).split('\n').length;
    const named = /^\/\/ ([\w.-]+\.ts)\b(?: \((\w+)\))?/.exec(code);
    if (named?.[2] !== undefined && !MODES[mode].label.test(named[2])) continue;
    if (named && namesInGroup.has(named[1])) {
      group++;
      namesInGroup = new Set();
    }
    if (named) namesInGroup.add(named[1]);
    const slug = basename(document, '.md');
    snippets.push({ document, file: join(slug, `example-${group}`, named ? named[1] : `snippet-${line}.ts`), code, line });
  }
  return snippets;
}

/**
 * Writes every snippet of every document for `mode` under `.build/doc-snippets/<mode>` and
 * type-checks them with tsc. A docs page starts from the README's Quick start app, which its
 * snippets extend (`./app.module.js`). Returns how many snippets it compiled.
 */
function compileSnippets(mode: Mode): { count: number; perDocument: Map<string, number> } {
  const dir = join('.build', 'doc-snippets', mode);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `doc-snippets-${mode}`, type: MODES[mode].packageType }));
  // `nestjs-hud` resolves to this package, as it would from an app that installed it.
  symlinkSync(resolve('.'), join(dir, 'node_modules', 'nestjs-hud'), 'dir');
  const perDocument = new Map<string, number>();
  // The README's Quick start adds to the files `nest new` wrote (Nest 12's, without @nestjs/observe).
  let readmeApp = new Map(
    ['app.controller.ts', 'app.service.ts'].map((name) => [name, readFileSync(join(NEST_NEW_FILES, name), 'utf8')] as const),
  );
  let count = 0;
  for (const document of DOCUMENTS) {
    const snippets = tsSnippets(document, mode);
    perDocument.set(document, snippets.length);
    count += snippets.length;
    const latest = new Map(readmeApp);
    const files = new Set<string>();
    let group = '';
    for (const snippet of snippets) {
      assert.ok(!files.has(snippet.file), `two snippets of ${document} are named ${snippet.file}`);
      files.add(snippet.file);
      const folder = join(dir, dirname(snippet.file));
      if (folder !== group) {
        group = folder;
        mkdirSync(folder, { recursive: true });
        for (const [name, text] of latest) writeFileSync(join(folder, name), text);
      }
      const text = `// ${document} line ${snippet.line}\nexport {};\n${snippet.code}`;
      writeFileSync(join(dir, snippet.file), text);
      if (!basename(snippet.file).startsWith('snippet-')) latest.set(basename(snippet.file), text);
    }
    if (document === 'README.md') readmeApp = latest;
  }
  // Jest/Vitest examples use the runner's globals; only their shape matters here.
  writeFileSync(
    join(dir, 'test-globals.d.ts'),
    [
      'declare function describe(name: string, fn: () => void): void;',
      'declare function it(name: string, fn: () => unknown): void;',
      'declare function beforeAll(fn: () => unknown): void;',
      'declare function afterAll(fn: () => unknown): void;',
      'declare function expect(value: unknown): { toBe(v: unknown): void; toEqual(v: unknown): void };',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        lib: ['ES2023'],
        types: ['node'],
        strict: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        skipLibCheck: true,
        noEmit: true,
      },
      include: ['**/*.ts'],
      exclude: ['node_modules'],
    }),
  );
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', join(dir, 'tsconfig.json')], {
    encoding: 'utf8',
  });
  assert.equal(tsc.status, 0, `${mode} snippets do not compile:\n${tsc.stdout}${tsc.stderr}`);
  return { count, perDocument };
}

describe('README and docs/', () => {
  for (const mode of ['cjs', 'esm'] as const) {
    it(`every TypeScript snippet compiles in ${mode === 'cjs' ? 'a CommonJS' : 'an ES module'} app`, (t) => {
      const { count, perDocument } = compileSnippets(mode);
      t.diagnostic(`${count} snippets compiled (${[...perDocument].map(([d, n]) => `${d}: ${n}`).join(', ')})`);
      assert.ok((perDocument.get('README.md') ?? 0) >= 4, 'expected the README Quick start to hold TypeScript snippets');
      assert.ok(count >= 40, `expected the docs to hold TypeScript snippets, found ${count}`);
    });
  }

  it('has no top-level await in any snippet, whatever the app', () => {
    // tsc rejects it in the CommonJS app (TS1309); this names the snippet for the ESM-only ones.
    for (const document of DOCUMENTS) {
      for (const snippet of tsSnippets(document, 'esm')) {
        assert.doesNotMatch(snippet.code, /^(?:const \w+ = )?await /m, `${document} line ${snippet.line}: top-level await`);
      }
    }
  });

  it('documents only options that exist, and every option that exists', () => {
    const page = readFileSync(join('docs', 'options.md'), 'utf8');
    const documented = new Set([...page.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]));
    const declared = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(HudOptions, '', true, false)
        .map((metadata) => metadata.propertyName),
    );
    assert.ok(documented.size >= 10, `expected the options table, found ${[...documented].join(', ')}`);
    assert.deepEqual([...documented].filter((name) => !declared.has(name)), [], 'documented but not an option');
    assert.deepEqual([...declared].filter((name) => !documented.has(name)), [], 'an option docs/options.md does not document');
  });

  it('uses no word a reader cannot look up', () => {
    for (const document of DOCUMENTS) {
      const text = readFileSync(document, 'utf8');
      assert.doesNotMatch(text, /\bseed\b|\bcontract\b|the design|section \d/i, document);
      assert.doesNotMatch(text, /<this repository>|<your[- ]repo/i, `${document}: a placeholder where an address belongs`);
    }
  });
});
