// The page's service worker: the page works offline once loaded. It keeps the page, lopper's
// bundle, worker entry, kernels and demo model from the start, and a copy of every other
// same-origin GET (the data) as it passes; network first, so a rebuilt lopper is used while online.
// Cached responses keep their headers, so the page stays cross-origin isolated offline.

const CACHE = 'lopper-page-v1';
const CORE = [
  './', '../../dist/web/app.js', '../../dist/web/web-entry.js', '../../dist/web/lenet-5.fashion-mnist.lopm',
  '../../build/lopper-relaxed.wasm', '../../build/lopper.wasm', '../../build/lopper-scalar.wasm',
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(CORE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok) await cache.put(request, response.clone());
      return response;
    } catch (error) {
      const cached = await cache.match(request);
      if (cached) return cached;
      throw error;
    }
  })());
});
