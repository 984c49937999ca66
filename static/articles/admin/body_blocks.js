/*
 * Body blocks in the story editor: pictures from the photo library, embeds, pull quotes and
 * key facts. Loaded by django-prose-editor's "configurable" preset (DJANGO_PROSE_EDITOR_EXTENSIONS
 * in settings; BODY_EDITOR in articles/admin_forms.py turns them on).
 *
 * Each block is an atom node whose HTML is exactly the stored form in articles/blocks.py: an
 * empty <figure data-block="..."> whose data- attributes say everything. In the editor each is
 * drawn as a card (a node view); what is stored is decided on the server by
 * articles/sanitise.py, never here. The editor makes no request to anyone but this site.
 */
import { Extension, Node, Plugin } from "django-prose-editor/editor"

// --- Small helpers ------------------------------------------------------------------------

/** An element: `h("p", {class: "x"}, "text", child)`; attributes are set as attributes. */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue
    element.setAttribute(name, value === true ? "" : value)
  }
  element.append(...children.filter((child) => child !== null && child !== undefined))
  return element
}

function csrfToken() {
  return document.querySelector("input[name=csrfmiddlewaretoken]")?.value || ""
}

/** The JSON an admin endpoint answered, or an Error whose message an editor can act on. */
async function readJSON(response) {
  let data = null
  try {
    data = await response.json()
  } catch {
    // The login page (a lapsed session) or a server error page: no JSON.
  }
  if (response.ok && data && !response.redirected) return data
  if (data?.error) throw new Error(data.error)
  if (response.redirected || response.status === 401) {
    throw new Error("You have been signed out. Sign in again in another tab, then try again.")
  }
  if (response.status === 403) throw new Error("Your account may not do this.")
  throw new Error(`That did not work (the server answered ${response.status}). Try again.`)
}

/**
 * The status line under the editor: what a paste, a drop or a removal did, or why it was
 * refused; `action` ({ label, run }) adds a button doing the one thing that undoes it.
 */
function say(editor, message, action = null) {
  const root = editor.view.dom.closest(".prose-editor") || editor.view.dom.parentElement
  let region = root.querySelector(":scope > .body-blocks-status")
  if (!region) {
    region = h("div", { class: "body-blocks-status", role: "status", "aria-live": "polite" })
    root.append(region)
  }
  region.replaceChildren(message)
  if (action) {
    const button = h("button", { type: "button", class: "bb-undo" }, action.label)
    button.addEventListener("click", () => {
      say(editor, "")
      action.run()
    })
    region.append(" ", button)
  }
  region.classList.toggle("is-empty", !message)
}

// --- Dialogs ------------------------------------------------------------------------------

/**
 * A modal <dialog> labelled by its heading. Closing it (Escape, Cancel, the close button)
 * returns focus to what opened it; `finish()` closes it and puts the caret back in the story.
 */
function openDialog(editor, { id, title, opener, onClose }) {
  document.getElementById(id)?.close()
  const heading = h("h2", { id: `${id}-title` }, title)
  const close = h("button", { type: "button", class: "bb-close", "aria-label": "Close" }, "×")
  const dialog = h("dialog", { id, class: "body-blocks-dialog", "aria-labelledby": heading.id })
  dialog.append(h("div", { class: "bb-dialog-head" }, heading, close))
  const returnTo = opener?.isConnected ? opener : null
  let toStory = false
  close.addEventListener("click", () => dialog.close())
  dialog.addEventListener("close", () => {
    dialog.remove()
    if (toStory || !returnTo?.isConnected) editor.commands.focus()
    else returnTo.focus()
    onClose?.()
  })
  // Outside the admin's own <form>: a form may not hold another.
  document.body.append(dialog)
  return {
    dialog,
    finish() {
      toStory = true
      dialog.close()
    },
  }
}

/** A labelled field; `help` is tied to the control with aria-describedby. */
function field(control, label, help = "") {
  const parts = [h("label", { for: control.id }, label)]
  if (control.required) parts[0].append(h("span", { class: "bb-required" }, " (required)"))
  parts.push(control)
  if (help) {
    const helpId = `${control.id}-help`
    control.setAttribute("aria-describedby", helpId)
    parts.push(h("p", { id: helpId, class: "bb-help" }, help))
  }
  return h("div", { class: "bb-field" }, ...parts)
}

function textInput(id, value = "", attributes = {}) {
  const input = h("input", { type: "text", id, ...attributes })
  input.value = value ?? ""
  return input
}

function textArea(id, value = "", attributes = {}) {
  const area = h("textarea", { id, rows: 4, ...attributes })
  area.value = value ?? ""
  return area
}

function buttons(...children) {
  return h("div", { class: "bb-buttons" }, ...children)
}

function errorLine(id) {
  return h("p", { id, class: "bb-error", role: "alert" })
}

/*
 * The rules the server decides and this script must decide alike (which pasted addresses become
 * embeds, when a caption repeats the alt text) come from the change form as data
 * (articles/templatetags/body_editor.py), so no copy of them is kept here.
 */
let serverRules = null
function rules() {
  if (!serverRules) {
    const data = JSON.parse(document.getElementById("body-editor-rules")?.textContent || "{}")
    serverRules = {
      maxUrlChars: data.maxUrlChars ?? 0,
      refusedInUrl: data.refusedInUrl ?? "",
      captionEndsIgnored: data.captionEndsIgnored ?? "",
      providers: (data.providers || []).map(({ key, title, patterns }) => ({
        key,
        title,
        patterns: patterns.map((source) => new RegExp(`^(?:${source})$`, "i")),
      })),
    }
  }
  return serverRules
}

/** Whether a caption says what the alt text says: photos.models.repeats(). */
function repeats(caption, alt) {
  const ends = rules().captionEndsIgnored
  const words = (text) => {
    // Upper then lower case folds as Python's casefold() does for the letters captions hold (ß).
    const folded = text.toUpperCase().toLowerCase().split(/\s+/).filter(Boolean).join(" ")
    let [start, end] = [0, folded.length]
    while (start < end && ends.includes(folded[start])) start++
    while (end > start && ends.includes(folded[end - 1])) end--
    return folded.slice(start, end)
  }
  return Boolean(caption && alt) && words(caption) === words(alt)
}

const REPEATED =
  "The caption repeats the alt text: readers using a screen reader would hear it twice, so " +
  "they get the caption only. Say in the alt text what the photo shows."

/**
 * "Decorative (no alt text)": a photo that tells readers nothing; ticked, the alt text is
 * neither asked for nor stored (readers get alt=""). Returns the field and the checkbox.
 */
function decorativeField(id, altInput, onChange) {
  const box = h("input", { type: "checkbox", id, "aria-describedby": `${id}-help` })
  const sync = () => {
    altInput.disabled = box.checked
    const required = altInput.closest(".bb-field")?.querySelector(".bb-required")
    if (required) required.hidden = box.checked
    onChange?.()
  }
  box.addEventListener("change", sync)
  const wrapper = h(
    "div",
    { class: "bb-field bb-check" },
    box,
    h("label", { for: id }, "Decorative (no alt text)"),
    h("p", { id: `${id}-help`, class: "bb-help" }, "Only for a photo that tells readers nothing, such as a texture: screen readers pass over it."),
  )
  return { wrapper, box, sync }
}

/**
 * A dialog of plain fields; resolves with their values, or null when cancelled.
 * `fields`: [{name, label, control, help}]; `check(values)` returns a message that stops the
 * submit; `hint(values)` is said, politely, as the fields change.
 */
function formDialog(editor, { id, title, fields, submitText, opener, check, hint }) {
  return new Promise((resolve) => {
    let result = null
    const { dialog, finish } = openDialog(editor, {
      id,
      title,
      opener,
      onClose: () => resolve(result),
    })
    const form = h("form", { novalidate: true })
    const error = errorLine(`${id}-error`)
    const hintLine = hint ? h("p", { id: `${id}-hint`, class: "bb-hint", "aria-live": "polite" }) : null
    const values = () =>
      Object.fromEntries(fields.map(({ name, control }) => [name, control.value.trim()]))
    const cancel = h("button", { type: "button", class: "bb-secondary" }, "Cancel")
    form.append(
      ...fields.map(({ label, control, help }) => field(control, label, help)),
      hintLine,
      error,
      buttons(h("button", { type: "submit", class: "bb-primary" }, submitText), cancel),
    )
    dialog.append(form)
    cancel.addEventListener("click", () => dialog.close())
    if (hint) {
      const update = () => {
        hintLine.textContent = hint(values())
      }
      form.addEventListener("input", update)
      update()
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault()
      const missing = fields.find(({ control }) => control.required && !control.value.trim())
      const problem = missing ? `${missing.label}: please fill this in.` : check?.(values())
      error.textContent = problem || ""
      if (problem) {
        ;(missing?.control || fields[0].control).focus()
        return
      }
      result = values()
      finish()
    })
    dialog.showModal()
  })
}

// --- Node views: how a block looks inside the editor --------------------------------------

/**
 * The card a block is drawn as: its content, then Edit and Remove buttons. Double-click or
 * Enter on a selected block edits it too (see each node's keyboard shortcuts).
 */
function blockView(kind, label, { editor, getPos, edit, draw }) {
  const content = h("div", { class: "bb-block-content" })
  const editButton = h("button", { type: "button", class: "bb-edit", "aria-label": `Edit ${label}` }, "Edit")
  const removeButton = h(
    "button",
    { type: "button", class: "bb-remove", "aria-label": `Remove ${label}` },
    "Remove",
  )
  const dom = h(
    "div",
    { class: `bb-block bb-${kind}`, "data-block-kind": kind },
    content,
    h("div", { class: "bb-actions" }, editButton, removeButton),
  )
  const position = () => (typeof getPos === "function" ? getPos() : null)
  editButton.addEventListener("click", () => edit(position(), editButton))
  removeButton.addEventListener("click", () => {
    const pos = position()
    if (pos !== null && pos !== undefined) removeBlock(editor, pos)
  })
  // A click on the card selects the whole block (the outline), wherever it lands on it: the
  // browser alone may put a caret in the card's text, where keys do nothing visible.
  dom.addEventListener("click", (event) => {
    const pos = position()
    if (!event.target.closest("button") && pos !== null && pos !== undefined) {
      editor.chain().focus().setNodeSelection(pos).run()
    }
  })
  dom.addEventListener("dblclick", (event) => {
    if (!event.target.closest("button")) edit(position(), editButton)
  })
  return {
    dom,
    content,
    view(node) {
      let current = node
      draw(content, current, dom)
      return {
        dom,
        update(next) {
          if (next.type !== current.type) return false
          current = next
          draw(content, current, dom)
          return true
        },
        // The buttons are the block's own; ProseMirror leaves their events alone.
        stopEvent: (event) => Boolean(event.target.closest?.("button")),
        ignoreMutation: () => true,
      }
    },
  }
}

// --- Blocks are never lost by a keystroke ------------------------------------------------

const BLOCK_LABELS = {
  bodyPicture: "Picture",
  bodyEmbed: "Embed",
  bodyPullQuote: "Pull quote",
  bodyKeyFacts: "Key facts",
}

/** The block the selection is (a click on a card selects the whole block), or null. */
function selectedBlock(state) {
  const node = state.selection.node
  return node && BLOCK_LABELS[node.type.name] ? node : null
}

/**
 * Take a block out, saying so with a button that puts it back where it was, selected: its
 * Remove button, Backspace or Delete on it. (Not the editor's undo, which may also take back
 * what was typed just before.)
 */
function removeBlock(editor, pos) {
  const node = editor.state.doc.nodeAt(pos)
  if (!node) return
  editor.chain().focus().deleteRange({ from: pos, to: pos + node.nodeSize }).run()
  say(editor, `${BLOCK_LABELS[node.type.name] || "Block"} removed.`, {
    label: "Undo",
    run: () => {
      const at = Math.min(pos, editor.state.doc.content.size)
      editor.chain().focus().insertContentAt(at, node.toJSON()).setNodeSelection(at).run()
    },
  })
}

/** The caret at the start of the paragraph after the selected block (a new one if none). */
function caretAfterBlock(editor) {
  const after = editor.state.selection.to
  editor
    .chain()
    .command(({ tr }) => {
      if (!tr.doc.nodeAt(after)?.isTextblock) tr.insert(after, editor.schema.nodes.paragraph.create())
      return true
    })
    .setTextSelection(after + 1)
    .run()
}

/**
 * With a block selected, ProseMirror's defaults replace it with whatever is typed or pasted,
 * and leave Ctrl+Home and Ctrl+End with nowhere to go. Here typing and pasting go into the
 * paragraph after the block, those keys move the caret as they do from text, and Backspace
 * or Delete remove it with an Undo (Enter edits it: each block's own shortcut).
 */
export const BodyBlockGuard = Extension.create({
  name: "bodyBlockGuard",

  addProseMirrorPlugins() {
    const editor = this.editor
    return [
      new Plugin({
        props: {
          handleKeyDown: (view, event) => {
            if (!selectedBlock(view.state)) return false
            const command = event.ctrlKey || event.metaKey
            if (command && (event.key === "Home" || event.key === "End")) {
              editor.commands.focus(event.key === "Home" ? "start" : "end")
              return true
            }
            if ((event.key === "Backspace" || event.key === "Delete") && !event.altKey && !command) {
              removeBlock(editor, view.state.selection.from)
              return true
            }
            return false
          },
          handleTextInput: (view, _from, _to, text) => {
            if (!selectedBlock(view.state)) return false
            caretAfterBlock(editor)
            editor.commands.insertContent(text)
            return true
          },
          handlePaste: (view) => {
            if (selectedBlock(view.state)) caretAfterBlock(editor)
            return false // pasted where the caret now is, by whichever handler takes it
          },
        },
      }),
    ]
  },
})

/** Attributes kept as the figure's data- attributes; `null` (left out) round-trips. */
function dataAttribute(name, fallback = null) {
  return {
    default: fallback,
    parseHTML: (element) => element.getAttribute(`data-${name}`) ?? fallback,
    rendered: false,
  }
}

function storedFigure(kind, names, attrs) {
  const attributes = { "data-block": kind }
  for (const name of names) {
    if (attrs[name] !== null && attrs[name] !== undefined) attributes[`data-${name}`] = attrs[name]
  }
  return ["figure", attributes]
}

/** Enter on a selected block of this kind opens its dialog. */
function enterEdits(nodeName, edit) {
  return {
    Enter: ({ editor }) => {
      const { selection } = editor.state
      if (selection.node?.type.name !== nodeName) return false
      edit(editor, selection.from)
      return true
    },
  }
}

/**
 * Put a block at the caret, and the caret in the paragraph below it (a new one when none
 * follows), ready to write on. When a block or some text is selected, the new one goes after
 * it rather than in its place; inside a table, after the table.
 */
function insertBlock(editor, content) {
  const node = editor.schema.nodeFromJSON(content)
  let after = null
  editor
    .chain()
    .focus()
    .command(({ tr }) => {
      const { selection } = tr
      // After a selected block, or after the text selected (inserting keeps it).
      // (The whole story selected ends at its top level: the block goes at the end.)
      const afterText = selection.$to.depth > 0 ? selection.$to.after(1) : selection.to
      let at = selection.node ? selection.to : selection.empty ? null : afterText
      for (let depth = selection.$from.depth; depth > 0; depth--) {
        if (selection.$from.node(depth).type.spec.tableRole === "table") at = selection.$from.after(depth)
      }
      if (at === null) {
        tr.replaceSelectionWith(node)
        // ProseMirror puts the caret in the next paragraph, or selects the block when none follows.
        if (tr.selection.node) after = tr.selection.to
      } else {
        tr.insert(at, node)
        after = at + node.nodeSize
      }
      if (after !== null && !tr.doc.nodeAt(after)?.isTextblock) {
        tr.insert(after, editor.schema.nodes.paragraph.create())
      }
      return true
    })
    .run()
  if (after !== null) editor.commands.setTextSelection(after + 1)
}

const blockNode = {
  group: "block",
  atom: true,
  selectable: true,
  draggable: true,
}

// --- Pictures from the photo library ------------------------------------------------------

const SIZES = [
  ["inline", "Inline", "In the column of text"],
  ["wide", "Wide", "Wider than the text"],
  ["full", "Full width", "The whole width of the page"],
]
const known = new Map() // photo id (string) -> the library's photo, or null when it is gone
let batch = null

async function findPhotos(options, params) {
  const url = new URL(options.search, window.location.href)
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value)
  const response = await fetch(url, { headers: { Accept: "application/json" } })
  const { photos } = await readJSON(response)
  for (const photo of photos) known.set(String(photo.id), photo)
  return photos
}

/** The library's photo for a block (thumbnail, own alt, caption, credit): one request per batch. */
function photoInfo(options, id) {
  id = String(id)
  if (known.has(id)) return Promise.resolve(known.get(id))
  if (!batch) {
    const ids = new Set()
    const done = new Promise((resolve) => {
      setTimeout(async () => {
        batch = null
        const chunks = []
        for (let i = 0; i < ids.size; i += 24) chunks.push([...ids].slice(i, i + 24))
        try {
          await Promise.all(chunks.map((chunk) => findPhotos(options, { ids: chunk.join(",") })))
          for (const wanted of ids) if (!known.has(wanted)) known.set(wanted, null)
        } catch {
          // Offline or signed out: the card says "Photo 42" without a thumbnail.
        }
        resolve()
      }, 0)
    })
    batch = { ids, done }
  }
  batch.ids.add(id)
  return batch.done.then(() => known.get(id))
}

async function uploadPhoto(options, file, { alt, decorative, caption, credit }) {
  const body = new FormData()
  body.append("file", file, file.name || "pasted-picture")
  body.append("alt", alt)
  if (decorative) body.append("decorative", "on")
  body.append("caption", caption)
  body.append("credit", credit)
  const response = await fetch(options.upload, {
    method: "POST",
    body,
    headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
  })
  const photo = await readJSON(response)
  known.set(String(photo.id), photo)
  return photo
}

function readAsDataURL(file) {
  return new Promise((resolve) => {
    const reader = new FileReader()
    reader.onload = () => resolve(reader.result)
    reader.onerror = () => resolve("")
    reader.readAsDataURL(file)
  })
}

/** A thumbnail button: its name is the photo's alt text. */
function photoButton(photo, choose) {
  const image = h("img", { src: photo.thumbnail, alt: photo.alt, width: 96, height: 96, loading: "lazy" })
  const button = h(
    "button",
    { type: "button", class: "bb-photo", title: photo.caption || photo.alt, "data-photo": photo.id },
    image,
  )
  button.addEventListener("click", () => choose(photo))
  return h("li", {}, button)
}

/**
 * Choose a photo (search, recent uploads, or upload one), then this use's alt text, caption,
 * credit and size. `pos` given: edit the picture there. `file` given: start at the upload,
 * with that file. Resolves when the dialog closes.
 */
function pictureDialog(editor, options, { opener, pos = null, file = null } = {}) {
  const editing = pos !== null
  const attrs = editing ? editor.state.doc.nodeAt(pos)?.attrs : null
  return new Promise((resolve) => {
    const { dialog, finish } = openDialog(editor, {
      id: "body-picture-dialog",
      title: editing ? "Edit picture" : "Insert picture",
      opener,
      onClose: resolve,
    })
    let photo = null
    let pendingFile = file

    // Step 1: choose a photo from the library, or upload one.
    const search = h("input", { type: "search", id: "bb-photo-search", autocomplete: "off" })
    const found = h("p", { id: "bb-photo-found", class: "bb-results-label", "aria-live": "polite" })
    const grid = h("ul", { id: "bb-photo-results", class: "bb-photo-grid", "aria-labelledby": "bb-photo-found" })
    const library = h(
      "section",
      { class: "bb-library", "aria-label": "Photo library" },
      field(search, "Search the photo library", "Words from the alt text, caption or credit."),
      found,
      grid,
    )

    const fileInput = h("input", {
      type: "file",
      id: "bb-upload-file",
      accept: "image/jpeg,image/png,image/webp,image/gif",
    })
    const preview = h("img", { class: "bb-upload-preview", alt: "", hidden: true })
    const uploadAlt = textInput("bb-upload-alt", "", { required: true, maxlength: 300 })
    const uploadRepeat = h("p", { id: "bb-upload-repeat", class: "bb-hint", "aria-live": "polite" })
    const uploadCaption = textInput("bb-upload-caption", "", { maxlength: 500 })
    const checkUploadRepeat = () => {
      uploadRepeat.textContent = !uploadDecorative.box.checked && repeats(uploadCaption.value.trim(), uploadAlt.value.trim()) ? REPEATED : ""
    }
    const uploadDecorative = decorativeField("bb-upload-decorative", uploadAlt, checkUploadRepeat)
    const uploadCredit = textInput("bb-upload-credit", "", { maxlength: 200 })
    const uploadError = errorLine("bb-upload-error")
    const uploadButton = h("button", { type: "submit", id: "bb-upload-submit", class: "bb-primary" }, "Upload")
    const uploadForm = h(
      "form",
      { class: "bb-upload", novalidate: true, "aria-labelledby": "bb-upload-title" },
      h("h3", { id: "bb-upload-title" }, "Upload a new photo"),
      h("div", { class: "bb-upload-file" }, field(fileInput, "Photo file", "JPEG, PNG, WebP or GIF."), preview),
      field(uploadAlt, "Alt text", "What the photo shows, for readers who cannot see it."),
      uploadDecorative.wrapper,
      field(uploadCaption, "Caption"),
      uploadRepeat,
      field(uploadCredit, "Credit"),
      uploadError,
      buttons(uploadButton),
    )
    const chooseStep = h("div", { class: "bb-step bb-choose" }, library, uploadForm)

    // Step 2: this use of the photo.
    const chosen = h("div", { class: "bb-chosen" })
    const alt = textInput("bb-picture-alt", "", { required: true, maxlength: 300 })
    const repeat = h("p", { id: "bb-picture-repeat", class: "bb-hint", "aria-live": "polite" })
    const caption = textInput("bb-picture-caption", "", { maxlength: 500 })
    const checkRepeat = () => {
      repeat.textContent = !decorative.box.checked && repeats(caption.value.trim(), alt.value.trim()) ? REPEATED : ""
    }
    const decorative = decorativeField("bb-picture-decorative", alt, checkRepeat)
    const credit = textInput("bb-picture-credit", "", { maxlength: 200 })
    const sizes = h(
      "fieldset",
      { class: "bb-sizes" },
      h("legend", {}, "Size"),
      ...SIZES.map(([value, label, help]) =>
        h(
          "label",
          { class: "bb-size" },
          h("input", { type: "radio", name: "bb-picture-size", value, id: `bb-picture-size-${value}` }),
          h("span", {}, label, h("small", {}, help)),
        ),
      ),
    )
    const detailsError = errorLine("bb-picture-error")
    const back = h("button", { type: "button", id: "bb-picture-back", class: "bb-secondary" }, "Choose another photo")
    const cancel = h("button", { type: "button", class: "bb-secondary" }, "Cancel")
    const detailsForm = h(
      "form",
      { class: "bb-step bb-details", novalidate: true, hidden: true },
      chosen,
      h(
        "div",
        { class: "bb-detail-fields" },
        field(alt, "Alt text", "For this story; it starts as the photo's own."),
        decorative.wrapper,
        field(caption, "Caption"),
        repeat,
        field(credit, "Credit"),
        sizes,
      ),
      detailsError,
      buttons(
        h("button", { type: "submit", id: "bb-picture-submit", class: "bb-primary" }, editing ? "Save picture" : "Insert picture"),
        editing ? null : back,
        cancel,
      ),
    )
    dialog.append(chooseStep, detailsForm)

    const showDetails = (picked, values) => {
      photo = picked
      chosen.replaceChildren(
        picked
          ? h("img", { src: picked.thumbnail, alt: "", width: 120, height: 120 })
          : h("p", { class: "bb-missing" }, "This photo is no longer in the library."),
        h("p", {}, picked ? `Photo ${picked.id}: ${picked.alt}` : ""),
      )
      // An empty alt text stored for this use marks it decorative; left out, the photo says.
      decorative.box.checked = values.alt === "" || (values.alt == null && Boolean(picked?.decorative))
      alt.value = values.alt || picked?.alt || ""
      caption.value = values.caption ?? picked?.caption ?? ""
      credit.value = values.credit ?? picked?.credit ?? ""
      const size = SIZES.some(([value]) => value === values.size) ? values.size : "inline"
      dialog.querySelector(`#bb-picture-size-${size}`).checked = true
      chooseStep.hidden = true
      detailsForm.hidden = false
      decorative.sync()
      ;(decorative.box.checked ? decorative.box : alt).focus()
    }
    const showChoose = () => {
      detailsForm.hidden = true
      chooseStep.hidden = false
      search.focus()
    }

    const list = async (term) => {
      found.textContent = "Looking…"
      try {
        const photos = await findPhotos(options, term ? { q: term } : {})
        if (search.value.trim() !== term) return // a later search is on its way
        grid.replaceChildren(...photos.map((each) => photoButton(each, (picked) => showDetails(picked, {}))))
        found.textContent = term
          ? `${photos.length || "No"} photo${photos.length === 1 ? "" : "s"} matching “${term}”`
          : photos.length
            ? "Recent uploads"
            : "The library has no photos yet: upload one."
      } catch (error) {
        found.textContent = error.message
      }
    }
    let timer = null
    search.addEventListener("input", () => {
      clearTimeout(timer)
      timer = setTimeout(() => list(search.value.trim()), 250)
    })
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault()
        clearTimeout(timer)
        list(search.value.trim())
      }
    })

    const usePendingFile = async (chosenFile) => {
      pendingFile = chosenFile
      const url = chosenFile ? await readAsDataURL(chosenFile) : ""
      preview.hidden = !url
      if (url) preview.src = url
    }
    fileInput.addEventListener("change", () => usePendingFile(fileInput.files[0] || null))
    uploadForm.addEventListener("input", checkUploadRepeat)
    detailsForm.addEventListener("input", checkRepeat)
    uploadForm.addEventListener("submit", async (event) => {
      event.preventDefault()
      const isDecorative = uploadDecorative.box.checked
      const values = {
        alt: isDecorative ? "" : uploadAlt.value.trim(),
        decorative: isDecorative,
        caption: uploadCaption.value.trim(),
        credit: uploadCredit.value.trim(),
      }
      const problem = !pendingFile
        ? "Choose a photo file to upload."
        : !values.alt && !isDecorative
          ? "Alt text: describe what the photo shows, or tick “Decorative”."
          : ""
      uploadError.textContent = problem
      if (problem) {
        ;(pendingFile ? uploadAlt : fileInput).focus()
        return
      }
      uploadButton.disabled = true
      uploadButton.textContent = "Uploading…"
      try {
        const uploaded = await uploadPhoto(options, pendingFile, values)
        showDetails(uploaded, {})
        // The same picture was in the library already: it is that one, said so.
        if (uploaded.notice) chosen.append(h("p", { class: "bb-hint", role: "status" }, uploaded.notice))
      } catch (error) {
        uploadError.textContent = error.message
        uploadAlt.focus()
      } finally {
        uploadButton.disabled = false
        uploadButton.textContent = "Upload"
      }
    })

    back.addEventListener("click", showChoose)
    cancel.addEventListener("click", () => dialog.close())
    detailsForm.addEventListener("submit", (event) => {
      event.preventDefault()
      if (!alt.value.trim() && !decorative.box.checked) {
        detailsError.textContent =
          "Alt text: describe what the photo shows, for readers who cannot see it, or tick “Decorative”."
        alt.focus()
        return
      }
      const values = {
        photo: String(photo?.id ?? attrs.photo),
        size: dialog.querySelector("input[name=bb-picture-size]:checked")?.value || "inline",
        alt: decorative.box.checked ? "" : alt.value.trim(),
        caption: caption.value.trim(),
        credit: credit.value.trim(),
      }
      if (editing) editor.chain().focus().setNodeSelection(pos).updateAttributes("bodyPicture", values).run()
      else insertBlock(editor, { type: "bodyPicture", attrs: values })
      finish()
    })

    dialog.showModal()
    if (editing) {
      photoInfo(options, attrs.photo).then((own) => showDetails(own, attrs))
    } else if (file) {
      chooseStep.classList.add("bb-pasted")
      try {
        // Show the pasted or dropped file as the one chosen.
        const chosenFiles = new DataTransfer()
        chosenFiles.items.add(file)
        fileInput.files = chosenFiles.files
      } catch {
        // An older browser: the preview below still shows it.
      }
      usePendingFile(file)
      uploadAlt.value = file.suggestedAlt || ""
      uploadAlt.focus()
      list("")
    } else {
      search.focus()
      list("")
    }
  })
}

/** Files to upload, one dialog after another (a paste or a drop may hold several). */
async function uploadEach(editor, options, files) {
  for (const file of files) {
    await pictureDialog(editor, options, { file })
  }
}

const PICTURE_TYPES = /^image\/(jpeg|png|webp|gif)$/i

/** A data: URL's picture as a file to upload; null when it is not one we take. */
function fileFromDataURL(src, index, alt) {
  const match = /^data:(image\/(jpeg|png|webp|gif));base64,([a-z0-9+/=\s]+)$/i.exec(src)
  if (!match) return null
  const bytes = Uint8Array.from(atob(match[3].replace(/\s+/g, "")), (c) => c.charCodeAt(0))
  const ext = match[2].toLowerCase() === "jpeg" ? "jpg" : match[2].toLowerCase()
  const file = new File([bytes], `pasted-picture-${index + 1}.${ext}`, { type: match[1] })
  file.suggestedAlt = alt
  return file
}

function refusal(src) {
  if (/^https?:/i.test(src)) {
    let host = src
    try {
      host = new URL(src).host
    } catch {}
    return (
      `A picture in what you pasted was left out: it is on another website (${host}), and ` +
      "the newsroom never fetches pictures from other sites. Save it to your computer, then " +
      "drop the file here or upload it with “Insert picture”."
    )
  }
  if (/^file:/i.test(src)) {
    return (
      "A picture in what you pasted was left out: it points at a file on your computer, which " +
      "the browser does not hand over. Drop the file itself here, or upload it with “Insert picture”."
    )
  }
  return "A picture in what you pasted was left out: it could not be read. Upload it with “Insert picture”."
}

/**
 * Pictures pasted or dropped: image files go to the upload step of the picture dialog (alt
 * text is asked for); pictures we cannot upload are refused, said in the status line.
 * Returns true when it took the whole event.
 */
function takePictures(editor, options, data, { dropAt = null } = {}) {
  const files = [...(data?.files || [])]
  if (files.length) {
    const pictures = files.filter((each) => PICTURE_TYPES.test(each.type))
    const others = files.filter((each) => !PICTURE_TYPES.test(each.type))
    if (others.length) {
      say(
        editor,
        `Only pictures (JPEG, PNG, WebP or GIF) can be added this way; ${others
          .map((each) => `“${each.name}”`)
          .join(", ")} left out.`,
      )
    } else say(editor, "")
    if (dropAt !== null) editor.commands.setTextSelection(dropAt)
    if (pictures.length) uploadEach(editor, options, pictures)
    return true
  }
  const html = data?.getData("text/html") || ""
  if (!/<img\b/i.test(html)) return false
  // An inert document: parsing it loads nothing.
  const doc = new DOMParser().parseFromString(html, "text/html")
  const uploads = []
  const refused = []
  for (const [index, image] of [...doc.querySelectorAll("img")].entries()) {
    const src = image.getAttribute("src") || ""
    const file = fileFromDataURL(src, index, image.getAttribute("alt") || "")
    if (file) uploads.push(file)
    else refused.push(refusal(src))
  }
  say(editor, refused.length > 1 ? `${refused.length} pictures were left out. ${refused[0]}` : refused[0] || "")
  // The rest of what was pasted (its text) goes in as usual; the pictures follow.
  if (uploads.length) setTimeout(() => uploadEach(editor, options, uploads), 0)
  return false
}

/** What the card says of a picture's alt text. */
function altSummary(alt, own) {
  if (alt === "" || (alt == null && own?.decorative)) return "Decorative: no alt text"
  return `Alt text: ${(alt ?? own?.alt) || "none"}`
}

function editPicture(editor, options, pos, opener) {
  pictureDialog(editor, options, { pos, opener })
}

export const BodyPicture = Node.create({
  name: "bodyPicture",
  ...blockNode,

  addOptions() {
    return { search: "", upload: "" }
  },

  addAttributes() {
    return {
      photo: dataAttribute("photo"),
      size: dataAttribute("size", "inline"),
      // Left out means the photo's own; the dialog always fills them in.
      alt: dataAttribute("alt"),
      caption: dataAttribute("caption"),
      credit: dataAttribute("credit"),
    }
  },

  parseHTML() {
    return [{ tag: 'figure[data-block="picture"]' }]
  },

  renderHTML({ node }) {
    return storedFigure("picture", ["photo", "size", "alt", "caption", "credit"], node.attrs)
  },

  addNodeView() {
    const options = this.options
    return ({ node, getPos, editor }) => {
      const draw = (content, current, dom) => {
        const { photo, size, alt, caption, credit } = current.attrs
        const own = known.get(String(photo))
        dom.dataset.size = size
        const frame = h("div", { class: "bb-picture-frame" })
        if (own) frame.append(h("img", { src: own.thumbnail, alt: alt ?? own.alt, width: 120, height: 120 }))
        else if (own === null) frame.append(h("span", { class: "bb-missing" }, "Not in the library"))
        else {
          frame.append(h("span", { class: "bb-loading" }, `Photo ${photo}`))
          photoInfo(options, photo).then(() => {
            if (dom.isConnected) draw(content, current, dom)
          })
        }
        const label = SIZES.find(([value]) => value === size)?.[1] || "Inline"
        content.replaceChildren(
          frame,
          h(
            "div",
            { class: "bb-picture-text" },
            h("p", { class: "bb-kind" }, `Picture · ${label}`),
            h("p", { class: "bb-caption" }, (caption ?? own?.caption) || "No caption"),
            credit ?? own?.credit ? h("p", { class: "bb-credit" }, credit ?? own?.credit) : null,
            h("p", { class: "bb-alt" }, altSummary(alt, own)),
            own === null ? h("p", { class: "bb-missing" }, "This photo was deleted from the library: readers will not see it.") : null,
          ),
        )
      }
      const edit = (pos, opener) => editPicture(editor, options, pos, opener)
      return blockView("picture", "picture", { editor, getPos, edit, draw }).view(node)
    }
  },

  addKeyboardShortcuts() {
    return enterEdits(this.name, (editor, pos) => editPicture(editor, this.options, pos, null))
  },

  addMenuItems({ buttons: make, menu }) {
    const options = this.options
    const button = make.text("Picture", "Insert picture")
    menu.defineItem({
      name: "bodyPicture",
      groups: "bodyBlocks",
      priority: 40,
      button,
      command: (editor) => pictureDialog(editor, options, { opener: button }),
    })
  },

  addProseMirrorPlugins() {
    const options = this.options
    const editor = this.editor
    return [
      new Plugin({
        props: {
          handlePaste: (_view, event) => takePictures(editor, options, event.clipboardData),
          handleDrop: (view, event, _slice, moved) => {
            if (moved) return false
            const at = view.posAtCoords({ left: event.clientX, top: event.clientY })
            return takePictures(editor, options, event.dataTransfer, { dropAt: at?.pos ?? null })
          },
        },
      }),
    ]
  },
})

// --- Embeds -------------------------------------------------------------------------------

/**
 * The provider and address a pasted address embeds as, or null (it stays a link): for
 * recognising only, as articles/embeds.py checks every address again when the story is saved.
 */
function findEmbed(text) {
  const { providers, maxUrlChars, refusedInUrl } = rules()
  let url = (text || "").trim()
  if (!url || url.length > maxUrlChars || /\s/.test(url)) return null
  if ([...url].some((char) => refusedInUrl.includes(char))) return null
  if (/^http:\/\//i.test(url)) url = `https://${url.slice(7)}`
  const provider = providers.find(({ patterns }) => patterns.some((pattern) => pattern.test(url)))
  return provider ? { provider: provider.key, title: provider.title, url } : null
}

function providerTitle(key) {
  return rules().providers.find((provider) => provider.key === key)?.title || "Embed"
}

async function embedDialog(editor, { opener, pos = null } = {}) {
  const editing = pos !== null
  const url = h("input", { type: "url", id: "bb-embed-url", required: true, value: "", spellcheck: "false" })
  url.value = editing ? editor.state.doc.nodeAt(pos)?.attrs.url || "" : ""
  const values = await formDialog(editor, {
    id: "body-embed-dialog",
    title: editing ? "Edit embed" : "Insert embed",
    opener,
    submitText: editing ? "Save embed" : "Insert embed",
    fields: [
      {
        name: "url",
        label: "Address",
        control: url,
        help: "Paste the address of a YouTube or Vimeo video, an X, Instagram, TikTok or Bluesky post, Spotify or SoundCloud audio, or a Datawrapper or Flourish chart.",
      },
    ],
    hint: ({ url: value }) => {
      if (!value) return ""
      const embed = findEmbed(value)
      if (embed) return `${embed.title}: readers see a placeholder and load it only if they choose to.`
      return "Not an address we embed: it will stay a link."
    },
    check: ({ url: value }) =>
      /^https?:\/\/[^\s"'<>]+$/i.test(value) ? "" : "Address: enter a web address starting with https://",
  })
  if (!values) return
  const embed = findEmbed(values.url)
  if (embed) {
    insertOrUpdate(editor, "bodyEmbed", pos, { provider: embed.provider, url: embed.url })
    return
  }
  if (editing) editor.chain().focus().setNodeSelection(pos).deleteSelection().run()
  insertBlock(editor, {
    type: "paragraph",
    content: [{ type: "text", text: values.url, marks: [{ type: "link", attrs: { href: values.url } }] }],
  })
  say(editor, "That address is not one we embed, so it was added as a link.")
}

export const BodyEmbed = Node.create({
  name: "bodyEmbed",
  ...blockNode,
  priority: 1000, // its paste handler runs before the link's

  addAttributes() {
    return { provider: dataAttribute("provider", ""), url: dataAttribute("url", "") }
  },

  parseHTML() {
    return [{ tag: 'figure[data-block="embed"]' }]
  },

  renderHTML({ node }) {
    return storedFigure("embed", ["provider", "url"], node.attrs)
  },

  addNodeView() {
    return ({ node, getPos, editor }) => {
      // A card, not the player: the editor loads nothing from the provider either.
      const draw = (content, current) => {
        content.replaceChildren(
          h("p", { class: "bb-kind" }, providerTitle(current.attrs.provider)),
          h("p", { class: "bb-url" }, current.attrs.url),
        )
      }
      const edit = (pos, opener) => embedDialog(editor, { pos, opener })
      return blockView("embed", "embed", { editor, getPos, edit, draw }).view(node)
    }
  },

  addKeyboardShortcuts() {
    return enterEdits(this.name, (editor, pos) => embedDialog(editor, { pos }))
  },

  addMenuItems({ buttons: make, menu }) {
    const button = make.text("Embed", "Insert embed")
    menu.defineItem({
      name: "bodyEmbed",
      groups: "bodyBlocks",
      priority: 30,
      button,
      command: (editor) => embedDialog(editor, { opener: button }),
    })
  },

  addProseMirrorPlugins() {
    const editor = this.editor
    return [
      new Plugin({
        props: {
          // An allowed provider's address pasted on its own becomes an embed.
          handlePaste: (_view, event) => {
            const data = event.clipboardData
            if (!data || data.files?.length) return false
            const embed = findEmbed(data.getData("text/plain"))
            if (!embed) return false
            insertBlock(editor, { type: "bodyEmbed", attrs: { provider: embed.provider, url: embed.url } })
            say(editor, `${embed.title} added as an embed.`)
            return true
          },
        },
      }),
    ]
  },
})

// --- Pull quotes and key facts ------------------------------------------------------------

async function pullQuoteDialog(editor, { opener, pos = null } = {}) {
  const attrs = pos !== null ? editor.state.doc.nodeAt(pos)?.attrs : {}
  const values = await formDialog(editor, {
    id: "body-pullquote-dialog",
    title: pos !== null ? "Edit pull quote" : "Insert pull quote",
    opener,
    submitText: pos !== null ? "Save pull quote" : "Insert pull quote",
    fields: [
      { name: "quote", label: "Quote", control: textArea("bb-pullquote-quote", attrs.quote, { required: true, maxlength: 600, rows: 3 }) },
      { name: "by", label: "Attribution", control: textInput("bb-pullquote-by", attrs.by, { maxlength: 200 }), help: "Who said it, e.g. “Amira Khan, council leader”." },
    ],
  })
  if (values) insertOrUpdate(editor, "bodyPullQuote", pos, { quote: values.quote.replace(/\s+/g, " "), by: values.by })
}

async function keyFactsDialog(editor, { opener, pos = null } = {}) {
  const attrs = pos !== null ? editor.state.doc.nodeAt(pos)?.attrs : {}
  const values = await formDialog(editor, {
    id: "body-keyfacts-dialog",
    title: pos !== null ? "Edit key facts" : "Insert key facts",
    opener,
    submitText: pos !== null ? "Save key facts" : "Insert key facts",
    fields: [
      { name: "title", label: "Title", control: textInput("bb-keyfacts-title", attrs.title ?? "Key facts", { maxlength: 100 }) },
      { name: "facts", label: "Facts", control: textArea("bb-keyfacts-facts", attrs.facts, { required: true, rows: 6 }), help: "One fact a line; up to 12." },
    ],
    check: ({ facts }) => (factLines(facts).length > 12 ? "Facts: at most 12; readers take in a short list." : ""),
  })
  if (values) {
    insertOrUpdate(editor, "bodyKeyFacts", pos, { title: values.title || "Key facts", facts: factLines(values.facts).join("\n") })
  }
}

function factLines(text) {
  return (text || "")
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
}

function insertOrUpdate(editor, type, pos, attrs) {
  if (pos !== null) editor.chain().focus().setNodeSelection(pos).updateAttributes(type, attrs).run()
  else insertBlock(editor, { type, attrs })
}

export const BodyPullQuote = Node.create({
  name: "bodyPullQuote",
  ...blockNode,

  addAttributes() {
    return { quote: dataAttribute("quote", ""), by: dataAttribute("by", "") }
  },

  parseHTML() {
    return [{ tag: 'figure[data-block="pullquote"]' }]
  },

  renderHTML({ node }) {
    return storedFigure("pullquote", ["quote", "by"], node.attrs)
  },

  addNodeView() {
    return ({ node, getPos, editor }) => {
      const draw = (content, current) => {
        const { quote, by } = current.attrs
        content.replaceChildren(
          h("p", { class: "bb-kind" }, "Pull quote"),
          h("p", { class: "bb-quote" }, quote),
          by ? h("p", { class: "bb-by" }, by) : null,
        )
      }
      const edit = (pos, opener) => pullQuoteDialog(editor, { pos, opener })
      return blockView("pullquote", "pull quote", { editor, getPos, edit, draw }).view(node)
    }
  },

  addKeyboardShortcuts() {
    return enterEdits(this.name, (editor, pos) => pullQuoteDialog(editor, { pos }))
  },

  addMenuItems({ buttons: make, menu }) {
    const button = make.text("Pull quote", "Insert pull quote")
    menu.defineItem({
      name: "bodyPullQuote",
      groups: "bodyBlocks",
      priority: 20,
      button,
      command: (editor) => pullQuoteDialog(editor, { opener: button }),
    })
  },
})

export const BodyKeyFacts = Node.create({
  name: "bodyKeyFacts",
  ...blockNode,

  addAttributes() {
    return { title: dataAttribute("title", "Key facts"), facts: dataAttribute("facts", "") }
  },

  parseHTML() {
    return [{ tag: 'figure[data-block="keyfacts"]' }]
  },

  renderHTML({ node }) {
    return storedFigure("keyfacts", ["title", "facts"], node.attrs)
  },

  addNodeView() {
    return ({ node, getPos, editor }) => {
      const draw = (content, current) => {
        const { title, facts } = current.attrs
        content.replaceChildren(
          h("p", { class: "bb-facts-title" }, title || "Key facts"),
          h("ul", { class: "bb-facts" }, ...factLines(facts).map((fact) => h("li", {}, fact))),
        )
      }
      const edit = (pos, opener) => keyFactsDialog(editor, { pos, opener })
      return blockView("keyfacts", "key facts", { editor, getPos, edit, draw }).view(node)
    }
  },

  addKeyboardShortcuts() {
    return enterEdits(this.name, (editor, pos) => keyFactsDialog(editor, { pos }))
  },

  addMenuItems({ buttons: make, menu }) {
    const button = make.text("Key facts", "Insert key facts")
    menu.defineItem({
      name: "bodyKeyFacts",
      groups: "bodyBlocks",
      priority: 10,
      button,
      command: (editor) => keyFactsDialog(editor, { opener: button }),
    })
  },
})

// For the test that runs them against the server's rules (tests/test_browser_body_blocks.py).
export const bodyEditorRules = { repeats, findEmbed }
