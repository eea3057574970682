/**
 * Reads the project's imports with the TypeScript parser: every static import and re-export,
 * type-only ones included, dynamic `import('...')`, `import('...')` types, `require('...')`,
 * module augmentations (`declare module '...'`) and `/// <reference path>`. Relative specifiers
 * and the package's own names (`exitgraph`, `exitgraph/early-exit`, ...) resolve to source files;
 * anything else is an external package. It also finds code that loads project files by path at
 * run time, which would hide a dependency from this graph.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** How a file refers to another. */
export type ImportKind = 'import' | 'import type' | 'export from' | 'dynamic import' | 'import type node' | 'require' | 'augmentation' | 'reference';

export interface ImportEdge {
  /** Importing file, relative to the root, with forward slashes. */
  readonly from: string;
  readonly specifier: string;
  readonly kind: ImportKind;
  /** 1-based line of the import. */
  readonly line: number;
  /** The project file it resolves to (relative to the root); undefined for external packages. */
  readonly to?: string;
  /** True for a relative or own-package specifier that matches no file. */
  readonly unresolved?: boolean;
}

/** Code that reaches project files by a path computed or spelled at run time. */
export interface PathLoading {
  readonly file: string;
  readonly line: number;
  readonly what: string;
}

export interface FileScan {
  readonly imports: ImportEdge[];
  readonly pathLoading: PathLoading[];
}

const CODE_FILE = /\.(?:[cm]?ts|[cm]?js)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'build', '.git']);

/** Every .ts/.js file under the given folders (relative to `root`), sorted, build outputs skipped. */
export function listCodeFiles(root: string, folders: readonly string[]): string[] {
  const found: string[] = [];
  const pending = folders.map((folder) => join(root, folder)).filter((dir) => existsSync(dir));
  while (pending.length) {
    const dir = pending.pop()!;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) pending.push(path);
      } else if (entry.isFile() && CODE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        found.push(toPosix(relative(root, path)));
      }
    }
  }
  return found.sort();
}

/** The package's own names (`exitgraph`, `exitgraph/testing`...) mapped to their source entry files. */
export function ownPackageEntries(root: string): Map<string, string> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; exports: Record<string, { default: string }> };
  const entries = new Map<string, string>();
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const name = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.replace(/^\.\//, '')}`;
    // dist/sdk/index.js is compiled from sdk/index.ts.
    entries.set(name, target.default.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'));
  }
  return entries;
}

/** Scans one source text; `file` is its path relative to `root`. */
export function scanSource(root: string, file: string, text: string, entries: ReadonlyMap<string, string>): FileScan {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKind(file));
  const imports: ImportEdge[] = [];
  const pathLoading: PathLoading[] = [];
  const lineOf = (node: ts.Node): number => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const add = (specifier: string, kind: ImportKind, node: ts.Node): void => {
    const target = resolveSpecifier(root, file, specifier, entries);
    imports.push({ from: file, specifier, kind, line: lineOf(node), ...target });
  };
  const flag = (node: ts.Node, what: string): void => void pathLoading.push({ file, line: lineOf(node), what });
  // Variables holding a createRequire(...) result: calling them loads by path.
  const requireFunctions = new Set<string>(['require']);

  for (const reference of source.referencedFiles) {
    imports.push({ from: file, specifier: reference.fileName, kind: 'reference', line: source.getLineAndCharacterOfPosition(reference.pos).line + 1, ...resolveSpecifier(root, file, reference.fileName.startsWith('.') ? reference.fileName : `./${reference.fileName}`, entries) });
  }

  const pending: ts.Node[] = [source];
  while (pending.length) {
    const node = pending.pop()!;
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly = node.importClause?.isTypeOnly ?? false;
      add(node.moduleSpecifier.text, typeOnly ? 'import type' : 'import', node);
      const bindings = node.importClause?.namedBindings;
      if (/^(?:node:)?module$/.test(node.moduleSpecifier.text) && bindings && ts.isNamedImports(bindings) && bindings.elements.some((e) => (e.propertyName ?? e.name).text === 'register')) {
        flag(node, `imports register from ${node.moduleSpecifier.text}: a module resolution hook can map any specifier to a project file`);
      }
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      add(node.moduleReference.expression.text, 'require', node);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, 'export from', node);
    } else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) {
      add(node.name.text, 'augmentation', node);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, 'import type node', node);
    } else if (ts.isCallExpression(node)) {
      const [argument] = node.arguments;
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        if (argument && isLiteralString(argument)) add(argument.text, 'dynamic import', node);
        else flag(node, `import() of a computed path: import(${argument?.getText(source) ?? ''})`);
      } else if (isCreateRequireCall(node)) {
        const parent = node.parent;
        if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) requireFunctions.add(parent.name.text);
      } else if (isRequireLike(node.expression, requireFunctions)) {
        const call = `${node.expression.getText(source)}(${argument?.getText(source) ?? ''})`;
        if (!argument || !isLiteralString(argument)) flag(node, `${call}: require of a computed path`);
        else if (isRelativeOrAbsolute(argument.text)) flag(node, `${call}: require of a project file by path`);
        else add(argument.text, 'require', node);
      }
    } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'URL' && isImportMetaUrl(node.arguments?.[1])) {
      const [target] = node.arguments ?? [];
      // A folder next to the module (the package root, static files) is fine; a module file is code by path.
      if (target && isLiteralString(target) && CODE_FILE.test(target.text)) flag(node, `new URL('${target.text}', import.meta.url): a code file by path`);
    }
    pending.push(...node.getChildren(source));
  }
  imports.sort((a, b) => a.line - b.line);
  pathLoading.sort((a, b) => a.line - b.line);
  return { imports, pathLoading };
}

/** Scans every file (paths relative to `root`). */
export function scanFiles(root: string, files: readonly string[]): Map<string, FileScan> {
  const entries = ownPackageEntries(root);
  return new Map(files.map((file) => [file, scanSource(root, file, readFileSync(join(root, file), 'utf8'), entries)]));
}

/**
 * Every import cycle between files, each once, as a path that starts and ends at the same file
 * (`a -> b -> a`). Tarjan's strongly connected components, iteratively; one cycle per component.
 */
export function findCycles(edges: readonly ImportEdge[]): string[][] {
  const graph = new Map<string, Set<string>>();
  for (const edge of edges) {
    if (!edge.to) continue;
    if (!graph.has(edge.from)) graph.set(edge.from, new Set());
    if (!graph.has(edge.to)) graph.set(edge.to, new Set());
    graph.get(edge.from)!.add(edge.to);
  }
  const nodes = [...graph.keys()].sort();
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const start of nodes) {
    if (index.has(start)) continue;
    const work: { node: string; next: Iterator<string> }[] = [];
    const open = (node: string): void => {
      index.set(node, counter);
      low.set(node, counter++);
      stack.push(node);
      onStack.add(node);
      work.push({ node, next: [...graph.get(node)!].sort()[Symbol.iterator]() });
    };
    open(start);
    while (work.length) {
      const frame = work[work.length - 1]!;
      const step = frame.next.next();
      if (!step.done) {
        const next = step.value;
        if (!index.has(next)) open(next);
        else if (onStack.has(next)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(next)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = component.length === 1 && graph.get(member)!.has(member);
        if (component.length > 1 || selfLoop) components.push(component);
      }
    }
  }
  return components.map((component) => cycleWithin(new Set(component), graph));
}

/** A shortest cycle through the component's first file (sorted), found breadth-first. */
function cycleWithin(component: ReadonlySet<string>, graph: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const start = [...component].sort()[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    for (const next of [...graph.get(node)!].sort()) {
      if (!component.has(next)) continue;
      if (next === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

/** `a.ts -> b.ts (line 3) -> a.ts` with the line of each import, for failure messages. */
export function describeCycle(cycle: readonly string[], edges: readonly ImportEdge[]): string {
  return cycle
    .map((file, i) => {
      const next = cycle[i + 1];
      if (next === undefined) return file;
      const edge = edges.find((e) => e.from === file && e.to === next);
      return `${file}:${edge?.line ?? '?'} (${edge?.kind ?? 'import'} '${edge?.specifier ?? next}')`;
    })
    .join('\n  -> ');
}

function resolveSpecifier(root: string, file: string, specifier: string, entries: ReadonlyMap<string, string>): { to?: string; unresolved?: boolean } {
  const own = entries.get(specifier);
  if (own) return existsSync(join(root, own)) ? { to: own } : { unresolved: true };
  if (!isRelativeOrAbsolute(specifier)) return {};
  let base = resolve(root, dirname(file), specifier);
  // Compiled output (bin/exitgraph.js runs dist/bin/cli/main.js) stands for the source it is built
  // from; so does the CLI bundle (dist/cli/main.js, bin/bundle-cli.mjs) for the module it bundles.
  let fromRoot = toPosix(relative(root, base));
  if (fromRoot === 'dist/cli/main.js') fromRoot = 'dist/bin/cli/main.js';
  if (fromRoot.startsWith('dist/')) base = join(root, fromRoot.slice('dist/'.length));
  const stem = base.replace(/\.(?:[cm]?js)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.mts`, `${stem}.cts`, `${stem}.tsx`, `${base}.ts`, `${base}.js`, join(base, 'index.ts'), join(base, 'index.js')];
  const found = candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
  return found ? { to: toPosix(relative(root, found)) } : { unresolved: true };
}

function isRelativeOrAbsolute(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('/') || specifier === '.' || specifier === '..';
}

function isLiteralString(node: ts.Node): node is ts.StringLiteral | ts.NoSubstitutionTemplateLiteral {
  return ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node);
}

function isImportMetaUrl(node: ts.Node | undefined): boolean {
  return node !== undefined && ts.isPropertyAccessExpression(node) && ts.isMetaProperty(node.expression) && node.expression.keywordToken === ts.SyntaxKind.ImportKeyword && node.name.text === 'url';
}

function isCreateRequireCall(node: ts.CallExpression): boolean {
  return ts.isIdentifier(node.expression) && node.expression.text === 'createRequire';
}

/** `require(x)`, `require.resolve(x)`, `createRequire(...)(x)`, `createRequire(...).resolve(x)`, or a variable holding one. */
function isRequireLike(callee: ts.Expression, requireFunctions: ReadonlySet<string>): boolean {
  const target = ts.isPropertyAccessExpression(callee) && callee.name.text === 'resolve' ? callee.expression : callee;
  if (ts.isIdentifier(target)) return requireFunctions.has(target.text);
  return ts.isCallExpression(target) && isCreateRequireCall(target);
}

function scriptKind(file: string): ts.ScriptKind {
  return /\.[cm]?ts$/.test(file) ? ts.ScriptKind.TS : ts.ScriptKind.JS;
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}
