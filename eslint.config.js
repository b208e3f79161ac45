// Lint: ESLint with typescript-eslint's recommended rules plus the type-checked rules that catch
// promise mistakes. Pure JavaScript tools on purpose: the npm registry mirror CI installs from lacks
// other platforms' native linter binaries, and a lockfile that can't name them fails `npm ci` (see
// README, Tooling decisions).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// TypeScript type-checks every folder against both the DOM and Node typings, so the compiler can't
// tell which runtime a folder runs in. These lists can: a name that only one runtime has.
const shared = new Set([...Object.keys(globals['shared-node-browser']), ...Object.keys(globals.es2022)]);
const onlyIn = (runtime, message) =>
  Object.keys(runtime)
    .filter((name) => !shared.has(name))
    .map((name) => ({ name, message }));
const nodeOnlyGlobals = onlyIn(globals.node, 'Node only; this folder also runs in browsers.');
const browserOnlyGlobals = onlyIn(
  { ...globals.browser, ...globals.worker },
  'browser only; this folder also runs on servers.',
);
const nodeImports = {
  patterns: [{ regex: '^node:', message: 'this folder runs in browsers; Node APIs belong in src/node' }],
  paths: ['fs', 'path', 'os', 'http', 'https', 'stream', 'crypto', 'buffer', 'url', 'worker_threads'].map(
    (name) => ({ name, message: 'this folder runs in browsers; Node APIs belong in src/node' }),
  ),
};

// Files the type-checked rules can see: the ones tsconfig.json includes, plus the React example's own.
const typedFiles = [
  '{src,workers,test,e2e,bench,demo,scripts}/**/*.{ts,tsx}',
  'examples/react/**/*.{ts,tsx}',
  '*.ts',
];

export default tseslint.config(
  {
    ignores: ['dist/', 'node_modules/', 'test-results/', 'playwright-report/', 'bench/results/', '**/*.d.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    files: typedFiles,
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/no-base-to-string': 'error',
      '@typescript-eslint/restrict-template-expressions': 'error',
    },
  },
  {
    // Browser code: the SDK engine, the UI, the hash workers and the package entry.
    files: ['src/upload/**', 'src/ui/**', 'workers/**', 'src/index.ts'],
    rules: {
      'no-restricted-globals': ['error', ...nodeOnlyGlobals],
      'no-restricted-imports': ['error', nodeImports],
    },
  },
  {
    // Runs anywhere fetch does: browsers, Node, edge runtimes.
    files: ['src/b2/**', 'src/protocol.ts', 'src/error-name.ts'],
    rules: {
      'no-restricted-globals': ['error', ...nodeOnlyGlobals, ...browserOnlyGlobals],
      'no-restricted-imports': ['error', nodeImports],
    },
  },
  {
    // Server side: the broker core runs on any server runtime, its Node adapter on Node.
    files: ['src/broker/**'],
    ignores: ['src/broker/node.ts'],
    rules: {
      'no-restricted-globals': ['error', ...nodeOnlyGlobals, ...browserOnlyGlobals],
      'no-restricted-imports': ['error', nodeImports],
    },
  },
  {
    files: ['src/broker/node.ts'],
    rules: { 'no-restricted-globals': ['error', ...browserOnlyGlobals] },
  },
);
