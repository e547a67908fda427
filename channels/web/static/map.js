// The form's map pick (Leaflet): a click, a dragged marker or "use the map centre" sets the hidden
// lat/lon fields, in the datum of the tiles (the `crs` field names it; the server converts to WGS-84).
// Loaded only when the gateway has tiles and Leaflet; without it the form works as before.
"use strict";
(function () {
  var element = document.getElementById("map");
  if (!element || !window.L) { return; }
  var form = document.getElementById("report");
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  var crs = document.getElementById("crs");
  var status = document.getElementById("location-status");
  var data = element.dataset;

  document.getElementById("map-pick").hidden = false;
  var map = L.map(element, { keyboard: true }).setView([Number(data.lat), Number(data.lon)], Number(data.zoom));
  L.tileLayer(data.tiles, { maxZoom: 19 }).addTo(map);
  var marker = null;

  function show(point) {
    if (!marker) {
      marker = L.marker(point, { draggable: true, keyboard: true, title: data.marker, alt: data.marker }).addTo(map);
      marker.on("dragend", function () { place(marker.getLatLng()); });
    }
    marker.setLatLng(point);
  }

  function place(point) {
    show(point);
    lat.value = point.lat.toFixed(6);
    lon.value = point.lng.toFixed(6);
    crs.value = data.crs;
    status.textContent = data.picked;
    form.dispatchEvent(new CustomEvent("placechange", { detail: { source: "map" } }));
  }

  map.on("click", function (event) { place(event.latlng); });
  document.getElementById("map-centre").addEventListener("click", function () { place(map.getCenter()); });

  // The device's position is WGS-84: shown on WGS-84 tiles; on other tiles the marker would sit off by
  // hundreds of metres, so it is taken away instead.
  form.addEventListener("placechange", function (event) {
    if (event.detail.source !== "device") { return; }
    if (data.crs === "wgs84") {
      var point = L.latLng(Number(lat.value), Number(lon.value));
      show(point);
      map.panTo(point);
    } else if (marker) {
      map.removeLayer(marker);
      marker = null;
    }
  });

  if (lat.value && lon.value && crs.value === data.crs) {
    var kept = L.latLng(Number(lat.value), Number(lon.value));
    show(kept);
    map.setView(kept);
  }
})();
