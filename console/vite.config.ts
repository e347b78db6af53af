import preact from '@preact/preset-vite';
import { defineConfig } from 'vitest/config';

// One build for every place it runs: the console is served under /app/ (the local stack, CloudFront),
// and reads its API URL and user pool from /app/config.json at start (src/config.ts).
export default defineConfig({
  base: '/app/',
  plugins: [preact()],
  build: { outDir: 'dist', sourcemap: false, target: 'es2022' },
  test: { environment: 'happy-dom', include: ['tests/**/*.test.{ts,tsx}'], setupFiles: ['tests/setup.ts'] },
});
