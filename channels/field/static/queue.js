// The phone's own store (IndexedDB): settings and the outbox of reports and answers with their photos as blobs.
// What is queued stays here across closing the app, restarts and lost networks until the server has taken it.
"use strict";
const FieldDB = (() => {
  let opened = null;
  function open() {
    if (!opened) {
      opened = new Promise((resolve, reject) => {
        const request = indexedDB.open("field", 1);
        request.onupgradeneeded = () => {
          request.result.createObjectStore("kv");
          request.result.createObjectStore("outbox", { keyPath: "id" });
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return opened;
  }
  async function run(store, mode, work) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(store, mode);
      const request = work(tx.objectStore(store));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }
  return {
    get: (key) => run("kv", "readonly", (s) => s.get(key)),
    set: (key, value) => run("kv", "readwrite", (s) => s.put(value, key)),
    forget: (key) => run("kv", "readwrite", (s) => s.delete(key)),
    put: (item) => run("outbox", "readwrite", (s) => s.put(item)),
    remove: (id) => run("outbox", "readwrite", (s) => s.delete(id)),
    all: () => run("outbox", "readonly", (s) => s.getAll()),
  };
})();
