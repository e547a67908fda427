// Chosen photos survive a form sent back with errors (a file input cannot be filled again by the server): they are
// kept in this browser's IndexedDB while the form posts and put back into the field on the page that answers. The
// kept copy is deleted on the next page of the site, whatever it is. Without this script nothing is kept.
"use strict";
(function () {
  var STORE = "files", KEY = "chosen";
  function opened(use) {
    if (!window.indexedDB) { use(null); return; }
    var request = indexedDB.open("report-photos", 1);
    request.onupgradeneeded = function () { request.result.createObjectStore(STORE); };
    request.onsuccess = function () { use(request.result); };
    request.onerror = function () { use(null); };
  }
  function within(db, work, then) {
    var tx = db.transaction(STORE, "readwrite");
    work(tx.objectStore(STORE));
    tx.oncomplete = tx.onerror = tx.onabort = function () { db.close(); if (then) { then(); } };
  }

  var form = document.getElementById("report");
  var photos = document.getElementById("photos");
  var sentBack = document.getElementById("error-summary") !== null;
  opened(function (db) {
    if (!db) { return; }
    within(db, function (store) {
      var reading = store.get(KEY);
      reading.onsuccess = function () {
        var files = reading.result || [];
        if (photos && sentBack && files.length && window.DataTransfer && !photos.files.length) {
          var moved = new DataTransfer();
          files.forEach(function (file) { moved.items.add(file); });
          photos.files = moved.files;
        }
        store.delete(KEY);
      };
    });
  });
  if (!form || !photos) { return; }
  var sending = false;
  form.addEventListener("submit", function (event) {
    if (sending || !photos.files.length) { return; }
    event.preventDefault();
    sending = true;
    opened(function (db) {
      if (!db) { form.submit(); return; }
      within(db, function (store) { store.put(Array.from(photos.files), KEY); }, function () { form.submit(); });
    });
  });
})();
