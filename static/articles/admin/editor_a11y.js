// The story editor (django-prose-editor, Tiptap) for people using a screen reader or a keyboard.
// The library draws its editing area, toolbar and dialogs without names or states; this names
// them from the page's own form field (its <label>, its help text), gives the toolbar arrow-key
// movement with one Tab stop, mirrors the library's "active" and "disabled" classes as
// aria-pressed and a real disabled state, and names its dialogs by their headings. It only
// watches the DOM (a MutationObserver), so it survives the library redrawing any of it.
"use strict";
(function () {
  // Buttons that switch something on and off at the caret; the others (insert a table, undo,
  // the body blocks) are plain actions and get no pressed state.
  const TOGGLES = new Set([
    "bold", "italic", "underline", "strike", "subscript", "superscript", "link", "blockquote",
    "bulletList", "orderedList", "heading1", "heading2", "heading3", "heading4", "heading5",
    "heading6", "paragraph",
  ]);
  let seq = 0;

  function idOf(element, stem) {
    if (!element.id) element.id = `${stem}-${++seq}`;
    return element.id;
  }

  /** The editing area: a multi-line text box named by its field's label and help text. */
  function nameEditingArea(area) {
    const root = area.closest(".prose-editor");
    const textarea = root && root.querySelector("textarea");
    if (!textarea) return;
    const label = textarea.id && document.querySelector(`label[for="${textarea.id}"]`);
    if (label) setIfChanged(area, "aria-labelledby", idOf(label, `${textarea.id}-label`));
    const described = textarea.getAttribute("aria-describedby");
    const existing = (described || "").split(/\s+/).filter((id) => document.getElementById(id));
    if (existing.length) setIfChanged(area, "aria-describedby", existing.join(" "));
    setIfChanged(area, "aria-multiline", "true");
    if (textarea.getAttribute("aria-invalid") === "true") setIfChanged(area, "aria-invalid", "true");
  }

  function setIfChanged(element, name, value) {
    if (element.getAttribute(name) !== value) element.setAttribute(name, value);
  }

  function editorOf(menubar) {
    const area = menubar.parentElement && menubar.parentElement.querySelector(".ProseMirror[contenteditable]");
    return area && area.editor;
  }

  /** Whether a toolbar button is on, read from the editor when the library does not say it. */
  function pressed(button, editor) {
    if (button.dataset.name === "bulletList" && editor) return editor.isActive("bulletList");
    return button.classList.contains("active");
  }

  /** The toolbar: role, name, pressed and disabled states, and one Tab stop. */
  function syncToolbar(menubar) {
    if (!menubar.hasAttribute("role")) {
      menubar.setAttribute("role", "toolbar");
      const area = menubar.parentElement.querySelector(".ProseMirror[contenteditable]");
      const label = area && area.getAttribute("aria-labelledby");
      const labelText = label && document.getElementById(label) ? document.getElementById(label).textContent.trim() : "";
      menubar.setAttribute("aria-label", labelText ? `${labelText.replace(/:$/, "")} formatting` : "Formatting");
      menubar.addEventListener("keydown", moveWithArrows);
      menubar.addEventListener("focusin", (event) => remember(menubar, event.target));
    }
    const editor = editorOf(menubar);
    for (const button of menubar.querySelectorAll("button")) {
      if (button.closest(".prose-menubar__picker")) continue; // the block-type list's options
      const inSelected = button.closest(".prose-menubar__selected");
      if (inSelected) {
        nameBlockTypeButton(button, inSelected);
        continue;
      }
      const off = button.classList.contains("disabled") && !button.classList.contains("active");
      if (button.disabled !== off) button.disabled = off;
      if (TOGGLES.has(button.dataset.name)) setIfChanged(button, "aria-pressed", String(pressed(button, editor)));
    }
    rove(menubar);
  }

  /** The block-type menu shows a copy of the current type's button: it opens the list. */
  function nameBlockTypeButton(button, wrapper) {
    const picker = wrapper.parentElement.querySelector(".prose-menubar__picker");
    const current = (button.getAttribute("aria-label") || "").replace(/^Block type: /, "") || "other";
    button.removeAttribute("aria-pressed");
    button.disabled = false;
    setIfChanged(button, "aria-label", `Block type: ${current}`);
    setIfChanged(button, "aria-haspopup", "true");
    if (picker) {
      setIfChanged(button, "aria-controls", idOf(picker, "prose-block-types"));
      setIfChanged(button, "aria-expanded", String(picker.matches(":popover-open")));
      if (!picker.dataset.a11y) {
        picker.dataset.a11y = "1";
        picker.setAttribute("aria-label", "Block types");
        picker.addEventListener("toggle", (event) => {
          const opener = wrapper.querySelector("button");
          if (opener) opener.setAttribute("aria-expanded", String(event.newState === "open"));
          if (event.newState === "open") {
            const first = picker.querySelector("button:not(.hidden)");
            if (first) first.focus();
          } else if (picker.contains(document.activeElement) && opener) opener.focus();
        });
        picker.addEventListener("keydown", (event) => moveIn(picker, event, "ArrowDown", "ArrowUp"));
      }
    }
  }

  /** The buttons one can move to: shown, enabled, outside the block-type list. */
  function stops(menubar) {
    return [...menubar.querySelectorAll("button")].filter(
      (button) => !button.disabled && !button.closest(".prose-menubar__picker") && button.offsetParent !== null,
    );
  }

  function remember(menubar, target) {
    if (target.matches("button") && !target.closest(".prose-menubar__picker")) {
      menubar.dataset.current = target.dataset.name || "";
      rove(menubar);
    }
  }

  /** Exactly one button of the toolbar takes Tab: the last one used, or the first. */
  function rove(menubar) {
    const all = stops(menubar);
    const current = all.find((button) => button === document.activeElement) ||
      all.find((button) => menubar.dataset.current && button.dataset.name === menubar.dataset.current &&
        !button.closest(".prose-menubar__selected")) ||
      all[0];
    for (const button of menubar.querySelectorAll("button")) {
      if (button.closest(".prose-menubar__picker")) continue;
      setIfChanged(button, "tabindex", button === current ? "0" : "-1");
    }
  }

  function moveWithArrows(event) {
    if (event.target.closest(".prose-menubar__picker")) return;
    moveIn(event.currentTarget, event, "ArrowRight", "ArrowLeft");
  }

  function moveIn(container, event, next, previous) {
    const all = container.classList.contains("prose-menubar")
      ? stops(container)
      : [...container.querySelectorAll("button:not(.hidden)")];
    const at = all.indexOf(document.activeElement);
    let to = null;
    if (event.key === next) to = all[(at + 1) % all.length];
    else if (event.key === previous) to = all[(at - 1 + all.length) % all.length];
    else if (event.key === "Home") to = all[0];
    else if (event.key === "End") to = all[all.length - 1];
    if (!to) return;
    event.preventDefault();
    to.focus();
  }

  /** The library's own dialogs (link, table) are named by their heading. */
  function nameDialog(dialog) {
    if (dialog.hasAttribute("aria-labelledby") || dialog.hasAttribute("aria-label")) return;
    const heading = dialog.querySelector("h1, h2, h3, h4, .prose-editor-dialog-title");
    if (heading) dialog.setAttribute("aria-labelledby", idOf(heading, "prose-editor-dialog-title"));
    else dialog.setAttribute("aria-label", "Editor dialog");
  }

  function update() {
    for (const area of document.querySelectorAll(".prose-editor .ProseMirror[contenteditable]")) nameEditingArea(area);
    for (const menubar of document.querySelectorAll(".prose-editor .prose-menubar")) syncToolbar(menubar);
    for (const dialog of document.querySelectorAll("dialog.prose-editor-dialog")) nameDialog(dialog);
  }

  let queued = false;
  function soon() {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      update();
    });
  }

  function start() {
    update();
    // Our own attribute changes are filtered out; a change of class (active, disabled,
    // hidden) or of the tree (a redraw, a dialog) brings everything up to date again.
    new MutationObserver((records) => {
      if (records.some((record) => record.type === "childList" || record.attributeName === "class")) soon();
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["class"] });
    document.addEventListener("selectionchange", soon);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
