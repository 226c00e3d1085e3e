// Lint: type-aware rules everywhere, plus the layer rules that keep each environment honest (shared: no
// Node/DOM/Electron; protocol core, session process, shell links, web, CLI: no Electron; the core: no layer above
// it; renderer: no Node/Electron; the usb package only under main/usb/).
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
// `names` are exact module names ('electron', 'usb'); `patterns` are gitignore-style globs over import paths. ESLint
// applies one no-restricted-imports setting per file (the last matching block wins), so each block below lists
// everything its layer may not import.
const restrict = ({ names = [], patterns = [] }, message) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: names.map((name) => ({ name, message })),
      patterns: patterns.map((group) => ({ group: [group], message })),
    },
  ],
});
const USB_ONLY_IN_MAIN_USB = 'the usb package is imported only under main/usb/ (the USB backend)';

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
    // Everything else (tests, scripts): the usb package only through main/usb/.
    files: ['**/*.ts'],
    rules: restrict({ names: ['usb'] }, USB_ONLY_IN_MAIN_USB),
  },
  {
    files: ['shared/**/*.ts'],
    rules: restrict(
      {
        names: ['electron', 'usb'],
        patterns: [...nodeBuiltins, '../main/*', '../renderer/*', '../preload/*'],
      },
      'shared/ is plain data: no Node, DOM or Electron',
    ),
  },
  {
    // The plain-Node side: the protocol core, the session process and its link to the shells, `saffron web`, the
    // CLI. None of it may use Electron or reach into the Electron shell.
    files: [
      'main/spice/**/*.ts',
      'main/session/**/*.ts',
      'main/ipc/**/*.ts',
      'main/web/**/*.ts',
      'main/cli/**/*.ts',
      'main/audio/**/*.ts',
      'main/gateway/**/*.ts',
    ],
    rules: restrict(
      { names: ['electron', 'usb'], patterns: ['**/renderer/**', '**/app/**', '**/windows/**'] },
      'plain Node (core, session process, web, CLI): no Electron, no Electron shell modules, no direct usb',
    ),
  },
  {
    // The protocol core sits below everything: it imports none of the layers built on it.
    files: ['main/spice/**/*.ts'],
    rules: restrict(
      {
        names: ['electron', 'usb'],
        patterns: [
          '**/renderer/**',
          '**/app/**',
          '**/windows/**',
          '**/web/**',
          '**/ipc/**',
          '**/cli/**',
          '**/session/**',
        ],
      },
      'the protocol core imports no shell, session process or CLI module, no Electron, no direct usb',
    ),
  },
  {
    files: ['main/usb/**/*.ts'],
    rules: restrict(
      { names: ['electron'], patterns: ['**/renderer/**', '**/app/**', '**/windows/**'] },
      'the USB backend is plain Node',
    ),
  },
  {
    files: ['main/app/**/*.ts', 'main/windows/**/*.ts', 'main/index.ts'],
    rules: restrict({ names: ['usb'], patterns: ['**/renderer/**'] }, USB_ONLY_IN_MAIN_USB),
  },
  {
    files: ['main/spice/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['renderer/**/*.ts'],
    rules: restrict(
      { names: ['electron', 'usb'], patterns: [...nodeBuiltins, '**/main/**', '**/preload/**'] },
      'the renderer is sandboxed: no Node, no Electron',
    ),
  },
  {
    files: ['preload/**/*.ts'],
    rules: restrict(
      { names: ['usb'], patterns: [...nodeBuiltins, '**/main/**', '**/renderer/**'] },
      'preload uses the shared contract only',
    ),
  },
);
