// Finds every parameter of the public API that takes an options object, from the TypeScript
// declarations of lib/index.ts (the compiler API): exported functions, constructors and public
// methods, recursively through the namespaces (ops, nn, monitor, train, dist). Used by
// options.test.ts, whose table of calls must cover exactly what this finds.
import { join } from 'node:path';
import ts from 'typescript';

const root = join(__dirname, '..', '..');

/**
 * One options parameter: `key` is `path(i)` for a function, `new path(i)` for a constructor and
 * `Class.prototype.method(i)` for a method (named by the class that declares it, so an inherited
 * method is listed once), i being the parameter's position.
 */
export interface OptionParam {
  key: string;
  /** The parameter's name and declared type, for the failure message. */
  param: string;
}

/**
 * Options-like: named `options` (or `…Options`), or typed as an object type (interface or type
 * literal, not a class, array, typed array or function) whose properties are all optional, such as
 * `state?: { h0?, c0? }` or `grads: { gradX?, gradWeight?, gradBias? }`.
 */
function isOptionsLike(checker: ts.TypeChecker, p: ts.Symbol, decl: ts.Node): boolean {
  if (/options$/i.test(p.name)) return true;
  const type = checker.getNonNullableType(checker.getTypeOfSymbolAtLocation(p, decl));
  const parts = type.isUnion() ? type.types : [type];
  return parts.some((t) => {
    if (!(t.flags & ts.TypeFlags.Object)) return false;
    if (t.getCallSignatures().length || t.getConstructSignatures().length || checker.isArrayLikeType(t)) return false;
    const sym = t.aliasSymbol ?? t.getSymbol();
    if (sym && sym.flags & ts.SymbolFlags.Class) return false;
    const props = checker.getPropertiesOfType(t);
    return props.length > 0 && props.every((q) => (q.flags & ts.SymbolFlags.Optional) !== 0);
  });
}

function isPublic(decl: ts.Declaration): boolean {
  const flags = ts.getCombinedModifierFlags(decl);
  if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return false;
  const n = (decl as ts.NamedDeclaration).name;
  if (n && ts.isPrivateIdentifier(n)) return false;
  return !ts.getJSDocTags(decl).some((t) => t.tagName.text === 'internal');
}

/** Every options parameter of the public API, sorted by key. */
export function optionParams(): OptionParam[] {
  const program = ts.createProgram([join(root, 'lib', 'index.ts')], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    types: ['node'],
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const entry = program.getSourceFile(join(root, 'lib', 'index.ts'));
  if (!entry) throw new Error('lib/index.ts not found');
  const found = new Map<string, string>();
  const seenMethods = new Set<ts.Declaration>();

  const addSignatures = (prefix: string, sigs: readonly ts.Signature[]): void => {
    for (const sig of sigs) {
      sig.getParameters().forEach((p, i) => {
        const decl = p.valueDeclaration ?? sig.getDeclaration();
        if (decl && isOptionsLike(checker, p, decl)) found.set(`${prefix}(${i})`, `${p.name}: ${checker.typeToString(checker.getTypeOfSymbolAtLocation(p, decl))}`);
      });
    }
  };

  const walk = (moduleSymbol: ts.Symbol, path: string): void => {
    for (const exp of checker.getExportsOfModule(moduleSymbol)) {
      const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
      const name = path ? `${path}.${exp.name}` : exp.name;
      if (sym.flags & ts.SymbolFlags.ValueModule) {
        walk(sym, name);
      } else if (sym.flags & ts.SymbolFlags.Class) {
        const decl = sym.valueDeclaration as ts.ClassDeclaration;
        const ctorType = checker.getTypeOfSymbolAtLocation(sym, decl);
        const ctors = ctorType.getConstructSignatures().filter((s) => !s.declaration || isPublic(s.declaration));
        addSignatures(`new ${name}`, ctors);
        const instance = checker.getDeclaredTypeOfSymbol(sym);
        for (const [owner, members] of [['prototype', checker.getPropertiesOfType(instance)], ['static', checker.getPropertiesOfType(ctorType)]] as const) {
          for (const m of members) {
            const md = m.valueDeclaration;
            if (!md || !(m.flags & ts.SymbolFlags.Method) || !isPublic(md) || seenMethods.has(md)) continue;
            if (!md.getSourceFile().fileName.includes('/lib/')) continue;
            seenMethods.add(md);
            const cls = (md.parent as ts.ClassDeclaration).name?.text ?? name;
            const mt = checker.getTypeOfSymbolAtLocation(m, md);
            addSignatures(owner === 'prototype' ? `${cls}.prototype.${m.name}` : `${cls}.${m.name}`, mt.getCallSignatures());
          }
        }
      } else if (sym.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Variable)) {
        const decl = sym.valueDeclaration;
        if (!decl) continue;
        addSignatures(name, checker.getTypeOfSymbolAtLocation(sym, decl).getCallSignatures());
      }
    }
  };
  const moduleSymbol = checker.getSymbolAtLocation(entry);
  if (!moduleSymbol) throw new Error('lib/index.ts has no module symbol');
  walk(moduleSymbol, '');
  return [...found].map(([key, param]) => ({ key, param })).sort((a, b) => a.key.localeCompare(b.key));
}
