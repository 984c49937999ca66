// Accessibility for the admin as a whole (loaded by templates/admin/base_site.html):
// - a form's error summary (templates/admin/includes/error_summary.html) takes focus when the
//   page loads, and each of its links moves focus to the field it names; without one, the
//   messages (what a save or a move did) take it, unless something else already has;
// - the searchable selects Django draws with Select2 (autocomplete fields: hero image,
//   related stories, byline authors) are named by their field's label, which Select2 leaves out.
"use strict";
(function () {
  let seq = 0;

  function idOf(element, stem) {
    if (!element.id) element.id = `${stem}-${++seq}`;
    return element.id;
  }

  /** Where a field's keyboard focus really goes: Select2's box, or the story editor. */
  function focusable(field) {
    if (field.classList.contains("select2-hidden-accessible")) {
      return field.nextElementSibling && field.nextElementSibling.querySelector(".select2-selection, .select2-search__field");
    }
    const editor = field.closest(".prose-editor");
    if (editor) return editor.querySelector(".ProseMirror[contenteditable]");
    return field;
  }

  function startMessages() {
    const list = document.querySelector(".messagelist");
    if (!list || document.activeElement !== document.body) return;
    list.tabIndex = -1;
    list.focus();
  }

  function startErrorSummary() {
    const summary = document.querySelector(".error-summary");
    if (!summary) return startMessages();
    summary.focus();
    summary.addEventListener("click", (event) => {
      const link = event.target.closest("a[href^='#']");
      const field = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
      const target = field && focusable(field);
      if (!target) return;
      event.preventDefault();
      const label = document.querySelector(`label[for="${field.id}"]`);
      (label || target).scrollIntoView({ block: "center" });
      target.focus({ preventScroll: true });
    });
  }

  /** The text naming a field: its <label>, or its column's heading in a tabular inline. */
  function labelFor(select) {
    const label = select.id && document.querySelector(`label[for="${select.id}"]`);
    if (label && label.textContent.trim()) return { id: idOf(label, `${select.id}-label`) };
    const cell = select.closest("td");
    const row = select.closest("tr");
    const table = select.closest("table");
    if (!cell || !row || !table) return null;
    const column = [...row.children].indexOf(cell);
    const heading = table.querySelectorAll("thead th")[column];
    const text = heading ? heading.textContent.trim() : "";
    return text ? { text } : null;
  }

  function nameSelect2(select) {
    const container = select.nextElementSibling;
    if (!container || !container.classList.contains("select2")) return;
    const name = labelFor(select);
    if (!name) return;
    const named = (element, also = "") => {
      if (name.id) {
        const ids = [name.id, also].filter(Boolean).join(" ");
        if (element.getAttribute("aria-labelledby") !== ids) element.setAttribute("aria-labelledby", ids);
      } else if (element.getAttribute("aria-label") !== name.text) {
        element.setAttribute("aria-label", name.text);
      }
    };
    const box = container.querySelector(".select2-selection");
    const shown = container.querySelector(".select2-selection__rendered");
    // A single choice: its label, then what is chosen; several: the label, the chips are read.
    if (box) named(box, box.classList.contains("select2-selection--single") && shown ? idOf(shown, "select2-shown") : "");
    // Select2 makes what is chosen a read-only text box of its own: it needs the name too.
    if (shown && shown.getAttribute("role") === "textbox") named(shown);
    const search = container.querySelector(".select2-search__field");
    if (search) named(search);
  }

  function nameAllSelect2() {
    for (const select of document.querySelectorAll("select.select2-hidden-accessible")) nameSelect2(select);
    // The search box of an open dropdown (appended to <body>) is named by its listbox's field.
    for (const search of document.querySelectorAll(".select2-dropdown .select2-search__field")) {
      const owner = document.querySelector(".select2-container--open");
      const select = owner && owner.previousElementSibling;
      const name = select && labelFor(select);
      const text = name && (name.text || document.getElementById(name.id).textContent.trim());
      if (text && search.getAttribute("aria-label") !== `Search ${text}`) search.setAttribute("aria-label", `Search ${text}`);
    }
  }

  let queued = false;
  function soon() {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      nameAllSelect2();
    });
  }

  function start() {
    startErrorSummary();
    nameAllSelect2();
    new MutationObserver((records) => {
      if (records.some((record) => record.type === "childList")) soon();
    }).observe(document.body, { subtree: true, childList: true });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
