// Orders the byline with "Up" and "Down" buttons instead of typed position numbers. The
// position inputs stay in the form, hidden, and take the rows' order when the form is sent.
// Without JavaScript they are shown and typed as before.
"use strict";
(function () {
  const ROW = "tr.form-row:not(.empty-form)";

  function authorOf(row) {
    const select = row.querySelector("select[name$='-author']");
    return select && select.value ? select.options[select.selectedIndex].text : "";
  }

  function renumber(group) {
    // Only rows naming someone: a blank extra row given a number would count as filled in.
    group.querySelectorAll(ROW).forEach((row, index) => {
      const position = row.querySelector("input[name$='-position']");
      if (position && authorOf(row)) position.value = String(index);
    });
  }

  function button(text, row, direction) {
    const control = document.createElement("button");
    control.type = "button";
    control.className = "button byline-move";
    control.textContent = text;
    control.addEventListener("click", function () {
      const other = direction < 0 ? row.previousElementSibling : row.nextElementSibling;
      if (!other || !other.matches(ROW)) return;
      if (direction < 0) other.before(row); else other.after(row);
      control.focus();
    });
    control.addEventListener("focus", function () {
      const name = authorOf(row) || "this name";
      control.setAttribute("aria-label", "Move " + name + (direction < 0 ? " up" : " down"));
    });
    return control;
  }

  function attach(row) {
    const cell = row.querySelector("td.field-position");
    if (!cell || cell.querySelector(".byline-move")) return;
    cell.querySelector("input").type = "hidden";
    cell.append(button("Up", row, -1), button("Down", row, 1));
  }

  document.addEventListener("DOMContentLoaded", function () {
    const group = document.getElementById("bylines-group");
    if (!group) return;
    group.querySelectorAll(ROW).forEach(attach);
    const heading = group.querySelector("th.column-position");
    if (heading) heading.textContent = "Order";
    group.closest("form").addEventListener("submit", function () { renumber(group); });
    document.addEventListener("formset:added", function (event) {
      if (event.detail && event.detail.formsetName === "bylines") attach(event.target);
    });
  });
})();
