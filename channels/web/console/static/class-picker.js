// The class picker: every <select data-class-picker> of the page becomes a searchable combobox (ARIA 1.2 pattern).
// Type a class, its major class or family in Chinese or English, its id, or pinyin (full or initials: "rqjg").
// The select stays in the form and carries the value; without scripts it is an ordinary list with nothing chosen.
(() => {
  "use strict";
  const SHOWN = 50;
  const selects = Array.from(document.querySelectorAll("select[data-class-picker]"));
  if (!selects.length) return;
  let serial = 0;

  function matches(entry, terms) {
    return terms.every((term) => entry.search.includes(term));
  }

  function rank(entry, query) {
    const name = entry.name.toLowerCase();
    if (name === query) return 0;
    if (name.startsWith(query)) return 1;
    if (name.includes(query)) return 2;
    return 3;
  }

  function enhance(select, index, texts) {
    const id = `class-picker-${++serial}`;
    const known = new Map(index.map((entry) => [entry.id, entry]));
    const choices = Array.from(select.options).filter((o) => o.value).map((o) => known.get(o.value)
      || { id: o.value, name: o.textContent.trim(), major: "", family: "", search: `${o.value} ${o.textContent}`.toLowerCase() });
    const box = document.createElement("div");
    box.className = "class-picker";
    const input = document.createElement("input");
    input.type = "text";
    input.id = `${id}-input`;
    input.autocomplete = "off";
    input.spellcheck = false;
    input.placeholder = texts.picker_placeholder;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", `${id}-list`);
    const help = document.createElement("span");
    help.id = `${id}-help`;
    help.className = "sr";
    help.textContent = texts.picker_help;
    input.setAttribute("aria-describedby", help.id);
    const list = document.createElement("ul");
    list.id = `${id}-list`;
    list.setAttribute("role", "listbox");
    list.hidden = true;
    const status = document.createElement("span");
    status.className = "sr";
    status.setAttribute("role", "status");
    const label = select.id ? document.querySelector(`label[for="${CSS.escape(select.id)}"]`) : null;
    if (label) {
      label.htmlFor = input.id;
      label.id = label.id || `${id}-label`;
      list.setAttribute("aria-labelledby", label.id);
    } else {
      input.setAttribute("aria-label", select.getAttribute("aria-label") || texts.picker_placeholder);
      list.setAttribute("aria-label", input.getAttribute("aria-label"));
    }
    select.hidden = true;
    select.after(box);
    box.append(input, help, list, status);
    let shown = [];
    let active = -1;

    function chosen() {
      return choices.find((c) => c.id === select.value) || null;
    }

    function describe(entry) {
      return [entry.major, entry.family && entry.family !== entry.name ? entry.family : "", entry.id].filter(Boolean).join(" · ");
    }

    function render() {
      const query = input.value.trim().toLowerCase();
      const terms = query.split(/\s+/).filter(Boolean);
      const found = choices.filter((c) => matches(c, terms));
      found.sort((a, b) => rank(a, query) - rank(b, query));
      shown = found.slice(0, SHOWN);
      active = shown.length ? 0 : -1;
      list.replaceChildren(...shown.map((entry, i) => {
        const li = document.createElement("li");
        li.id = `${id}-option-${i}`;
        li.setAttribute("role", "option");
        li.dataset.value = entry.id;
        li.setAttribute("aria-selected", String(entry.id === select.value));
        const name = document.createElement("span");
        name.className = "name";
        name.textContent = entry.name;
        const more = document.createElement("span");
        more.className = "more";
        more.textContent = describe(entry);
        li.append(name, " ", more);
        li.addEventListener("mousedown", (event) => event.preventDefault());
        li.addEventListener("click", () => pick(entry));
        return li;
      }));
      if (!shown.length) list.append(Object.assign(document.createElement("li"), { className: "empty", textContent: texts.picker_none }));
      status.textContent = shown.length ? texts.picker_count.replace("{count}", String(found.length))
        + (found.length > SHOWN ? ` ${texts.picker_more.replace("{shown}", String(SHOWN))}` : "") : texts.picker_none;
      mark();
      open(true);
    }

    function mark() {
      Array.from(list.querySelectorAll("[role=option]")).forEach((li, i) => li.classList.toggle("active", i === active));
      if (active >= 0) {
        input.setAttribute("aria-activedescendant", `${id}-option-${active}`);
        const li = document.getElementById(`${id}-option-${active}`);
        if (li && li.scrollIntoView) li.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function open(yes) {
      list.hidden = !yes;
      input.setAttribute("aria-expanded", String(yes));
      if (!yes) input.removeAttribute("aria-activedescendant");
    }

    function pick(entry) {
      select.value = entry ? entry.id : "";
      input.value = entry ? entry.name : "";
      status.textContent = entry ? texts.picker_chosen.replace("{name}", entry.name) : "";
      open(false);
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }

    input.addEventListener("input", () => {
      if (select.value) { select.value = ""; select.dispatchEvent(new Event("change", { bubbles: true })); }
      render();
    });
    input.addEventListener("focus", () => { if (!select.value) render(); });
    input.addEventListener("blur", () => {
      open(false);
      const entry = chosen();
      input.value = entry ? entry.name : "";
    });
    input.addEventListener("keydown", (event) => {
      const isOpen = !list.hidden;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!isOpen) { render(); return; }
        if (!shown.length) return;
        active = (active + (event.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
        mark();
      } else if (event.key === "Enter" && isOpen && active >= 0 && !event.ctrlKey && !event.altKey) {
        event.preventDefault();
        event.stopPropagation();
        pick(shown[active]);
      } else if (event.key === "Escape" && isOpen) {
        event.preventDefault();
        open(false);
      }
    });
    select.addEventListener("change", () => {
      const entry = chosen();
      if (document.activeElement !== input) input.value = entry ? entry.name : "";
    });
    const form = select.form;
    if (form) form.addEventListener("reset", () => setTimeout(() => { input.value = ""; open(false); }));
    const entry = chosen();
    if (entry) input.value = entry.name;
    box.dataset.ready = "true";
  }

  fetch("/console/api/classes", { headers: { Accept: "application/json" }, credentials: "same-origin" })
    .then((resp) => (resp.ok ? resp.json() : Promise.reject(new Error(`${resp.status}`))))
    .then((data) => selects.forEach((select) => enhance(select, data.classes, data.texts)))
    .catch((error) => console.warn("class picker unavailable, the plain list stays:", error));
})();
