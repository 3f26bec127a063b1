// The API reference builds with no warning: `npm run docs` runs the same TypeDoc configuration
// (typedoc.json), in which every warning is an error and every export, parameter and property must
// be documented. Runs in memory (convert + validate, nothing written), so docs/api is untouched.
import { join } from 'node:path';
import { Application, DeclarationReflection, Logger, LogLevel, ReflectionKind, type ProjectReflection } from 'typedoc';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');

/** Collects warnings and errors instead of printing them. */
class CollectingLogger extends Logger {
  readonly messages: string[] = [];
  override log(message: string, level: LogLevel): void {
    if (level >= LogLevel.Warn) this.messages.push(`${LogLevel[level]}: ${message}`);
  }
}

let app: Application;
let logger: CollectingLogger;
let project: ProjectReflection | undefined;
let bootMessages: { errors: number; warnings: number };

beforeAll(async () => {
  app = await Application.bootstrapWithPlugins({ options: join(root, 'typedoc.json') });
  bootMessages = { errors: app.logger.errorCount, warnings: app.logger.warningCount };
  logger = new CollectingLogger();
  app.logger = logger;
  project = await app.convert();
}, 60_000);

function find(path: string[]): DeclarationReflection {
  const r = project?.getChildByName(path);
  if (!(r instanceof DeclarationReflection)) throw new Error(`${path.join('.')} is not in the API reference`);
  return r;
}

describe('npm run docs (typedoc.json)', () => {
  it('uses the strict settings: warnings are errors, every export and parameter documented', () => {
    expect(bootMessages).toEqual({ errors: 0, warnings: 0 });
    expect(app.options.getValue('entryPoints').map((p) => p.replace(/\\/g, '/'))).toEqual([join(root, 'lib/index.ts').replace(/\\/g, '/')]);
    expect(app.options.getValue('treatWarningsAsErrors')).toBe(true);
    const validation = app.options.getValue('validation');
    expect(validation).toMatchObject({ notExported: true, notDocumented: true, invalidLink: true });
    expect(app.options.getValue('requiredToBeDocumented')).toEqual(
      expect.arrayContaining(['Namespace', 'Function', 'Class', 'Interface', 'Constructor', 'Property', 'Method', 'Parameter', 'Accessor', 'TypeAlias', 'Variable']),
    );
  });

  it('converts lib/index.ts and validates it with no warning or error', () => {
    expect(project).toBeDefined();
    app.validate(project as ProjectReflection);
    expect(logger.messages).toEqual([]);
    expect(logger.errorCount + logger.warningCount + logger.validationWarningCount).toBe(0);
  });

  it('holds the key exports, documented', () => {
    const expected: [string[], ReflectionKind][] = [
      [['clipGradNorm'], ReflectionKind.Function],
      [['getTotalNorm'], ReflectionKind.Function],
      [['Adam'], ReflectionKind.Class],
      [['GradientMonitor'], ReflectionKind.Class],
      [['Trainer'], ReflectionKind.Class],
      [['ops'], ReflectionKind.Namespace],
      [['ops', 'matmul'], ReflectionKind.Function],
      [['ops', 'lstmBackward'], ReflectionKind.Function],
      [['nn'], ReflectionKind.Namespace],
      [['nn', 'Linear'], ReflectionKind.Class],
      [['nn', 'Module'], ReflectionKind.Class],
      [['dist'], ReflectionKind.Namespace],
      [['dist', 'allReduce'], ReflectionKind.Function],
      [['monitor'], ReflectionKind.Namespace],
      [['train'], ReflectionKind.Namespace],
    ];
    for (const [path, kind] of expected) {
      const r = find(path);
      expect(ReflectionKind[r.kind], path.join('.')).toBe(ReflectionKind[kind]);
      const documented = r.hasComment() || (r.signatures ?? []).some((s) => s.hasComment());
      expect(documented, `${path.join('.')} has TSDoc`).toBe(true);
    }
    // Parameter-level documentation is there too.
    const [matmul] = find(['ops', 'matmul']).signatures ?? [];
    expect(matmul.parameters?.map((p) => [p.name, p.hasComment()])).toEqual([['a', true], ['b', true], ['c', true], ['options', true]]);
  });

  it('would fail on an undocumented parameter (the check is not vacuous)', () => {
    const [matmul] = find(['ops', 'matmul']).signatures ?? [];
    const a = matmul.parameters?.find((p) => p.name === 'a');
    expect(a).toBeDefined();
    const saved = a!.comment;
    a!.comment = undefined;
    try {
      app.validate(project as ProjectReflection);
    } finally {
      a!.comment = saved;
    }
    expect(logger.messages.join('\n')).toMatch(/ops\.matmul\.a \(Parameter\).*does not have any documentation/);
  });
});
