// Live parts of the report form: class hint, address suggestions, geolocation, duplicate hint.
// A place set here or by the map pick (map.js) is announced with a `placechange` event on the form.
// Without this script the form still posts and works.
"use strict";
(function () {
  var form = document.getElementById("report");
  if (!form) { return; }
  var lang = form.dataset.lang;
  var text = document.getElementById("text");
  var address = document.getElementById("address");
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");

  function later(fn, ms) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  var crs = document.getElementById("crs");

  // A hint refused (429 over the hourly limit) or failing is simply not shown: the form does not need it.
  function answered(use) {
    return function (r) { if (r.ok) { r.json().then(use); } };
  }
  function getJSON(path, params, use) {
    var query = new URLSearchParams(params);
    query.set("lang", lang);
    fetch(path + "?" + query.toString(), { credentials: "same-origin" }).then(answered(use));
  }
  // Hints about the description send it in the body: a long letter does not fit in a URL.
  function postJSON(path, body, use) {
    fetch(path + "?lang=" + encodeURIComponent(lang), {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(answered(use));
  }

  var classField = document.getElementById("class-field");
  var classSelect = document.getElementById("class_id");
  var classHint = document.getElementById("class-hint");
  function showClasses() {
    var words = text.value.trim();
    if (words.length < 4) { return; }
    postJSON("/hints/class", { text: words }, function (body) {
      if (!body.choices.length) { return; }
      var chosen = classSelect.value;
      while (classSelect.options.length > 1) { classSelect.remove(1); }
      body.choices.forEach(function (choice) {
        classSelect.add(new Option(choice.name, choice.class_id, false, choice.class_id === chosen));
      });
      classHint.textContent = classHint.dataset.label + " " + body.choices[0].name;
      classField.hidden = false;
      checkDuplicate();
    });
  }

  var suggestions = document.getElementById("address-suggestions");
  function suggest() {
    var typed = address.value.trim();
    if (!typed) { return; }
    getJSON("/hints/address", { q: typed }, function (body) {
      suggestions.replaceChildren.apply(suggestions, body.suggestions.map(function (name) {
        var option = document.createElement("option");
        option.value = name;
        return option;
      }));
      checkDuplicate();
    });
  }

  var duplicate = document.getElementById("duplicate");
  var joinBox = document.getElementById("join-box");
  var join = document.getElementById("join");
  function checkDuplicate() {
    var words = text.value.trim();
    if (!words || !(lat.value || address.value.trim())) { return; }
    postJSON("/hints/nearby", { text: words, lat: lat.value, lon: lon.value, crs: crs.value, address: address.value.trim() }, function (body) {
      if (!body.case) { duplicate.hidden = true; joinBox.checked = false; join.value = ""; return; }
      document.getElementById("duplicate-message").textContent = body.message;
      joinBox.dataset.case = body.case;
      joinBox.checked = join.value === body.case;
      duplicate.hidden = false;
    });
  }
  joinBox.addEventListener("change", function () { join.value = joinBox.checked ? joinBox.dataset.case : ""; });

  var locate = document.getElementById("locate");
  var locationStatus = document.getElementById("location-status");
  if (navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      locationStatus.textContent = locate.dataset.locating;
      navigator.geolocation.getCurrentPosition(function (position) {
        lat.value = position.coords.latitude.toFixed(6);
        lon.value = position.coords.longitude.toFixed(6);
        crs.value = "wgs84";
        locationStatus.textContent = locate.dataset.done;
        form.dispatchEvent(new CustomEvent("placechange", { detail: { source: "device" } }));
      }, function () {
        locationStatus.textContent = locate.dataset.failed;
      }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }

  // The point in words (the nearest junction, estate or road), never as coordinates.
  var mapElement = document.getElementById("map");
  function describePlace(event) {
    var template = event.detail.source === "map" ? mapElement && mapElement.dataset.pickedAt : locate.dataset.doneAt;
    var asked = lat.value + "," + lon.value;
    getJSON("/hints/place", { lat: lat.value, lon: lon.value, crs: crs.value }, function (body) {
      if (body.place && template && asked === lat.value + "," + lon.value) {
        locationStatus.textContent = template.replace("{place}", body.place);
      }
    });
  }

  // Characters typed against the limit (as the server counts them: code points); told aloud only near the limit.
  var count = document.getElementById("text-count");
  function showCount() {
    var typed = Array.from(text.value).length;
    var limit = Number(count.dataset.limit);
    count.textContent = count.dataset.template.replace("{count}", typed).replace("{limit}", limit);
    count.setAttribute("aria-live", typed >= limit * 0.9 ? "polite" : "off");
    count.classList.toggle("near", typed >= limit * 0.9);
  }
  text.addEventListener("input", showCount);
  showCount();

  form.addEventListener("placechange", checkDuplicate);
  form.addEventListener("placechange", describePlace);
  text.addEventListener("input", later(showClasses, 400));
  address.addEventListener("input", later(suggest, 250));
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
