/**
 * The package's public surface as TypeScript sees it: every name each entry point exports, and the
 * types its exported declarations mention that the entry point does not export.
 */
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The package.json `exports` entries and their sources. */
export const ENTRY_POINTS: Record<string, string> = {
  b2up: 'src/index.ts',
  'b2up/b2': 'src/b2/index.ts',
  'b2up/broker': 'src/broker/index.ts',
  'b2up/broker/node': 'src/broker/node.ts',
  'b2up/emulator': 'src/emulator/index.ts',
  'b2up/element': 'src/ui/element.ts',
  'b2up/react': 'src/ui/react.ts',
  'b2up/vue': 'src/ui/vue.ts',
};

let program: ts.Program | undefined;

function load(): ts.Program {
  if (program) return program;
  const config = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  )!;
  program = ts.createProgram(
    Object.values(ENTRY_POINTS).map((file) => join(ROOT, file)),
    config.options,
  );
  return program;
}

function moduleSymbol(entry: string): { checker: ts.TypeChecker; symbol: ts.Symbol } {
  const checker = load().getTypeChecker();
  const source = load().getSourceFile(join(ROOT, ENTRY_POINTS[entry]!));
  const symbol = source && checker.getSymbolAtLocation(source);
  if (!symbol) throw new Error(`no module for ${entry}`);
  return { checker, symbol };
}

/** Every exported name of an entry point, values and types, sorted. */
export function exportedNames(entry: string): string[] {
  const { checker, symbol } = moduleSymbol(entry);
  return checker
    .getExportsOfModule(symbol)
    .map((s) => s.name)
    .sort();
}

/**
 * Types that the entry's exported declarations name (in parameters, results, properties, bases) and
 * that come from this package's sources without being exported by any entry point: a user can
 * receive a value of such a type but cannot write its name.
 */
export function unexportedTypesInSignatures(entry: string): string[] {
  const { checker, symbol } = moduleSymbol(entry);
  const exported = new Set<ts.Symbol>();
  for (const other of Object.keys(ENTRY_POINTS)) {
    const module = moduleSymbol(other).symbol;
    for (const s of checker.getExportsOfModule(module)) exported.add(resolveAlias(checker, s));
  }
  const missing = new Set<string>();
  const visit = (node: ts.Node, from: string): void => {
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
      const name = ts.isTypeReferenceNode(node) ? node.typeName : node.expression;
      const target = checker.getSymbolAtLocation(name);
      if (target) {
        const resolved = resolveAlias(checker, target);
        const declaration = resolved.declarations?.[0];
        const file = declaration?.getSourceFile().fileName ?? '';
        const ours = file.startsWith(join(ROOT, 'src')) && !ts.isTypeParameterDeclaration(declaration!);
        if (ours && !exported.has(resolved)) {
          missing.add(`${resolved.name} (${relative(ROOT, file)}, in ${from})`);
        }
      }
    }
    // Function bodies, constructors and private members are not part of what users see.
    if (ts.isBlock(node) || ts.isConstructorDeclaration(node)) return;
    if ((ts.isClassElement(node) && node.name && ts.isPrivateIdentifier(node.name)) || isPrivate(node))
      return;
    ts.forEachChild(node, (child) => visit(child, from));
  };
  for (const s of checker.getExportsOfModule(symbol).map((e) => resolveAlias(checker, e))) {
    for (const declaration of s.declarations ?? []) {
      if (declaration.getSourceFile().fileName.startsWith(join(ROOT, 'src'))) visit(declaration, s.name);
    }
  }
  return [...missing].sort();
}

function isPrivate(node: ts.Node): boolean {
  return (
    ts.canHaveModifiers(node) &&
    (ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword) ?? false)
  );
}

function resolveAlias(checker: ts.TypeChecker, symbol: ts.Symbol): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/** The property names of an exported interface or type alias of the `b2up` entry. */
export function propertiesOf(entry: string, typeName: string): string[] {
  const { checker, symbol } = moduleSymbol(entry);
  const found = checker.getExportsOfModule(symbol).find((s) => s.name === typeName);
  if (!found) throw new Error(`${entry} does not export ${typeName}`);
  const type = checker.getDeclaredTypeOfSymbol(resolveAlias(checker, found));
  return checker
    .getPropertiesOfType(type)
    .map((p) => p.name)
    .sort();
}
