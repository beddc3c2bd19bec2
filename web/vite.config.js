// SPDX-License-Identifier: GPL-3.0-only
//
// The portal is static files: `npm run build` writes them to dist/, which a
// hospital serves behind its own web server (docs/portal.md). Everything the
// page needs is bundled; it loads nothing from the internet at run time.
import { defineConfig } from 'vite';
import wasm from 'vite-plugin-wasm';

export default defineConfig({
	// Relative asset paths, so the portal can be served under any path.
	base: './',
	// umbral-pre's WebAssembly is imported as an ES module (the bundler build
	// of @nucypher/umbral-pre); `esnext` keeps the top-level await it needs.
	plugins: [wasm()],
	build: { target: 'esnext', chunkSizeWarningLimit: 4096 },
	optimizeDeps: { exclude: ['@nucypher/umbral-pre'] },
});
