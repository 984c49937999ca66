// Suggests existing tags for the term being typed in a comma-separated tags field.
// Without JavaScript the field is plain text and works the same.
"use strict";
(function () {
  function attach(input) {
    const list = document.createElement("datalist");
    list.id = input.id + "-suggestions";
    input.after(list);
    input.setAttribute("list", list.id);
    let pending = null;
    input.addEventListener("input", function () {
      const parts = input.value.split(",");
      const term = parts.pop().trim();
      const prefix = parts.map((p) => p.trim()).filter(Boolean).join(", ");
      if (term.length < 2) { list.replaceChildren(); return; }
      if (pending) pending.abort();
      pending = new AbortController();
      const url = input.dataset.suggestUrl + "?term=" + encodeURIComponent(term);
      fetch(url, { signal: pending.signal, credentials: "same-origin" })
        .then((response) => response.ok ? response.json() : { tags: [] })
        .then((data) => {
          list.replaceChildren(...data.tags.map((name) => {
            const option = document.createElement("option");
            option.value = prefix ? prefix + ", " + name : name;
            return option;
          }));
        })
        .catch(() => {});
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-suggest-url]").forEach(attach);
  });
})();
