import { defineConfig } from 'tsup';

// ESM and CJS builds with their own .d.ts; shims give the CJS build an import.meta.url.
export default defineConfig({
  entry: { index: 'lib/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  shims: true,
  sourcemap: true,
  clean: true,
  outDir: 'dist',
  outExtension: ({ format }) => ({ js: format === 'cjs' ? '.cjs' : '.js' }),
  target: 'node18',
});
