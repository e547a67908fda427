// The case page's map: the case's place on the configured tiles (the page reads the same without it).
(() => {
  const box = document.getElementById("case-map");
  if (!box || !window.L) return;
  const at = [Number(box.dataset.lat), Number(box.dataset.lon)];
  const map = window.L.map(box, { keyboard: false }).setView(at, Number(box.dataset.zoom));
  window.L.tileLayer(box.dataset.tiles, { maxZoom: 19 }).addTo(map);
  window.L.marker(at, { keyboard: false }).addTo(map);
})();
