/**
 * Jest transform: TypeScript to CommonJS with esbuild (already our bundler),
 * type annotations stripped only; `npm run typecheck` does the type checking.
 */
const { transformSync } = require('esbuild');

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: 'ts',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'external',
      sourcefile: filename,
    });
    return { code, map };
  },
};
