import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';

export default ts.config(
  { ignores: ['dist/', 'node_modules/', 'src/bindings.ts'] },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser } },
  },
  {
    rules: {
      // The UI reaches Rust only through src/api.ts.
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@tauri-apps/api/core', message: 'Use the typed wrappers in src/api.ts.' }] },
      ],
    },
  },
  {
    files: ['src/api.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
