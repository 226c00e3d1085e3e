// Lint: type-aware rules everywhere, plus the layer rules that keep each environment honest
// (shared: no Node/DOM/Electron; protocol core and CLI: no Electron; renderer: no Node/Electron).
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'node:*',
  'fs',
  'net',
  'tls',
  'crypto',
  'path',
  'os',
  'child_process',
  'worker_threads',
];
const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: patterns.map((group) => ({ group: [group], message })) }],
});

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'release/',
      'test/fixtures/',
      'test/server/build/',
      '**/*.mjs',
      '**/*.cjs',
      'bin/',
      '.scratch/**',
      '**/*.tmp.*',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test()/describe() return promises the runner tracks itself
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/only-throw-error': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: restrict(
      [...nodeBuiltins, 'electron', '../main/*', '../renderer/*', '../preload/*'],
      'shared/ is plain data: no Node, DOM or Electron',
    ),
  },
  {
    files: [
      'main/spice/**/*.ts',
      'main/cli/**/*.ts',
      'main/audio/**/*.ts',
      'main/web/**/*.ts',
      'main/gateway/**/*.ts',
    ],
    rules: restrict(
      ['electron', 'usb', '**/renderer/**'],
      'the protocol core and CLI run in plain Node: no Electron, no direct usb',
    ),
  },
  {
    files: ['main/spice/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['renderer/**/*.ts'],
    rules: restrict(
      [...nodeBuiltins, 'electron', '**/main/**', '**/preload/**'],
      'the renderer is sandboxed: no Node, no Electron',
    ),
  },
  {
    files: ['preload/**/*.ts'],
    rules: restrict(
      [...nodeBuiltins, '**/main/**', '**/renderer/**'],
      'preload exposes the shared contract only',
    ),
  },
);
