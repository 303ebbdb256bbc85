import { defineConfig } from 'vite';

// `base: './'`: the built page works from any folder (Searchlight serves it at
// /examples/embed/). `npm run dev` proxies the API to a local Searchlight, so the page and
// the API share one origin, as they must for the session cookie.
export default defineConfig({
  base: './',
  server: {
    proxy: {
      '/callosum': process.env.SEARCHLIGHT_URL || 'http://127.0.0.1:8088',
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1000,
  },
});
