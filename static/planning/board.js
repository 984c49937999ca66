// The planning board without a full reload: a card's form is sent in the background and the
// board and its messages are replaced by those of the page the server answers with, the very
// page a browser without JavaScript is redirected to. Focus returns to the story moved.
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser) {
    return;
  }

  function replaceMessages(page) {
    const old = document.querySelector("ul.messagelist");
    const fresh = page.querySelector("ul.messagelist");
    if (old) {
      old.remove();
    }
    if (fresh) {
      document.getElementById("content-start").prepend(fresh);
    }
    const status = document.getElementById("board-status");
    if (status) {
      status.textContent = fresh ? fresh.textContent.trim() : "";
    }
  }

  async function send(form) {
    const story = form.closest("[data-story]").dataset.story;
    // Not form.action: the form's own field named "action" hides that property.
    const address = new URL(form.getAttribute("action") || "", window.location.href);
    const response = await fetch(address, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
    });
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    const board = fresh.getElementById("board");
    if (!response.ok || !board) {
      // Not the board (signed out, an error page): show it as a plain submit would.
      window.location.assign(response.url);
      return;
    }
    document.getElementById("board").replaceWith(board);
    replaceMessages(fresh);
    const card = document.querySelector(`#story-${story} .board-card__headline a`);
    (card || document.getElementById("content-start")).focus();
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.matches("form[data-board-form]")) {
      return;
    }
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    send(form).catch(function () {
      form.submit(); // the network failed: let the browser try the ordinary way
    });
  });
})();
