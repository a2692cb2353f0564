import { svelte } from '@sveltejs/vite-plugin-svelte';
import license from 'rollup-plugin-license';
import { defineConfig } from 'vitest/config';

/** The npm packages bundled into the UI, with their licences, for About (read by the app). */
const thirdParty = license({
  thirdParty: {
    includePrivate: false,
    output: {
      file: 'dist/third-party-npm.json',
      template: (packages) =>
        JSON.stringify(
          packages.map((p) => ({
            name: p.name,
            version: p.version,
            license: p.license ?? 'see its repository',
            repository: typeof p.repository === 'string' ? p.repository : (p.repository?.url ?? null),
          })),
        ),
    },
  },
});

// The UI is embedded in the binary at compile time: no dev server, no remote content.
export default defineConfig({
  plugins: [svelte(), thirdParty],
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
