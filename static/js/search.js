// After a search, focus is on what it found (the count, or "no stories match"), where a
// screen reader starts reading and the next Tab goes on to the results; not on the page.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector(".search-summary");
  if (summary && document.activeElement === document.body) summary.focus();
});
