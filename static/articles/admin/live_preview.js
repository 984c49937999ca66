// The live preview beside the article form: the story as readers will see it, redrawn from the
// unsaved form a moment after each change (nothing is saved). The server draws it with the
// public page's own template (ArticleAdmin.live_preview_view); this only posts the form and
// swaps the page's <main> into the frame, so the reader's scroll position stays put.
"use strict";
(function () {
  const QUIET_MS = 600;
  const DESKTOP_WIDTH = 1280;
  const BESIDE = 1500; // from this window width the panel is beside the form (article_form.css)
  const OPEN_KEY = "newsroom.livePreview.open";

  function start() {
    const panel = document.getElementById("live-preview");
    const form = document.getElementById("article_form");
    if (!panel || !form) return;
    const frame = document.getElementById("live-preview-frame");
    const viewport = panel.querySelector(".live-preview__viewport");
    const status = document.getElementById("live-preview-status");
    const toggle = document.getElementById("live-preview-toggle");
    const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    const body = form.querySelector("textarea[name=body]");
    let timer = null;
    let busy = false;
    let again = false;
    let lastBody = body ? body.value : "";

    function formData() {
      const data = new FormData(form);
      for (const input of form.querySelectorAll("input[type=file]")) data.delete(input.name);
      return data;
    }

    function isOpen() {
      return document.body.classList.contains("live-preview-open");
    }

    function draw(html) {
      const page = new DOMParser().parseFromString(html, "text/html");
      const shown = frame.contentDocument && frame.contentDocument.querySelector("main");
      const fresh = page.querySelector("main");
      if (!shown || !fresh) return;
      shown.replaceChildren(...Array.from(fresh.childNodes, (node) => frame.contentDocument.importNode(node, true)));
      frame.contentDocument.title = page.title;
    }

    function refresh() {
      if (!isOpen()) return;
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      fetch(panel.dataset.url, {
        method: "POST",
        body: formData(),
        headers: { "X-CSRFToken": csrf },
        credentials: "same-origin",
      })
        .then((response) =>
          response.text().then((text) => {
            if (response.status === 400) throw new Error(text);
            if (!response.ok) throw new Error("The preview could not be drawn; your text is safe in the form.");
            return text;
          }),
        )
        .then((html) => {
          draw(html);
          status.textContent = `Updated ${new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" })}`;
        })
        .catch((error) => {
          status.textContent =
            error instanceof TypeError ? "Could not update the preview; check your connection." : error.message;
        })
        .finally(() => {
          busy = false;
          if (again) {
            again = false;
            refresh();
          }
        });
    }

    function changed() {
      clearTimeout(timer);
      timer = setTimeout(refresh, QUIET_MS);
    }

    function fit() {
      const desktop = panel.dataset.width === "desktop";
      const scale = desktop ? Math.min(1, viewport.clientWidth / DESKTOP_WIDTH) : 1;
      frame.style.transform = desktop ? `scale(${scale})` : "";
      frame.style.width = desktop ? `${DESKTOP_WIDTH}px` : "";
      frame.style.height = desktop ? `${viewport.clientHeight / scale}px` : "";
    }

    function setWidth(width) {
      panel.dataset.width = width;
      for (const button of panel.querySelectorAll("[data-width]")) {
        button.setAttribute("aria-pressed", String(button.dataset.width === width));
      }
      fit();
    }

    function setOpen(open) {
      document.body.classList.toggle("live-preview-open", open);
      toggle.setAttribute("aria-expanded", String(open));
      toggle.textContent = open ? "Hide live preview" : "Show live preview";
      localStorage.setItem(OPEN_KEY, open ? "1" : "0");
      if (open && !frame.getAttribute("src")) frame.src = panel.dataset.url;
      else if (open) refresh();
      fit();
    }

    panel.hidden = false;
    frame.addEventListener("load", refresh); // the stored version first, then the form's
    for (const button of panel.querySelectorAll("[data-width]")) {
      button.addEventListener("click", () => setWidth(button.dataset.width));
    }
    toggle.addEventListener("click", () => setOpen(!isOpen()));
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    // Blocks inserted from the editor's dialogs change the body without an input event.
    setInterval(() => {
      if (body && body.value !== lastBody) {
        lastBody = body.value;
        changed();
      }
    }, 1000);
    window.addEventListener("resize", fit);
    setWidth("phone");
    // Beside the form, the panel starts below the admin's header, never over its links.
    const header = document.getElementById("header");
    const placeBelowHeader = () => {
      const bottom = header ? Math.max(0, header.getBoundingClientRect().bottom) : 0;
      document.body.style.setProperty("--live-preview-top", `${bottom}px`);
    };
    placeBelowHeader();
    window.addEventListener("scroll", placeBelowHeader, { passive: true });
    window.addEventListener("resize", placeBelowHeader);
    const remembered = localStorage.getItem(OPEN_KEY);
    setOpen(remembered === null ? window.innerWidth >= BESIDE : remembered === "1");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
