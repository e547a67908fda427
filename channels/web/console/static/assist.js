// Call assist: call pops from the WebSocket, live suggestions while the agent types, the report for the caller.
(() => {
  "use strict";
  const main = document.getElementById("main");
  const csrf = main.dataset.csrf;
  const T = JSON.parse(document.getElementById("texts").textContent);
  const $ = (id) => document.getElementById(id);
  const form = $("report");
  const fmt = (key, params = {}) => T[key].replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
  const item = (text) => { const li = document.createElement("li"); li.textContent = text; return li; };
  const caseLink = (number) => { const a = document.createElement("a"); a.href = `/console/cases/${number}`; a.textContent = number; return a; };
  const caseItem = (before, number, after) => { const li = item(before); li.append(caseLink(number), after); return li; };
  let call = null;
  let map = null;
  let marker = null;
  let nearest = null;
  let typing = null;
  let asked = 0;
  let feedState = "connecting";
  let sending = null;
  // The key of the report being written: sent with every submit until the form is cleared, so the server files it once.
  const newKey = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  let submission = newKey();

  // The feed line: connecting, lost, or live; while a call is on the screen it names the call's state, not "waiting".
  function setFeed(state) {
    if (state) feedState = state;
    const feed = $("feed");
    const onCall = feedState === "live" && call && call.state;
    feed.dataset.state = onCall ? "call" : feedState;
    feed.textContent = onCall ? fmt("feed_call", { state: T[`call_kind_${call.state}`] }) : T[`feed_${feed.dataset.state}`];
  }

  function callState(kind) {
    call.state = kind;
    $("call-state").textContent = T[`call_kind_${kind}`] + (kind === "hung_up" || kind === "dropped" ? ` · ${T.call_ended}` : "");
    setFeed(null);
  }

  function connect() {
    const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/console/ws`);
    ws.addEventListener("open", () => setFeed("live"));
    ws.addEventListener("message", (message) => onEvent(JSON.parse(message.data)));
    ws.addEventListener("close", () => { setFeed("down"); setTimeout(connect, 2000); });
  }

  function onEvent(event) {
    if (T.pop_kinds.includes(event.kind)) {
      if (!call || call.call_id !== event.call_id) pop(event);
      else callState(event.kind);
    } else if (event.kind === "voicemail_recorded") {
      const note = $("vm-note");
      note.firstElementChild.textContent = fmt("vm_new", { caller: event.caller || T.unknown_caller });
      note.hidden = false;
    } else if (call && call.call_id === event.call_id && (event.kind === "hung_up" || event.kind === "dropped")) {
      callState(event.kind);
    }
  }

  function pop(event) {
    clear();
    call = { ...event };
    $("no-call").hidden = true;
    $("call-facts").hidden = false;
    $("call-caller").textContent = event.caller || T.unknown_caller;
    $("call-line").textContent = event.line;
    $("call-language").textContent = event.language === "en" ? "English" : "中文";
    callState(event.kind);
    $("call-id").value = String(event.call_id);
    $("caller").value = event.caller || "";
    $("language").value = event.language;
    $("text").lang = event.language === "en" ? "en" : "zh-CN";
    if (event.caller) loadHistory(event.caller);
    $("text").focus();
  }

  function caseLine(c) {
    return caseItem("", c.number, ` · ${c.status_name} · ${c.class_name || "-"} · ${c.text}`);
  }

  async function loadHistory(caller) {
    const resp = await fetch(`/console/api/callers/${encodeURIComponent(caller)}`, { headers: { Accept: "application/json" } });
    if (!resp.ok) return;
    const history = await resp.json();
    const open = $("history-open");
    const reports = $("history-reports");
    open.replaceChildren(...(history.open_cases.length ? history.open_cases.map(caseLine) : [item(T.none_yet)]));
    reports.replaceChildren(...(history.reports.length
      ? history.reports.map((r) => caseItem(`${r.received_at} · `, r.case.number, ` · ${r.case.status_name} · ${r.text}`))
      : [item(T.none_yet)]));
    $("history").hidden = false;
  }

  function showClasses(classes) {
    const list = $("classes");
    list.replaceChildren(...classes.map((c, i) => {
      const li = document.createElement("li");
      const input = document.createElement("input");
      input.type = "radio";
      input.name = "class_id";
      input.id = `class-${i + 1}`;
      input.value = c.class_id;
      const label = document.createElement("label");
      label.htmlFor = input.id;
      label.textContent = `${c.name || c.class_id} (${fmt("confidence", { percent: Math.round(c.confidence * 100) })})`;
      const why = document.createElement("span");
      why.className = "why";
      why.textContent = [c.words.length ? fmt("why", { words: c.words.join("、") }) : "", c.rules.length ? fmt("why_rules", { rules: c.rules.join(", ") }) : ""].filter(Boolean).join(" · ");
      li.append(input, label, why);
      return li;
    }));
  }

  function showPlace(place) {
    const out = $("place");
    if (!place) { out.textContent = T.place_none; return; }
    const parts = [place.label, `${T.coordinates} ${place.lat.toFixed(5)}, ${place.lon.toFixed(5)}`];
    if (place.grid_code) parts.push(`${T.grid_code} ${place.grid_code}`);
    out.textContent = parts.filter(Boolean).join(" · ");
    out.dataset.grid = place.grid_code || "";
    if (map) {
      map.setView(place.map, 17);
      if (marker) marker.setLatLng(place.map); else marker = window.L.marker(place.map, { keyboard: false, title: place.label || "" }).addTo(map);
    }
  }

  function showNearby(cases) {
    nearest = cases.length ? cases[0].number : null;
    $("nearby-none").hidden = cases.length > 0;
    $("nearby").replaceChildren(...cases.map((c) => {
      const li = item(fmt("nearby_case", { number: c.number, distance: c.distance_m, count: c.reports_count, status: c.status_name }));
      li.dataset.case = c.number;
      const said = document.createElement("span");
      said.className = "said";
      said.textContent = c.text;
      const join = document.createElement("button");
      join.type = "button";
      join.className = "join";
      join.textContent = T.join_case;
      join.addEventListener("click", () => submit(c.number));
      li.append(said, join);
      return li;
    }));
  }

  function failed(resp, answer) {
    const error = $("form-error");
    error.textContent = fmt("failed", { message: (answer && answer.error && answer.error.message) || `${resp.status} ${resp.statusText}` });
    error.hidden = false;
  }

  async function suggest() {
    const text = $("text").value.trim();
    const ticket = ++asked;
    const query = new URLSearchParams({ text, address: $("address").value.trim() });
    const resp = await fetch(`/console/api/suggest?${query}`, { headers: { Accept: "application/json" } });
    if (ticket !== asked) return;
    if (!resp.ok) { failed(resp, await resp.json().catch(() => null)); return; }
    $("form-error").hidden = true;
    const found = await resp.json();
    const chosen = form.querySelector("input[name=class_id]:checked");
    showClasses(found.classes);
    const also = $("also");
    also.textContent = found.also && found.also.length ? fmt("also", { names: found.also.join("、") }) : "";
    also.hidden = !also.textContent;
    const again = chosen && chosen.id === "class-other" ? chosen
      : chosen && chosen.value && form.querySelector(`#classes input[value="${CSS.escape(chosen.value)}"]`);
    if (again) again.checked = true; else $("class-auto").checked = true;
    showPlace(found.place);
    showNearby(found.nearby);
    main.dataset.suggested = String(ticket);
  }

  function later() {
    clearTimeout(typing);
    typing = setTimeout(suggest, 300);
  }

  function chosenClass() {
    const chosen = form.querySelector("input[name=class_id]:checked");
    if (chosen && chosen.id === "class-other") return $("other-class").value || undefined;
    return (chosen && chosen.value) || null;
  }

  function submit(join) {
    if (!sending) sending = send(join).finally(() => { sending = null; });
    return sending;
  }

  async function send(join) {
    $("form-error").hidden = true;
    const classId = chosenClass();
    if (classId === undefined) {
      const error = $("form-error");
      error.textContent = T.class_required;
      error.hidden = false;
      otherClass();
      return;
    }
    const body = {
      submission,
      text: $("text").value,
      address: $("address").value || null,
      class_id: classId,
      language: $("language").value,
      caller: $("caller").value || null,
      anonymous: $("anonymous").checked,
      consent: $("consent").checked,
      join: join || null,
      call_id: $("call-id").value ? Number($("call-id").value) : null,
    };
    const resp = await fetch("/console/api/reports", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
    const answer = await resp.json().catch(() => null);
    if (!resp.ok || !answer) { failed(resp, answer); return; }
    $("result-lead").textContent = answer.replayed ? T.result_replayed : answer.joined ? T.result_joined : T.result_new;
    $("result-number").replaceChildren(caseLink(answer.case.number));
    $("result-detail").textContent = [fmt("result_status", { status: answer.case.status_name }),
      (answer.case.reports_count > 1 ? fmt("result_read_back", { count: answer.case.reports_count }) : T.result_read_back_once),
      answer.needs_review ? T.result_review : ""].filter(Boolean).join(" ");
    const result = $("result");
    result.hidden = false;
    result.focus();
  }

  function clear() {
    form.reset();
    submission = newKey();
    $("caller").disabled = $("consent").disabled = false;
    call = null;
    $("call-id").value = "";
    $("classes").replaceChildren();
    $("nearby").replaceChildren();
    $("nearby-none").hidden = false;
    $("place").textContent = T.place_none;
    if (marker) { marker.remove(); marker = null; }
    $("result").hidden = true;
    $("history").hidden = true;
    $("no-call").hidden = false;
    $("call-facts").hidden = true;
    nearest = null;
    setFeed(null);
  }

  function otherClass() {
    $("class-other").checked = true;
    const picker = $("other-class").nextElementSibling;
    const input = picker && picker.querySelector("input[role=combobox]");
    (input || $("other-class")).focus();
  }

  function choose(index) {
    const input = index === 0 ? $("class-auto") : $(`class-${index}`);
    if (input) { input.checked = true; input.focus(); }
  }

  const keys = {
    t: () => $("text").focus(),
    a: () => $("address").focus(),
    o: otherClass,
    p: () => $("caller").focus(),
    c: () => $("consent").click(),
    n: () => $("anonymous").click(),
    j: () => { if (nearest) submit(nearest); },
    s: () => submit(null),
    r: () => { clear(); $("text").focus(); },
    0: () => choose(0), 1: () => choose(1), 2: () => choose(2), 3: () => choose(3),
  };

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey && event.key === "Enter") { event.preventDefault(); submit(null); return; }
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    const code = event.code.startsWith("Key") ? event.code.slice(3).toLowerCase() : event.code.replace("Digit", "");
    if (keys[code]) { event.preventDefault(); keys[code](); }
  });
  $("other-class").addEventListener("change", () => { if ($("other-class").value) $("class-other").checked = true; });
  $("text").addEventListener("input", later);
  $("address").addEventListener("input", later);
  form.addEventListener("submit", (event) => { event.preventDefault(); submit(null); });
  $("clear").addEventListener("click", () => { clear(); $("text").focus(); });
  $("anonymous").addEventListener("change", () => { $("caller").disabled = $("consent").disabled = $("anonymous").checked; });
  const box = $("map");
  if (box && window.L) {
    map = window.L.map(box, { keyboard: false }).setView([Number(box.dataset.lat), Number(box.dataset.lon)], Number(box.dataset.zoom));
    window.L.tileLayer(box.dataset.tiles, { maxZoom: 19 }).addTo(map);
  }
  connect();
})();
