/* Brief change page: move sections up and down without reloading, preview Markdown, accept
   suggested entities, ask before leaving with edits not saved, and show who else is editing. The
   order is sent in each row's hidden "order" field; the server reorders. */
(function () {
  "use strict";

  function desk() { return document.getElementById("briefs-desk"); }

  function group() { return document.getElementById("sections-group"); }

  function rows() {
    const g = group();
    if (!g) { return []; }
    return Array.from(g.querySelectorAll(".inline-related")).filter(
      (row) => !row.classList.contains("empty-form") && !row.id.endsWith("-empty")
    );
  }

  function renumber() {
    rows().forEach((row, index) => {
      const input = row.querySelector("input.section-order");
      if (input) { input.value = String(index); }
    });
  }

  function move(row, step) {
    const all = rows();
    const index = all.indexOf(row);
    const target = all[index + step];
    if (!target) { return; }
    if (step < 0) {
      target.parentNode.insertBefore(row, target);
    } else {
      target.parentNode.insertBefore(row, target.nextSibling);
    }
    renumber();
    row.querySelector(step < 0 ? "button.section-up" : "button.section-down")?.focus();
  }

  function button(label, cls, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "button " + cls;
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function previewFor(row) {
    const textarea = row.querySelector("textarea.section-body-input");
    if (!textarea) { return; }
    let box = row.querySelector(".markdown-preview");
    if (!box) {
      box = document.createElement("div");
      box.className = "markdown-preview";
      textarea.insertAdjacentElement("afterend", box);
    }
    const body = new URLSearchParams({ body: textarea.value });
    fetch(desk().dataset.previewUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
      body: body,
    }).then((r) => (r.ok ? r.json() : Promise.reject(r.status))).then((data) => {
      // The server sanitizes the HTML with the same rules as a saved section.
      box.innerHTML = data.html;
    }).catch(() => { box.textContent = "—"; });
  }

  let dragged = null;
  let grabbed = null;

  function enableDrag(row, handle) {
    // Only the heading bar starts a drag, so text in the fields can still be selected.
    handle.classList.add("section-handle");
    row.draggable = true;
    row.addEventListener("mousedown", (event) => {
      grabbed = handle.contains(event.target) && !event.target.closest("button, input, a") ? row : null;
    });
    row.addEventListener("dragstart", (event) => {
      if (!grabbed) { event.preventDefault(); return; }
      dragged = grabbed;
      dragged.classList.add("section-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.id);
    });
    row.addEventListener("dragend", () => {
      if (dragged) { dragged.classList.remove("section-dragging"); }
      dragged = null;
      grabbed = null;
      renumber();
    });
    row.addEventListener("dragover", (event) => {
      if (!dragged || dragged === row) { return; }
      event.preventDefault();
      const box = row.getBoundingClientRect();
      const after = event.clientY > box.top + box.height / 2;
      row.parentNode.insertBefore(dragged, after ? row.nextSibling : row);
    });
    row.addEventListener("drop", (event) => { event.preventDefault(); renumber(); });
  }

  function decorate(row) {
    if (row.dataset.deskReady) { return; }
    row.dataset.deskReady = "1";
    const d = desk();
    const h3 = row.querySelector("h3");
    if (h3) {
      enableDrag(row, h3);
      const tools = document.createElement("span");
      tools.className = "section-move";
      tools.append(
        button(d.dataset.labelUp, "section-up", () => move(row, -1)),
        button(d.dataset.labelDown, "section-down", () => move(row, 1))
      );
      h3.append(tools);
    }
    const textarea = row.querySelector("textarea.section-body-input");
    if (textarea) {
      textarea.insertAdjacentElement(
        "afterend", button(d.dataset.labelPreview, "section-preview", () => previewFor(row))
      );
    }
  }

  function acceptSuggestion(event) {
    const b = event.target.closest("button.suggestion-accept");
    if (!b) { return; }
    event.preventDefault();
    const row = b.closest(".inline-related");
    const select = row && row.querySelector("select[name$='-entities']");
    if (!select) { return; }
    let option = Array.from(select.options).find((o) => o.value === b.dataset.entityId);
    if (!option) {
      option = new Option(b.dataset.entityName, b.dataset.entityId, true, true);
      select.append(option);
    }
    option.selected = true;
    if (window.django && window.django.jQuery) {
      window.django.jQuery(select).trigger("change");
    }
    b.disabled = true;
  }

  // A form shown again after a refused save may carry an order that is not the order of its rows
  // (the editor's moves, or an order merged with someone else's save): show the rows in that order.
  function sortByOrder() {
    const all = rows();
    if (all.length < 2) { return; }
    const keyed = all.map((row, index) => {
      const input = row.querySelector("input.section-order");
      const value = input && input.value !== "" ? Number(input.value) : NaN;
      return { row, index, key: Number.isNaN(value) ? 1e6 + index : value };
    });
    keyed.sort((a, b) => a.key - b.key || a.index - b.index);
    if (keyed.every((item, index) => item.row === all[index])) { return; }
    const parent = all[0].parentNode;
    const anchor = all[all.length - 1].nextSibling;
    keyed.forEach((item) => parent.insertBefore(item.row, anchor));
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!desk() || !group()) { return; }
    rows().forEach(decorate);
    sortByOrder();
    renumber();
    group().addEventListener("click", acceptSuggestion);
    document.addEventListener("formset:added", (event) => {
      if (event.detail && event.detail.formsetName === "sections") {
        decorate(event.target);
        renumber();
      }
    });
    document.addEventListener("formset:removed", renumber);
    const form = group().closest("form");
    if (form) {
      form.addEventListener("submit", renumber);
      guardUnsaved(form);
      heartbeat(form);
    }
  });

  // Every minute the open form tells the server it is still open and shows who else is editing.
  function heartbeat(form) {
    const status = document.getElementById("editing-others");
    const token = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!status || !token || !window.fetch) { return; }
    const beat = () => {
      fetch(status.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": token.value },
      }).then((response) => (response.ok ? response.json() : null)).then((data) => {
        if (!data) { return; }
        status.textContent = data.others;
        status.hidden = !data.others;
      }).catch(() => {});
    };
    window.setInterval(beat, 1000 * (Number(status.dataset.seconds) || 60));
  }

  // Leaving the page with edits not saved asks first; the browser words the question itself.
  function guardUnsaved(form) {
    let dirty = false;
    const mark = () => { dirty = true; };
    form.addEventListener("input", mark);
    form.addEventListener("change", mark);
    document.addEventListener("formset:added", mark);
    document.addEventListener("formset:removed", mark);
    form.addEventListener("submit", () => { dirty = false; });
    window.addEventListener("beforeunload", (event) => {
      if (dirty) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }
})();
