// The article form's safety net: autosave a few seconds after typing, ask before leaving
// with unsaved changes, and tell who else has the story open. Without JavaScript the form
// works as before; the server keeps every rule.
"use strict";
(function () {
  const QUIET_MS = 3000; // save this long after the last keystroke...
  const MAX_WAIT_MS = 10000; // ...and at least this often while someone keeps typing
  const HEARTBEAT_MS = 20000;

  function start() {
    const session = document.getElementById("edit-session");
    const form = document.getElementById("article_form");
    if (!session || !form) return;
    const status = document.getElementById("autosave-status");
    const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    let dirty = false;
    let unsent = false;
    let quietTimer = null;
    let firstUnsentAt = 0;
    let submitting = false;

    function post(url, body) {
      return fetch(url, {
        method: "POST",
        body: body,
        headers: { "X-CSRFToken": csrf },
        credentials: "same-origin",
      }).then((response) => {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      });
    }

    function formData() {
      const data = new FormData(form);
      for (const input of form.querySelectorAll("input[type=file]")) data.delete(input.name);
      return data;
    }

    function autosave() {
      clearTimeout(quietTimer);
      if (!unsent) return;
      unsent = false;
      firstUnsentAt = 0;
      post(session.dataset.autosaveUrl, formData())
        .then((answer) => {
          status.textContent = `Unsaved changes kept as a draft at ${answer.saved_at}.`;
        })
        .catch(() => {
          unsent = true; // try again with the next keystroke
          status.textContent = "Could not keep a draft of your changes; check your connection.";
        });
    }

    function changed() {
      dirty = unsent = true;
      const now = Date.now();
      firstUnsentAt = firstUnsentAt || now;
      clearTimeout(quietTimer);
      if (now - firstUnsentAt >= MAX_WAIT_MS) autosave();
      else quietTimer = setTimeout(autosave, QUIET_MS);
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", () => {
      submitting = true;
    });
    window.addEventListener("beforeunload", (event) => {
      if (dirty && !submitting) {
        // The page may be gone before a fetch answers; a beacon still arrives.
        if (unsent) navigator.sendBeacon(session.dataset.autosaveUrl, formData());
        event.preventDefault();
        event.returnValue = "";
      }
    });

    const presence = document.getElementById("presence");
    if (session.dataset.heartbeatUrl && presence) {
      const beat = () =>
        post(session.dataset.heartbeatUrl, new FormData())
          .then((answer) => {
            presence.replaceChildren(
              ...answer.others.map((other) => {
                const line = document.createElement("p");
                line.textContent = `${other.name} is editing this story (since ${other.since}).`;
                return line;
              }),
            );
            presence.hidden = answer.others.length === 0;
          })
          .catch(() => {});
      beat();
      setInterval(beat, HEARTBEAT_MS);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
