import { defineConfig } from 'vitest/config';

// The app is served by the sandbox (and any static host) from the site root; `/sandbox.json`
// or `/config.json` beside index.html says where the API and the RPC are.
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 300,
  },
  server: {
    // The program's IDL (error table) lives at the repository root.
    fs: { allow: ['..'] },
  },
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    environment: 'node',
  },
});
