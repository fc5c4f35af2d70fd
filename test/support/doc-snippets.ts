import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

/**
 * Runs the code a docs page shows, as written: the page's ```ts blocks named by their first
 * line (`// inventory.controller.ts`) are compiled (decorators and their metadata, as a Nest
 * app compiles them) into `.build/doc-run/<page>/` as ES modules, and the one asked for is
 * imported. `nestjs-hud` resolves to this package's ESM build, the one the tests import, so
 * a snippet's HudModule is the tests' HudModule. Only the first block of each name is taken.
 */
export async function importDocSnippet<T = Record<string, unknown>>(page: string, file: string): Promise<T> {
  const text = readFileSync(join('docs', page), 'utf8');
  const dir = resolve('.build', 'doc-run', basename(page, '.md'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  symlinkSync(resolve('.'), join(dir, 'node_modules', 'nestjs-hud'), 'dir');
  const written = new Set<string>();
  for (const match of text.matchAll(/^```ts\n\/\/ ([\w.-]+)\.ts\b[^\n]*\n([\s\S]*?)^```/gm)) {
    const [, name, code] = match;
    if (written.has(name)) continue;
    written.add(name);
    const output = ts.transpileModule(code, {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        useDefineForClassFields: false,
      },
    });
    writeFileSync(join(dir, `${name}.js`), output.outputText);
  }
  if (!written.has(file.replace(/\.ts$/, ''))) throw new Error(`docs/${page} has no snippet named ${file}`);
  return (await import(pathToFileURL(join(dir, file.replace(/\.ts$/, '.js'))).href)) as T;
}
