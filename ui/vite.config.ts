import { svelte } from '@sveltejs/vite-plugin-svelte';
import license from 'rollup-plugin-license';
import { defineConfig } from 'vitest/config';

/**
 * The npm packages bundled into the UI, with their licences and the texts of their licence and
 * notice files (each text once; a package names its texts by index), for About and the
 * package's copyright file (read by the app).
 */
const thirdParty = license({
  thirdParty: {
    includePrivate: false,
    output: {
      file: 'dist/third-party-npm.json',
      template: (packages) => {
        const texts: string[] = [];
        const index = (text: string) => {
          const known = texts.indexOf(text);
          return known >= 0 ? known : texts.push(text) - 1;
        };
        const listed = packages.map((p) => ({
          name: p.name,
          version: p.version,
          license: p.license ?? 'see its repository',
          repository: typeof p.repository === 'string' ? p.repository : (p.repository?.url ?? null),
          texts: [p.licenseText, p.noticeText]
            .filter((text): text is string => typeof text === 'string' && text.trim() !== '')
            .map((text) => index(text.replace(/\r\n/g, '\n').trimEnd())),
        }));
        return JSON.stringify({ packages: listed, texts });
      },
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
