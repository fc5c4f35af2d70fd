import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { getMetadataStorage } from 'class-validator';
import { HudOptions } from 'nestjs-hud';

const README = readFileSync('README.md', 'utf8');

interface Snippet {
  file: string;
  code: string;
  line: number;
}

/**
 * Every ```ts block of the README (indented ones too). A block whose first line is a comment
 * naming a file (`// orders.controller.ts`) is written under that name, so the blocks of one
 * example can import each other; the others are numbered. A name seen again starts a new
 * example, in a folder of its own, which starts with the latest version of every file named
 * so far: the README's app grows from section to section.
 */
function tsSnippets(): Snippet[] {
  const snippets: Snippet[] = [];
  const fence = /^( *)```ts\n([\s\S]*?)^ *```/gm;
  let group = 1;
  let namesInGroup = new Set<string>();
  for (let match = fence.exec(README); match !== null; match = fence.exec(README)) {
    const indent = match[1].length;
    const code = match[2]
      .split('\n')
      .map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)))
      .join('\n');
    const line = README.slice(0, match.index).split('\n').length;
    const named = /^\/\/ ([\w.-]+\.ts)\b/.exec(code);
    if (named && namesInGroup.has(named[1])) {
      group++;
      namesInGroup = new Set();
    }
    if (named) namesInGroup.add(named[1]);
    snippets.push({ file: join(`example-${group}`, named ? named[1] : `snippet-${line}.ts`), code, line });
  }
  return snippets;
}

describe('README', () => {
  it('every TypeScript snippet compiles against the package', () => {
    const snippets = tsSnippets();
    assert.ok(snippets.length >= 5, `expected the README to hold TypeScript snippets, found ${snippets.length}`);
    // Inside the repository, so that `nestjs-hud` resolves to this package (self-reference).
    const dir = join('.build', 'readme-snippets');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const files = new Set<string>();
    const latest = new Map<string, string>();
    let group = '';
    for (const snippet of snippets) {
      assert.ok(!files.has(snippet.file), `two README snippets are named ${snippet.file}`);
      files.add(snippet.file);
      const folder = join(dir, dirname(snippet.file));
      if (folder !== group) {
        group = folder;
        mkdirSync(folder, { recursive: true });
        for (const [name, text] of latest) writeFileSync(join(folder, name), text);
      }
      const text = `// README.md line ${snippet.line}\nexport {};\n${snippet.code}`;
      writeFileSync(join(dir, snippet.file), text);
      if (!basename(snippet.file).startsWith('snippet-')) latest.set(basename(snippet.file), text);
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
        extends: '../../tsconfig.base.json',
        compilerOptions: { noEmit: true, noUnusedLocals: false, declaration: false },
        include: ['**/*.ts'],
      }),
    );
    const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', join(dir, 'tsconfig.json')], {
      encoding: 'utf8',
    });
    assert.equal(tsc.status, 0, `README snippets do not compile:\n${tsc.stdout}${tsc.stderr}`);
  });

  it('documents only options that exist, and every option that exists', () => {
    const section = README.slice(README.indexOf('## Module options'), README.indexOf('\n## ', README.indexOf('## Module options') + 5));
    const documented = new Set([...section.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]));
    const declared = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(HudOptions, '', true, false)
        .map((metadata) => metadata.propertyName),
    );
    assert.ok(documented.size >= 10, `expected the options table, found ${[...documented].join(', ')}`);
    assert.deepEqual([...documented].filter((name) => !declared.has(name)), [], 'documented but not an option');
    assert.deepEqual([...declared].filter((name) => !documented.has(name)), [], 'an option the README does not document');
  });
});
