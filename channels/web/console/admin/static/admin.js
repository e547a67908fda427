// Administrators' pages: the live rule test box, charts, the heat map and the live call events. Every page works without it.
(function () {
  "use strict";
  var PALETTE = ["#0b4f8a", "#d9534f", "#f2a900", "#2e8540", "#6f42c1", "#17a2b8", "#8a5a00", "#e83e8c", "#6b6b6b"];

  function json(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  // The test box: post the form as the "Try" button would and show the result part of the page that comes back.
  function liveTry() {
    var form = document.getElementById("rules-form");
    var result = document.getElementById("try-result");
    if (!form || !result) return;
    var timer = null, seq = 0;
    function run() {
      var sample = document.getElementById("sample").value.trim();
      if (!sample) return;
      var mine = ++seq;
      fetch("/console/admin/rules/try", { method: "POST", body: new FormData(form), credentials: "same-origin" })
        .then(function (resp) { return resp.text(); })
        .then(function (html) {
          if (mine !== seq) return;
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("try-result");
          if (fresh) result.replaceChildren.apply(result, Array.from(fresh.childNodes));
        });
    }
    function later() {
      clearTimeout(timer);
      timer = setTimeout(run, 400);
    }
    // Any field of the editor (the rule fields, the JSON view, the sample) tries the draft again.
    form.addEventListener("input", later);
    form.addEventListener("change", later);
  }

  // series: [[name, counts per day], …], largest first
  function stacked(canvasId, labels, series) {
    var canvas = document.getElementById(canvasId);
    if (!canvas || !window.Chart) return;
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: series.map(function (pair, i) {
        return { label: pair[0] || "—", data: pair[1], backgroundColor: PALETTE[i % PALETTE.length] };
      }) },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }

  function dashboard() {
    var data = json("dashboard-data");
    if (!data) return;
    stacked("chart-class", data.labels, data.by_class);
    stacked("chart-channel", data.labels, data.by_channel);
    var holder = document.getElementById("heatmap");
    if (holder && data.map && window.L && window.L.heatLayer) {
      var map = window.L.map(holder);
      window.L.tileLayer(data.map.tile_url, { maxZoom: 19 }).addTo(map);
      var points = data.map.points;
      window.L.heatLayer(points, { radius: 20 }).addTo(map);
      var tracks = data.map.tracks || [];  // supervisors' patrols
      tracks.forEach(function (line) { window.L.polyline(line, { color: "#0b5394", weight: 3 }).addTo(map); });
      var seen = points.concat.apply(points, tracks);
      if (seen.length) map.fitBounds(seen, { maxZoom: 15 }); else map.setView([0, 0], 2);
    }
  }

  function confusions() {
    var pairs = json("confusion-data");
    var canvas = document.getElementById("confusion-chart");
    if (!pairs || !canvas || !window.Chart) return;
    canvas.parentNode.style.height = (4 + pairs.length * 2) + "rem";
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: pairs.map(function (p) { return p.label; }),
              datasets: [{ label: canvas.getAttribute("aria-label"), data: pairs.map(function (p) { return p.count; }), backgroundColor: PALETTE[1] }] },
      options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
                 plugins: { legend: { display: false } },
                 // every bar keeps its label (the figure grows with the number of bars)
                 scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { ticks: { autoSkip: false } } } }
    });
  }

  function liveCalls() {
    var list = document.getElementById("live-events");
    if (!list || !window.EventSource) return;
    var kinds = json("call-kinds") || {};  // what happened, in the page's language
    var source = new EventSource(list.getAttribute("data-source"));
    source.onmessage = function (message) {
      var e = JSON.parse(message.data);
      var item = document.createElement("li");
      item.textContent = [e.at.slice(11, 19), kinds[e.kind] || e.kind, e.channel, e.line, e.caller || "—", e.worker || ""].join(" · ");
      list.prepend(item);
      while (list.children.length > 20) list.lastElementChild.remove();
    };
    window.addEventListener("pagehide", function () { source.close(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    liveTry();
    dashboard();
    confusions();
    liveCalls();
  });
})();
