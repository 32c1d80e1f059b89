/**
 * Lists every public export (each `exports` entry of package.json, followed
 * through re-exports) whose declaration has no TSDoc `@example`. Used by
 * test/tsdoc-coverage.test.ts; run alone with `npx tsx scripts/tsdoc-coverage.ts`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The source file behind each public entry point (`./dist/x/index.js` → `src/x/index.ts`). */
export function publicEntries(): Map<string, string> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { default: string }>;
  };
  const entries = new Map<string, string>();
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const file = typeof target === 'string' ? target : target.default;
    if (!file.startsWith('./dist/')) continue;
    entries.set(subpath, join(root, file.replace('./dist/', 'src/').replace(/\.js$/, '.ts')));
  }
  return entries;
}

function hasExample(decl: ts.Declaration): boolean {
  // Members of an exported interface or class are documented by their owner's example.
  return ts.getJSDocTags(decl).some((tag) => tag.tagName.text === 'example');
}

/** `subpath: name (file)` for every public export without an `@example`. */
export function missingExamples(): string[] {
  const entries = publicEntries();
  const program = ts.createProgram([...entries.values()], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const missing = new Set<string>();
  for (const [subpath, file] of entries) {
    const source = program.getSourceFile(file);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`cannot read entry ${subpath} (${file})`);
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const decls = symbol.declarations ?? [];
      if (decls.length === 0 || decls.some(hasExample)) continue;
      const where = decls[0]!.getSourceFile().fileName.slice(root.length + 1);
      missing.add(`${subpath}: ${exported.name} (${where})`);
    }
  }
  return [...missing].sort();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const missing = missingExamples();
  for (const line of missing) console.log(line);
  console.log(`${missing.length} public exports without an @example`);
  process.exitCode = missing.length > 0 ? 1 : 0;
}
