// 城管通: a supervisor's or liaison's phone. Photo first, GPS with its accuracy, grid and nearest place filled in, class
// from a searchable picker with the classifier's suggestion; everything goes through the outbox in IndexedDB (queue.js),
// sent when the network is there, each report and answer under its own UUID so a resend is never a second one.
"use strict";
(() => {
  const $ = (selector) => document.querySelector(selector);
  const state = { lang: "zh", token: null, me: null, fix: null, placeFor: null, classes: [], tab: "report" };
  const RETRY_MS = 15000;

  function t(key, params) {
    const entry = self.FIELD_TEXTS[key];
    let text = entry ? entry[state.lang] : key;
    for (const [name, value] of Object.entries(params || {})) text = text.replaceAll(`{${name}}`, String(value));
    return text;
  }

  function say(text, bad) {
    const notice = $("#notice");
    notice.textContent = text || "";
    notice.classList.toggle("bad", Boolean(bad));
  }

  function translate() {
    document.documentElement.lang = state.lang === "en" ? "en" : "zh";
    document.title = t("app_name");
    for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
    const other = state.lang === "en" ? "zh" : "en";
    $("#lang").textContent = t("switch_lang");
    $("#lang").lang = other;
    $(".tabs").setAttribute("aria-label", t("app_name"));
    showNet();
  }

  function showNet() {
    $("#net").textContent = navigator.onLine ? t("online") : t("offline");
  }

  class Offline extends Error {}

  async function api(path, options = {}) {
    const headers = { "Accept-Language": state.lang };
    if (state.token) headers.Authorization = `Bearer ${state.token}`;
    let body = options.body;
    if (options.blob) {
      headers["Content-Type"] = options.blob.type || "image/jpeg";
      body = options.blob;
    } else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(`/field/v1${path}`, { method: options.method || (body ? "POST" : "GET"), headers, body });
    } catch (error) {
      throw new Offline(String(error));
    }
    const data = await response.json().catch(() => ({}));
    return { status: response.status, data };
  }

  const errorText = (answer) => (answer.data.error && answer.data.error.message) || `HTTP ${answer.status}`;
  const retryLater = (status) => status >= 500 || status === 408 || status === 429;

  // ----- enrolment ------------------------------------------------------------------------------------------------
  async function enrol(code) {
    try {
      const answer = await api("/enrol", { body: { code } });
      if (answer.status !== 201) return say(errorText(answer), true);
      state.token = answer.data.token;
      await FieldDB.set("token", state.token);
      say(t("enrolled_as", { user: answer.data.username }));
      await start();
    } catch (error) {
      say(t("offline"), true);
    }
  }

  async function signedOut() {
    state.token = null;
    await FieldDB.forget("token");
    say(t("signed_out"), true);
    show();
  }

  // ----- what the server says about us ----------------------------------------------------------------------------
  async function loadMe() {
    try {
      const answer = await api("/me");
      if (answer.status === 401 || answer.status === 403) return signedOut();
      if (answer.status !== 200) return;
      state.me = answer.data;
      await FieldDB.set("me", state.me);
    } catch (error) {
      if (!(error instanceof Offline)) throw error;
    }
    showMe();
  }

  function showMe() {
    if (!state.me) return;
    const grids = state.me.grids.map((g) => g.community ? `${g.grid_code} ${g.community}` : g.grid_code).join("、");
    $("#who").textContent = `${state.me.username} · ${grids}`;
    $("#duty").checked = Boolean(state.me.on_duty);
    $("#share-track").checked = Boolean(state.me.share_track);
  }

  async function setDuty(event) {
    const duty = { on_duty: $("#duty").checked, share_track: $("#share-track").checked };
    try {
      const answer = await api("/duty", { body: duty });
      if (answer.status !== 200) throw new Error(errorText(answer));
      state.me = { ...state.me, ...answer.data };
      await FieldDB.set("me", state.me);
      if (state.fix) await keepPosition(state.fix);
      flush();
    } catch (error) {
      event.target.checked = !event.target.checked;
      say(error instanceof Offline ? t("offline") : error.message, true);
    }
  }

  // ----- patrol track: positions while on duty, only with consent, sent in batches ---------------------------------------
  const TRACK_METRES = 20, TRACK_MS = 60000;
  async function keepPosition(fix) {
    if (!state.me || !state.me.on_duty || !state.me.share_track) return;
    const track = (await FieldDB.get("track")) || [];
    const last = track[track.length - 1] || state.lastPoint;
    const metres = last ? Math.hypot((fix.lat - last.lat) * 111320, (fix.lon - last.lon) * 111320 * Math.cos(fix.lat * Math.PI / 180)) : Infinity;
    if (last && metres < TRACK_METRES && Date.now() - Date.parse(last.at) < TRACK_MS) return;
    state.lastPoint = { at: new Date().toISOString(), lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy_m };
    track.push(state.lastPoint);
    await FieldDB.set("track", track.slice(-5000));
  }

  async function sendTrack() {
    const points = ((await FieldDB.get("track")) || []).slice(0, 500);
    if (!points.length) return "ok";
    const answer = await api("/track", { body: { points, sent_at: new Date().toISOString() } });
    if (retryLater(answer.status)) return "stop";
    const left = ((await FieldDB.get("track")) || []).filter((p) => !points.some((sent) => sent.at === p.at));
    await FieldDB.set("track", answer.status === 409 ? [] : left);
    if (answer.status !== 200) say(errorText(answer), true);
    return "ok";
  }

  async function loadClasses() {
    const key = `classes-${state.lang}`;
    try {
      const answer = await api("/classes");
      if (answer.status === 200) {
        state.classes = answer.data.items;
        await FieldDB.set(key, state.classes);
      }
    } catch (error) {
      state.classes = (await FieldDB.get(key)) || [];
    }
    const list = $("#class-list");
    list.replaceChildren(...state.classes.map((item) => {
      const option = document.createElement("option");
      option.value = item.name;
      option.label = item.also.slice(0, 4).join(" ");
      return option;
    }));
  }

  const classId = (name) => (state.classes.find((item) => item.name === name.trim()) || {}).id || null;

  // ----- GPS, grid and place ----------------------------------------------------------------------------------------
  function watchPosition() {
    if (!navigator.geolocation) return showFix();
    navigator.geolocation.watchPosition((position) => {
      const { latitude, longitude, accuracy } = position.coords;
      state.fix = { lat: latitude, lon: longitude, accuracy_m: accuracy };
      showFix();
      placeFix();
      keepPosition(state.fix);
    }, () => { state.fix = null; showFix(); }, { enableHighAccuracy: true, maximumAge: 10000 });
    showFix();
  }

  function limits() {
    return (state.me && state.me.limits) || { max_accuracy_m: 100, warn_accuracy_m: 30 };
  }

  function showFix() {
    const node = $("#gps-state");
    node.classList.remove("bad");
    if (!state.fix) {
      node.textContent = navigator.geolocation ? t("gps_waiting") : t("gps_none");
      return;
    }
    const accuracy = Math.ceil(state.fix.accuracy_m);
    const { max_accuracy_m: max, warn_accuracy_m: warn } = limits();
    if (accuracy > max) {
      node.textContent = t("gps_bad", { accuracy, limit: Math.round(max) });
      node.classList.add("bad");
    } else {
      node.textContent = accuracy > warn ? t("gps_rough", { accuracy }) : t("gps_fix", { accuracy });
    }
  }

  async function placeFix() {
    const fix = state.fix;
    if (!fix || !state.token) return;
    const moved = !state.placeFor || Math.abs(state.placeFor.lat - fix.lat) + Math.abs(state.placeFor.lon - fix.lon) > 0.0001;
    if (!moved) return;
    try {
      const query = new URLSearchParams({ lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy_m });
      const answer = await api(`/where?${query}`);
      if (answer.status !== 200) return;
      state.placeFor = fix;
      const where = answer.data;
      $("#grid-code").textContent = where.grid_code ? `${where.grid_code} ${where.community || ""}` : "—";
      $("#place-name").textContent = where.place ? t("place_near", { name: where.place.name, distance: where.place.distance_m }) : "—";
    } catch (error) {
      $("#grid-code").textContent = t("unknown_offline");
      $("#place-name").textContent = t("unknown_offline");
    }
  }

  // ----- class suggestion from the typed note ---------------------------------------------------------------------
  let suggestTimer = null;
  function noteTyped() {
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(async () => {
      const note = $("#note").value.trim();
      const box = $("#suggestions");
      if (!note) return box.replaceChildren();
      try {
        const answer = await api("/suggest", { body: { note } });
        if (answer.status !== 200 || !answer.data.choices.length) return box.replaceChildren();
        const label = document.createElement("span");
        label.textContent = t("suggested");
        box.replaceChildren(label, ...answer.data.choices.map((choice) => {
          const button = document.createElement("button");
          button.type = "button";
          button.className = "suggestion";
          button.textContent = choice.name;
          button.addEventListener("click", () => { $("#class-pick").value = choice.name; });
          return button;
        }));
      } catch (error) {
        box.replaceChildren();
      }
    }, 500);
  }

  // ----- the outbox -------------------------------------------------------------------------------------------------
  async function queueReport(event) {
    event.preventDefault();
    const before = [...$("#photo-before").files], after = [...$("#photo-after").files];
    if (!before.length && !after.length) return say(t("need_photo"), true);
    if (!state.fix) return say(t("need_gps"), true);
    const accuracy = Math.ceil(state.fix.accuracy_m);
    if (accuracy > limits().max_accuracy_m) return say(t("gps_bad", { accuracy, limit: Math.round(limits().max_accuracy_m) }), true);
    const id = crypto.randomUUID();
    const made = new Date().toISOString();
    const item = {
      id, kind: "report", state: "queued", created: made,
      photos: [...before.map((blob) => ({ blob, phase: "before" })), ...after.map((blob) => ({ blob, phase: "after" }))],
      body: { id, note: $("#note").value.trim(), class_id: classId($("#class-pick").value), language: state.lang,
              fix: { ...state.fix }, made_at: made },
    };
    await FieldDB.put(item);
    $("#report-form").reset();
    $("#previews").replaceChildren();
    $("#suggestions").replaceChildren();
    say(t("queued"));
    await showQueue();
    flush();
  }

  let flushing = false;
  async function flush() {
    if (flushing || !state.token) return;
    flushing = true;
    try {
      const items = (await FieldDB.all()).filter((item) => item.state === "queued").sort((a, b) => a.created.localeCompare(b.created));
      let going = true;
      for (const item of items) {
        if ((await send(item)) === "stop") { going = false; break; }
      }
      if (going) await sendTrack().catch((error) => { if (!(error instanceof Offline)) throw error; });
    } finally {
      flushing = false;
      await showQueue();
    }
  }

  async function send(item) {
    try {
      for (const photo of item.photos) {
        if (photo.url) continue;
        const answer = await api("/photos", { method: "POST", blob: photo.blob });
        if (answer.status !== 201) return refused(item, answer);
        photo.url = answer.data.url;
        photo.content_type = answer.data.content_type;
        await FieldDB.put(item);
      }
      const photos = item.photos.map((p) => ({ url: p.url, content_type: p.content_type, phase: p.phase }));
      const path = item.kind === "report" ? "/reports" : `/tasks/${item.task_id}/answer`;
      const answer = await api(path, { body: { ...item.body, photos, sent_at: new Date().toISOString() } });
      if (answer.status !== 200 && answer.status !== 201) return refused(item, answer);
      await delivered(item, answer.data);
      return "ok";
    } catch (error) {
      if (error instanceof Offline) return "stop";
      throw error;
    }
  }

  async function refused(item, answer) {
    if (retryLater(answer.status)) return "stop";
    if (answer.status === 401) {
      await signedOut();
      return "stop";
    }
    if (answer.status === 403) {  // the account is disabled or not a field account now: keep everything for when it is again
      say(errorText(answer), true);
      return "stop";
    }
    item.state = "refused";
    item.error = errorText(answer);
    await FieldDB.put(item);
    say(item.error, true);
    return "ok";
  }

  async function delivered(item, data) {
    await FieldDB.remove(item.id);
    const sent = (await FieldDB.get("sent")) || [];
    sent.unshift({ id: item.id, kind: item.kind, case_number: data.case_number || null, at: new Date().toISOString() });
    await FieldDB.set("sent", sent.slice(0, 20));
    const warnings = (data.warnings || []).map((w) => w.message);
    say([item.kind === "report" ? t("state_sent", { case: data.case_number }) : t("answer_sent"), ...warnings].join(" "));
  }

  async function showQueue() {
    const items = (await FieldDB.all()).sort((a, b) => a.created.localeCompare(b.created));
    $("#queue-count").textContent = String(items.length);
    const list = $("#queue");
    if (!items.length) {
      const empty = document.createElement("li");
      empty.textContent = t("queue_empty");
      list.replaceChildren(empty);
    } else {
      list.replaceChildren(...items.map((item) => {
        const li = document.createElement("li");
        li.className = `state-${item.state}`;
        li.dataset.id = item.id;
        const title = document.createElement("strong");
        title.textContent = `${t(item.kind === "report" ? "kind_report" : "kind_answer")} · ${new Date(item.created).toLocaleString(state.lang === "en" ? "en-GB" : "zh-CN")}`;
        const status = document.createElement("p");
        status.className = item.state === "refused" ? "bad" : "";
        status.textContent = item.state === "refused" ? `${t("state_refused")}: ${item.error}` : t("state_queued");
        li.append(title, status);
        if (item.state === "refused") {
          const discard = document.createElement("button");
          discard.type = "button";
          discard.textContent = t("discard");
          discard.addEventListener("click", async () => { await FieldDB.remove(item.id); await showQueue(); });
          li.append(discard);
        }
        return li;
      }));
    }
    const sent = (await FieldDB.get("sent")) || [];
    $("#sent").replaceChildren(...sent.map((entry) => {
      const li = document.createElement("li");
      li.className = "sent";
      li.textContent = entry.kind === "report" ? t("state_sent", { case: entry.case_number }) : t("answer_sent");
      return li;
    }));
  }

  // ----- tasks --------------------------------------------------------------------------------------------------------
  async function loadTasks() {
    let tasks;
    try {
      const answer = await api("/tasks");
      if (answer.status === 401) return signedOut();
      if (answer.status !== 200) return say(errorText(answer), true);
      tasks = answer.data.tasks;
      await FieldDB.set("tasks", tasks);
    } catch (error) {
      if (!(error instanceof Offline)) throw error;
      tasks = (await FieldDB.get("tasks")) || [];
    }
    const waiting = new Set((await FieldDB.all()).filter((item) => item.kind === "answer").map((item) => item.task_id));
    showTasks(tasks, waiting);
  }

  function showTasks(tasks, waiting) {
    const box = $("#tasks");
    if (!tasks.length) {
      const empty = document.createElement("p");
      empty.textContent = t("tasks_empty");
      return box.replaceChildren(empty);
    }
    box.replaceChildren(...tasks.map((task) => taskCard(task, waiting.has(task.id))));
  }

  function taskCard(task, answered) {
    const card = document.createElement("article");
    card.className = "task";
    card.dataset.task = task.id;
    const heading = document.createElement("h3");
    heading.textContent = `${task.kind_name} · ${t("task_case", { case: task.case.number })}`;
    const due = document.createElement("p");
    due.textContent = t("task_due", { due: new Date(task.due_at).toLocaleString(state.lang === "en" ? "en-GB" : "zh-CN") });
    const text = document.createElement("p");
    text.textContent = [task.case.class, task.case.text, task.case.address, task.case.grid_code, task.note].filter(Boolean).join(" · ");
    card.append(heading, due, text);
    for (const photo of task.case.photos) {
      const img = document.createElement("img");
      img.src = photo.url;
      img.alt = t("task_photo");
      card.append(img);
    }
    if (answered) {
      const note = document.createElement("p");
      note.textContent = t("task_answered");
      card.append(note);
      return card;
    }
    const form = document.createElement("form");
    const fieldset = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = t("task_result");
    fieldset.append(legend);
    for (const result of task.results) {
      const label = document.createElement("label");
      const radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "result";
      radio.value = result.id;
      label.append(radio, ` ${result.name} `);
      fieldset.append(label);
    }
    const photoId = `task-photo-${task.id}`, noteId = `task-note-${task.id}`;
    form.append(fieldset, field(photoId, t("task_photo"), "input"), field(noteId, t("task_note"), "textarea"));
    const submit = document.createElement("button");
    submit.type = "submit";
    submit.className = "primary";
    submit.textContent = t("task_send");
    form.append(submit);
    form.addEventListener("submit", (event) => queueAnswer(event, task, form, photoId, noteId));
    card.append(form);
    return card;
  }

  function field(id, label, tag) {
    const wrap = document.createElement("div");
    wrap.className = "field";
    const caption = document.createElement("label");
    caption.htmlFor = id;
    caption.textContent = label;
    const input = document.createElement(tag);
    input.id = id;
    if (tag === "input") {
      input.type = "file";
      input.accept = "image/*";
      input.setAttribute("capture", "environment");
      input.multiple = true;
    }
    wrap.append(caption, input);
    return wrap;
  }

  async function queueAnswer(event, task, form, photoId, noteId) {
    event.preventDefault();
    const chosen = form.querySelector("input[name=result]:checked");
    if (!chosen) return say(t("need_result"), true);
    const made = new Date().toISOString();
    const photos = [...document.getElementById(photoId).files].map((blob) => ({ blob, phase: "after" }));
    await FieldDB.put({
      id: crypto.randomUUID(), kind: "answer", task_id: task.id, state: "queued", created: made, photos,
      body: { answer_id: crypto.randomUUID(), result: chosen.value, note: document.getElementById(noteId).value.trim() || null, answered_at: made },
    });
    say(t("queued"));
    await loadTasks();
    await showQueue();
    flush();
  }

  // ----- the page -----------------------------------------------------------------------------------------------------
  function showTab(name) {
    state.tab = name;
    for (const button of document.querySelectorAll(".tabs button")) {
      if (button.dataset.tab === name) button.setAttribute("aria-current", "page");
      else button.removeAttribute("aria-current");
    }
    for (const tab of ["report", "tasks", "queue"]) $(`#${tab}-view`).hidden = tab !== name;
    if (name === "tasks") loadTasks();
    if (name === "queue") showQueue();
  }

  function show() {
    $("#enrol-view").hidden = Boolean(state.token);
    $("#app-view").hidden = !state.token;
  }

  function previews() {
    const files = [...$("#photo-before").files, ...$("#photo-after").files];
    $("#previews").replaceChildren(...files.map((file) => {
      const img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = file.name;
      return img;
    }));
  }

  async function start() {
    show();
    translate();
    if (state.token) {
      state.me = (await FieldDB.get("me")) || null;
      showMe();
      await Promise.all([loadMe(), loadClasses(), showQueue()]);
      showFix();
      placeFix();
      flush();
    }
    document.body.dataset.ready = state.token ? "app" : "enrol";
  }

  async function boot() {
    if ("serviceWorker" in navigator) navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" });
    state.lang = (await FieldDB.get("lang")) || (navigator.language.toLowerCase().startsWith("en") ? "en" : "zh");
    state.token = (await FieldDB.get("token")) || null;
    $("#lang").addEventListener("click", async () => {
      state.lang = state.lang === "en" ? "zh" : "en";
      await FieldDB.set("lang", state.lang);
      translate();
      await Promise.all([loadClasses(), showQueue()]);
      showFix();
      if (state.tab === "tasks") loadTasks();
    });
    $("#enrol-form").addEventListener("submit", (event) => { event.preventDefault(); enrol($("#enrol-code").value.trim()); });
    $("#report-form").addEventListener("submit", queueReport);
    $("#note").addEventListener("input", noteTyped);
    $("#photo-before").addEventListener("change", previews);
    $("#photo-after").addEventListener("change", previews);
    $("#tasks-refresh").addEventListener("click", loadTasks);
    $("#duty").addEventListener("change", setDuty);
    $("#share-track").addEventListener("change", setDuty);
    for (const button of document.querySelectorAll(".tabs button")) button.addEventListener("click", () => showTab(button.dataset.tab));
    window.addEventListener("online", () => { showNet(); flush(); placeFix(); });
    window.addEventListener("offline", showNet);
    setInterval(flush, RETRY_MS);
    const code = new URLSearchParams(location.search).get("enrol");
    if (code) history.replaceState(null, "", "/field/");
    translate();
    showTab("report");
    watchPosition();
    if (code && !state.token) return enrol(code);
    await start();
  }

  boot();
})();
