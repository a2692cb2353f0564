import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

// The UI is embedded in the binary at compile time: no dev server, no remote content.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  build: {
    target: 'safari16',
    outDir: 'dist',
    emptyOutDir: true,
    // Everything inline-free and local, so the strict CSP holds.
    assetsInlineLimit: 0,
  },
  test: {
    include: ['src/**/*.test.ts'],
  },
});
