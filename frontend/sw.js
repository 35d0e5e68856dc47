// The service worker of the web app (issue 20): after one visit, the app and the keys that
// verify a card's signature are in the browser's cache, so /verifier works with the network off.
// build.sh writes dist/sw.js from this file, with the build's file names (__JS__, __WASM__,
// __CSS__) and its stamp (__VERSION__): a new build is a new cache, the old one is deleted.
//   - the build's files: from the cache (their names carry their content's hash); those not
//     kept at install (the QR code decoder, app-qr-…, loaded by /verifier alone) are kept the
//     first time they are fetched;
//   - pages (navigations): from the network, else the app kept (index.html), so that any page
//     opens offline and the app says what it can do without the network;
//   - the keys' document: from the network when it answers (a revocation is seen at once),
//     else the copy kept;
//   - anything else (the API, the PDF card): the network, as if there were no worker.
const CACHE = "rpps-__VERSION__";
const APP = ["/", "/__JS__", "/__WASM__", "/__CSS__"];
const KEYS = "/.well-known/rpps-card-keys.json";

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // The page kept must be this build's (it names the files kept with it): during an upload
    // the site may still serve the previous index.html. Refused, the worker is installed again
    // at a later visit.
    const page = await fetch("/", { cache: "no-cache" });
    if (!page.ok || !(await page.clone().text()).includes("/__JS__")) {
      throw new Error("the site's index.html is not this build's");
    }
    await cache.put("/", page);
    await cache.addAll(APP.filter((path) => path !== "/"));
    // The keys may be unavailable (no key configured): the page fetches them again.
    await cache.add(KEYS).catch(() => {});
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("rpps-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

async function keys(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request, { cache: "no-cache" });
    if (response.ok) await cache.put(KEYS, response.clone());
    return response;
  } catch (offline) {
    const kept = await cache.match(KEYS);
    if (kept) return kept;
    throw offline;
  }
}

async function built(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function page(request) {
  try {
    return await fetch(request);
  } catch (offline) {
    const kept = await caches.match("/", { cacheName: CACHE });
    if (kept) return kept;
    throw offline;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === KEYS) {
    event.respondWith(keys(request));
  } else if (request.mode === "navigate" && !url.pathname.startsWith("/api/")) {
    event.respondWith(page(request));
  } else if (/^\/(app|style)-[^/]+$/.test(url.pathname)) {
    event.respondWith(built(request));
  }
});
