// Keeps the app's shell on the phone: network first (a fresh shell when online), the kept copy without a network.
// The API (/field/v1/) is never cached: reports wait in the page's IndexedDB outbox instead.
"use strict";
const VERSION = "field-__VERSION__";
const SHELL = ["/field/", "/field/app.js", "/field/queue.js", "/field/app.css", "/field/texts.js", "/field/icon.svg",
               "/field/icon-192.png", "/field/manifest.webmanifest"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(VERSION).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => key !== VERSION).map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (!url.pathname.startsWith("/field/") || url.pathname.startsWith("/field/v1/")) return;
  const key = url.pathname === "/field/" ? "/field/" : event.request;
  event.respondWith(fetch(event.request).then((response) => {
    if (response.ok && SHELL.includes(url.pathname)) {
      const copy = response.clone();
      event.waitUntil(caches.open(VERSION).then((cache) => cache.put(key, copy)));
    }
    return response;
  }).catch(() => caches.match(key, { ignoreSearch: true }).then((kept) => kept || Response.error())));
});
