// Threadline inbox: one WebSocket per tab; the server renders every piece of HTML (rows,
// messages, headers) and this script only fetches and places it. No build step, no CDN.
(function () {
  "use strict";

  const app = document.getElementById("app");
  if (!app) return;
  const me = Number(app.dataset.userId);
  const state = {
    cursor: Number(app.dataset.cursor) || 0,   // highest Event id seen
    seen: new Set(),                            // Event ids already handled (replays repeat some)
    threadId: Number(app.dataset.threadId) || null,
    filters: new URLSearchParams(app.dataset.filters || ""),
    socket: null,
    retryDelay: 500,
    unread: Number((document.getElementById("unread-badge") || {}).textContent) || 0,
    activity: new Map(),                        // user id -> {name, activity, until}
    lastTyping: 0,
    idleTimer: null,
    away: false,
  };

  // ---- helpers ---------------------------------------------------------------------------
  const $ = (selector, root) => (root || document).querySelector(selector);
  const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));

  function csrfToken() {
    const input = $("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function fetchHTML(url) {
    const response = await fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" });
    if (response.status === 204 || response.status === 404) return null;
    if (!response.ok) throw new Error(response.status + " " + url);
    return response.text();
  }

  function fragment(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content;
  }

  function filterQuery() {
    return state.filters.toString();
  }

  function toast(text, isError) {
    let box = $("#toast");
    if (!box) {
      box = document.createElement("div");
      box.id = "toast";
      box.setAttribute("role", "status");
      document.body.appendChild(box);
    }
    box.textContent = text;
    box.className = isError ? "toast error" : "toast";
    box.hidden = false;
    clearTimeout(box._timer);
    box._timer = setTimeout(() => { box.hidden = true; }, 5000);
  }

  // ---- the thread list -------------------------------------------------------------------
  function placeRow(li) {
    const list = $("#threads");
    const old = document.getElementById(li.id);
    // A live update keeps the row open and the keyboard's selection where they were.
    for (const mark of ["active", "selected"]) {
      if (old && old.classList.contains(mark)) li.classList.add(mark);
    }
    if (old) old.remove();
    const key = li.dataset.sort;
    const next = $$("li.row", list).find((row) => row.dataset.sort < key);
    const more = $("li.more", list);
    list.insertBefore(li, next || more || null);
    const none = $("li.none", list);
    if (none) none.remove();
  }

  // Many events may concern one thread (a catch-up replays dozens): refresh each row once.
  const pendingRows = new Map();                 // thread id -> what to do if it fails
  let rowsTimer = null;
  function refreshRowSoon(threadId, onError) {
    const onErrors = pendingRows.get(threadId) || [];
    if (onError) onErrors.push(onError);
    pendingRows.set(threadId, onErrors);
    if (!rowsTimer) {
      rowsTimer = setTimeout(() => {
        rowsTimer = null;
        const rows = Array.from(pendingRows);
        pendingRows.clear();
        rows.forEach(([id, failed]) => refreshRow(id).catch(() => failed.forEach((f) => f())));
      }, 60);
    }
  }

  async function refreshRow(threadId) {
    const html = await fetchHTML(`/inbox/t/${threadId}/row/?${filterQuery()}`);
    if (html === null) {
      const old = document.getElementById("row-" + threadId);
      if (old) old.remove();
      return;
    }
    const li = fragment(html).firstElementChild;
    if (threadId === state.threadId) li.classList.remove("unread");
    placeRow(li);
  }

  let countsTimer = null;
  function refreshCounts() {
    clearTimeout(countsTimer);
    countsTimer = setTimeout(async () => {
      let counts;
      try {
        const response = await fetch("/inbox/counts/", { credentials: "same-origin" });
        if (!response.ok) return;
        counts = await response.json();
      } catch (error) {
        return;   // the server is restarting: the next event refreshes the counts
      }
      for (const el of $$("[data-count]")) {
        el.textContent = counts.views[el.dataset.count] ?? 0;
      }
      setUnread(counts.unread);
    }, 250);
  }

  function setUnread(count) {
    state.unread = count;
    const badge = $("#unread-badge");
    if (badge) {
      badge.textContent = count;
      badge.hidden = !count;
    }
    document.title = (count ? `(${count}) ` : "") + "Inbox · Threadline";
  }

  async function loadList() {
    const html = await fetchHTML(`/inbox/list/?${filterQuery()}`);
    $("#threads").innerHTML = html || "";
    markActiveRow();
    history.replaceState(null, "", location.pathname + "?" + filterQuery());
  }

  function markActiveRow() {
    for (const row of $$("li.row")) {
      const active = Number(row.dataset.thread) === state.threadId;
      row.classList.toggle("active", active);
      // The open thread is read, even in a list rendered before the page marked it read.
      if (active) row.classList.remove("unread");
    }
  }

  // ---- the open thread -------------------------------------------------------------------
  async function openThread(threadId, push) {
    const html = await fetchHTML(`/inbox/t/${threadId}/pane/`);
    if (html === null) return toast("This thread is no longer visible to you.", true);
    if (state.threadId && state.threadId !== threadId) signal("left", state.threadId);
    state.threadId = threadId;
    state.activity.clear();
    $("#pane").innerHTML = html;
    app.dataset.threadId = threadId;
    const row = document.getElementById("row-" + threadId);
    if (row) row.classList.remove("unread");
    markActiveRow();
    if (push) history.pushState({ threadId }, "", `/inbox/t/${threadId}/?${filterQuery()}`);
    wirePane();
    scrollTimelineToEnd();
    signal("viewing", threadId);
    refreshCounts();
  }

  function scrollTimelineToEnd() {
    const timeline = $("#timeline");
    if (timeline) timeline.scrollTop = timeline.scrollHeight;
  }

  async function showMessage(messageId) {
    const timeline = $("#timeline");
    if (!timeline || !state.threadId) return;
    const html = await fetchHTML(`/inbox/t/${state.threadId}/m/${messageId}/`);
    if (html === null) return;
    const li = fragment(html).firstElementChild;
    const old = document.getElementById(li.id);
    if (old) {
      old.replaceWith(li);
      return;
    }
    const atBottom = timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < 80;
    timeline.appendChild(li);
    if (atBottom) scrollTimelineToEnd();
  }

  async function refreshHeader() {
    const header = $("#thread-header");
    if (!header || !state.threadId) return;
    const html = await fetchHTML(`/inbox/t/${state.threadId}/header/`);
    if (html !== null) header.innerHTML = html;
  }

  async function loadOlder(link) {
    const timeline = $("#timeline");
    const item = link.closest("li.older");
    const html = await fetchHTML(link.getAttribute("href"));
    if (html === null) return;
    const before = timeline.scrollHeight;
    item.replaceWith(fragment(html));
    timeline.scrollTop += timeline.scrollHeight - before;   // keep the agent's place
    watchOlder();
  }

  let olderObserver = null;
  function watchOlder() {
    const sentinel = $("#timeline li.older a");
    if (olderObserver) olderObserver.disconnect();
    if (!sentinel || !("IntersectionObserver" in window)) return;
    olderObserver = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) {
        olderObserver.disconnect();
        loadOlder(sentinel);
      }
    }, { root: $("#timeline") });
    olderObserver.observe(sentinel);
  }

  // ---- who else is here ------------------------------------------------------------------
  function renderActivity() {
    const box = $("#activity");
    if (!box) return;
    const now = Date.now();
    const lines = [];
    for (const [userId, entry] of state.activity) {
      if (entry.until < now || entry.threadId !== state.threadId) {
        state.activity.delete(userId);
        continue;
      }
      lines.push(entry.activity === "typing" ? `${entry.name} is typing a reply…` : `${entry.name} is viewing`);
    }
    if (state.customerTyping && state.customerTyping.until > now && state.customerTyping.threadId === state.threadId) {
      lines.unshift("The customer is typing…");
    }
    box.textContent = lines.join(" · ");
    box.classList.toggle("busy", lines.length > 0);
  }
  setInterval(renderActivity, 1000);

  function onActivity(signalMessage) {
    if (signalMessage.activity === "left") {
      state.activity.delete(signalMessage.user_id);
    } else {
      const ttl = signalMessage.activity === "typing" ? 5000 : 45000;
      state.activity.set(signalMessage.user_id, {
        name: signalMessage.name, activity: signalMessage.activity,
        threadId: signalMessage.thread_id, until: Date.now() + ttl,
      });
      // Someone new is here: tell them we are too.
      if (signalMessage.activity === "viewing" && signalMessage.thread_id === state.threadId && !signalMessage.echo) {
        signal("viewing", state.threadId, { echo: true });
      }
    }
    renderActivity();
  }

  function onPresence(signalMessage) {
    const item = $(`#agents li[data-agent="${signalMessage.user_id}"]`);
    if (!item) return;
    item.className = "presence-" + signalMessage.status;
    const label = $(".presence-label", item);
    if (label) label.textContent = signalMessage.status[0].toUpperCase() + signalMessage.status.slice(1);
  }

  function onMention(signalMessage) {
    notify(`${signalMessage.author} mentioned you`, `${signalMessage.customer}: ${signalMessage.text}`, signalMessage.thread_id);
    toast(`${signalMessage.author} mentioned you on ${signalMessage.customer}`);
  }

  // ---- desktop notifications -------------------------------------------------------------
  function notify(title, body, threadId) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    if (document.visibilityState === "visible" && threadId === state.threadId) return;
    const note = new Notification(title, { body, tag: "thread-" + threadId });
    note.onclick = () => { window.focus(); openThread(threadId, true); };
  }

  function askNotificationPermission() {
    if ("Notification" in window && Notification.permission === "default") Notification.requestPermission();
  }

  // ---- events from the server ------------------------------------------------------------
  function handleEvent(event) {
    if (state.seen.has(event.id)) return;        // live and replay may both bring it
    state.seen.add(event.id);
    if (state.seen.size > 5000) state.seen = new Set(Array.from(state.seen).slice(-2500));
    state.cursor = Math.max(state.cursor, event.id);
    const threadId = event.thread_id;
    const payload = event.payload || {};
    // A fetch that fails (the server is restarting) forgets the event, so the catch-up after
    // the reconnect (which replays recent events) applies it again rather than skipping it.
    const forget = () => { state.seen.delete(event.id); };
    if (threadId) refreshRowSoon(threadId, forget);
    refreshCounts();
    if (threadId && threadId === state.threadId) {
      if (payload.message) showMessage(payload.message.id).catch(forget);
      else if (payload.message_id) showMessage(payload.message_id).catch(forget);
      if (event.type.startsWith("thread.") || event.type.startsWith("customers.") || event.type.startsWith("sla.")) refreshHeader().catch(forget);
      if (event.type === "message.received") {
        markRead(threadId);
        reopenWindow(payload.message);
      }
    }
    if (event.type === "message.received" && !payload.message.metadata?.automatic) {
      const row = document.getElementById("row-" + threadId);
      const mine = row && Number(row.dataset.assignee) === me;
      if (mine || (state.threadId === threadId && document.visibilityState !== "visible")) {
        notify("New message", (payload.message.text || "").slice(0, 140), threadId);
      }
    }
  }

  function markRead(threadId) {
    if (document.visibilityState !== "visible") return;
    // Not an empty FormData: Daphne (Twisted) answers an empty multipart body with a 400.
    post(`/inbox/t/${threadId}/read/`, new URLSearchParams()).then(refreshCounts, () => {});
  }

  function onSocketMessage(message) {
    switch (message.type) {
      case "event": handleEvent(message.event); break;
      case "caught_up": state.cursor = Math.max(state.cursor, message.last_event_id); break;
      case "reload": location.reload(); break;
      case "activity": onActivity(message); break;
      case "customer_typing":
        state.customerTyping = { threadId: message.thread_id, until: Date.now() + 5000 };
        renderActivity();
        break;
      case "presence": onPresence(message); break;
      case "mention": onMention(message); break;
      case "error": console.warn("inbox socket:", message.error); break;
    }
  }

  // ---- the socket ------------------------------------------------------------------------
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/inbox/?after=${state.cursor}`);
    state.socket = socket;
    socket.onopen = () => {
      state.retryDelay = 500;
      $("#connection").hidden = true;
      app.dataset.connected = "true";
      if (state.threadId) signal("viewing", state.threadId);
      if (state.away) send({ type: "presence", status: "away" });
      onPresence({ user_id: me, status: state.away ? "away" : "online" });  // not echoed to us
    };
    socket.onmessage = (message) => {
      try { onSocketMessage(JSON.parse(message.data)); } catch (error) { console.error(error); }
    };
    socket.onclose = () => {
      app.dataset.connected = "false";
      $("#connection").hidden = false;
      setTimeout(connect, state.retryDelay);
      state.retryDelay = Math.min(state.retryDelay * 2, 10000);
    };
  }

  function send(message) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify(message));
  }

  function signal(activity, threadId, extra) {
    if (threadId) send(Object.assign({ type: activity, thread_id: threadId }, extra || {}));
  }

  // The heartbeat: without it for 90 s the server counts this agent offline.
  setInterval(() => send({ type: "presence", status: state.away ? "away" : "online" }), 30000);

  // Viewing is refreshed so that a colleague who arrives later still sees us.
  setInterval(() => { if (state.threadId && document.visibilityState === "visible") signal("viewing", state.threadId); }, 30000);

  // Away after five idle minutes or a hidden tab; online again on the first move.
  function markActive() {
    if (state.away) {
      state.away = false;
      send({ type: "presence", status: "online" });
      onPresence({ user_id: me, status: "online" });
    }
    clearTimeout(state.idleTimer);
    state.idleTimer = setTimeout(() => {
      state.away = true;
      send({ type: "presence", status: "away" });
      onPresence({ user_id: me, status: "away" });
    }, 5 * 60 * 1000);
  }
  ["keydown", "mousemove", "click", "focus"].forEach((name) => window.addEventListener(name, markActive, { passive: true }));

  // ---- forms -----------------------------------------------------------------------------
  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
    });
    let result = {};
    try { result = await response.json(); } catch (error) { result = { error: `Error ${response.status}` }; }
    if (!response.ok) throw new Error(result.error || `Error ${response.status}`);
    return result;
  }

  async function submitCommand(form, submitter) {
    if (form.dataset.confirm && !confirm(form.dataset.confirm)) return;
    const body = new FormData(form);
    if (submitter && submitter.name) body.append(submitter.name, submitter.value);
    const buttons = $$("button", form);
    buttons.forEach((button) => { button.disabled = true; });
    try {
      const result = await post(form.action, body);
      const text = $("textarea", form);
      if (text) text.value = "";
      $$("input[name=add]", form).forEach((input) => { input.value = ""; });
      $$("[data-clear-after-send]", form).forEach((input) => { input.value = ""; });
      if (form.id === "reply-form") showTemplatePreview();
      if (result.message_id) showMessage(result.message_id);
      if (form.closest("#thread-header") || form.closest(".customer")) {
        refreshHeader();
        if (result.merge_id !== undefined || form.action.includes("undo-merge")) openThread(state.threadId, false);
      }
      if (form.classList.contains("failed-reason")) showMessage(Number(body.get("message")));
    } catch (error) {
      toast(error.message, true);
    } finally {
      buttons.forEach((button) => { button.disabled = false; });
      if (form.id === "reply-form") updateReplyWindow();
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("form[data-command]")) return;
    event.preventDefault();
    submitCommand(form, event.submitter);
  });

  document.addEventListener("change", (event) => {
    const field = event.target;
    if (field.matches("[data-autosubmit]") && field.value !== "") submitCommand(field.form);
    if (field.form && field.form.id === "filters") applyFilters();
    if (field.id === "reply-channel" || field.id === "template-toggle") updateReplyWindow();
    if (field.id === "template-choice") chooseTemplate();
  });

  // ---- filters and search ----------------------------------------------------------------
  function applyFilters() {
    const form = $("#filters");
    const query = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (value) query.set(name, value);
    state.filters = query;
    loadList();
  }

  let searchTimer = null;
  document.addEventListener("input", (event) => {
    if (event.target.id === "search") {
      clearTimeout(searchTimer);
      const length = event.target.value.trim().length;
      if (length === 0 || length >= 3) searchTimer = setTimeout(applyFilters, 300);
    }
    if (event.target.closest("#template-parameters")) showTemplatePreview();
    if (event.target.id === "reply-text") {
      onComposerInput(event.target);
      const now = Date.now();
      if (now - state.lastTyping > 2000) {
        state.lastTyping = now;
        signal("typing", state.threadId);
      }
    }
  });
  $("#filters").addEventListener("submit", (event) => { event.preventDefault(); applyFilters(); });

  // ---- canned responses ------------------------------------------------------------------
  function cannedResponses() {
    const data = $("#canned-data");
    try { return data ? JSON.parse(data.textContent) : []; } catch (error) { return []; }
  }

  function onComposerInput(textarea) {
    const menu = $("#canned-menu");
    if (!menu) return;
    const before = textarea.value.slice(0, textarea.selectionStart);
    const match = before.match(/(?:^|\s)\/([\w-]*)$/);
    if (!match) { menu.hidden = true; return; }
    const word = match[1].toLowerCase();
    const options = cannedResponses().filter((c) => c.shortcut.startsWith(word) || c.title.toLowerCase().includes(word)).slice(0, 8);
    menu.replaceChildren(...options.map((canned, index) => {
      const option = document.createElement("button");
      option.type = "button";
      option.setAttribute("role", "option");
      option.dataset.index = index;
      option.className = index === 0 ? "chosen" : "";
      const shortcut = document.createElement("strong");
      shortcut.textContent = "/" + canned.shortcut;
      option.append(shortcut, " " + canned.title);
      option.addEventListener("click", () => insertCanned(textarea, canned, match[0].trimStart().length));
      option._canned = canned;
      return option;
    }));
    menu.hidden = options.length === 0;
    menu._length = match[0].trimStart().length;
  }

  function insertCanned(textarea, canned, typedLength) {
    const end = textarea.selectionStart;
    const start = end - typedLength;
    textarea.value = textarea.value.slice(0, start) + canned.body + textarea.value.slice(end);
    textarea.selectionStart = textarea.selectionEnd = start + canned.body.length;
    $("#canned-menu").hidden = true;
    textarea.focus();
  }

  // ---- messaging windows (WhatsApp's 24 hours) -------------------------------------------
  // The pane embeds, per reply channel that has the rule, the window's state and the
  // channel's approved templates: outside the window only a template can be sent.
  const PLACEHOLDER = /\{\{\s*([1-9]\d*)\s*\}\}/g;

  function replyWindows() {
    if (!state.windows) {
      const data = $("#reply-windows");
      try { state.windows = data ? JSON.parse(data.textContent) : {}; } catch (error) { state.windows = {}; }
    }
    return state.windows;
  }

  function windowIsOpen(window_) {
    return Boolean(window_.open && window_.closes_at && new Date(window_.closes_at) > Date.now());
  }

  function timeLeft(closesAt) {
    const minutes = Math.max(1, Math.ceil((new Date(closesAt) - Date.now()) / 60000));
    return minutes >= 60 ? `${Math.floor(minutes / 60)} h` : `${minutes} min`;
  }

  function updateReplyWindow() {
    const box = $("#reply-window");
    const select = $("#reply-channel");
    const text = $("#reply-text");
    if (!box || !select || !text) return;
    const window_ = replyWindows()[select.value];
    const send = $("#reply-form button[type=submit]");
    text.dataset.placeholder = text.dataset.placeholder || text.placeholder;
    if (!window_) {
      box.hidden = true;
      text.disabled = false;
      text.placeholder = text.dataset.placeholder;
      send.disabled = false;
      setTemplateMode(false);
      return;
    }
    const open = windowIsOpen(window_);
    const templates = window_.templates || [];
    box.hidden = false;
    box.classList.toggle("closed", !open);
    $("#window-notice").textContent = open ? `${window_.closes_in_label} ${timeLeft(window_.closes_at)}` : window_.closed_notice;
    $("#no-templates").hidden = templates.length > 0;
    $("#no-templates-command").textContent = `manage.py whatsapp_templates --channel ${select.value}`;
    $("#template-toggle-label").hidden = !open || templates.length === 0;
    if (box.dataset.channel !== select.value) {
      box.dataset.channel = select.value;
      $("#template-toggle").checked = false;
      listTemplates(templates);
    }
    const useTemplate = templates.length > 0 && (!open || $("#template-toggle").checked);
    text.disabled = !open || useTemplate;
    text.placeholder = text.disabled ? (open ? "The template is sent instead of a text." : "Only an approved template can be sent now.") : text.dataset.placeholder;
    send.disabled = !open && templates.length === 0;
    setTemplateMode(useTemplate);
  }

  function setTemplateMode(on) {
    const picker = $("#template-picker");
    if (!picker) return;
    picker.hidden = !on;
    // Disabled fields are not posted: free text and a template never travel together.
    for (const field of $$("input", picker)) field.disabled = !on;
  }

  function listTemplates(templates) {
    const choice = $("#template-choice");
    choice.replaceChildren(...templates.map((template, index) => {
      const option = document.createElement("option");
      option.value = index;
      option.textContent = `${template.name} · ${template.language}` + (template.category ? ` · ${template.category.toLowerCase()}` : "");
      return option;
    }));
    chooseTemplate();
  }

  function chosenTemplate() {
    const window_ = replyWindows()[($("#reply-channel") || {}).value];
    const choice = $("#template-choice");
    return window_ && choice && choice.value !== "" ? window_.templates[Number(choice.value)] : null;
  }

  function chooseTemplate() {
    const template = chosenTemplate();
    const box = $("#template-parameters");
    $("#template-name").value = template ? template.name : "";
    $("#template-language").value = template ? template.language : "";
    const inputs = [];
    for (let number = 1; template && number <= template.placeholders; number++) {
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.name = "template_parameters";
      input.required = true;
      input.maxLength = 1024;
      input.dataset.clearAfterSend = "";
      input.setAttribute("aria-label", `Parameter {{${number}}}`);
      input.disabled = $("#template-picker").hidden;
      label.append(`{{${number}}} `, input);
      inputs.push(label);
    }
    box.replaceChildren(...inputs);
    showTemplatePreview();
  }

  function showTemplatePreview() {
    const preview = $("#template-preview");
    const template = chosenTemplate();
    if (!preview) return;
    if (!template) { preview.replaceChildren(); return; }
    const values = $$("#template-parameters input").map((input) => input.value.trim());
    // Built from text nodes: a parameter is shown, never interpreted.
    const parts = [];
    let last = 0;
    for (const match of template.body.matchAll(PLACEHOLDER)) {
      parts.push(template.body.slice(last, match.index));
      const value = values[Number(match[1]) - 1];
      const mark = document.createElement("mark");
      mark.className = value ? "filled" : "empty";
      mark.textContent = value || match[0];
      parts.push(mark);
      last = match.index + match[0].length;
    }
    parts.push(template.body.slice(last));
    preview.replaceChildren(...parts);
  }

  function reopenWindow(message) {
    // The customer wrote on a channel with the rule: its window is open again, from now.
    const window_ = message && message.direction === "inbound" && replyWindows()[String(message.channel_id)];
    // A replayed event of a message the pane already counted changes nothing.
    if (!window_ || message.id <= (window_.last_inbound_id || 0)) return;
    window_.last_inbound_id = message.id;
    window_.open = true;
    window_.closes_at = new Date(new Date(message.created_at).getTime() + window_.hours * 3600000).toISOString();
    updateReplyWindow();
  }

  setInterval(updateReplyWindow, 60000);   // "closes in" counts down; a window closes

  // ---- the pane's own wiring -------------------------------------------------------------
  async function loadDeferred() {
    for (const box of $$("#pane [data-load]")) {
      const html = await fetchHTML(box.dataset.load);
      box.innerHTML = html || "";
    }
  }

  function wirePane() {
    loadDeferred();
    state.windows = null;
    updateReplyWindow();
    for (const tab of $$("#composer [data-tab]")) {
      tab.addEventListener("click", () => chooseTab(tab.dataset.tab));
    }
    watchOlder();
  }

  function chooseTab(name) {
    for (const tab of $$("#composer [data-tab]")) tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
    for (const panel of $$("#composer [data-tab-panel]")) panel.hidden = panel.dataset.tabPanel !== name;
    const field = $(`#composer [data-tab-panel="${name}"] textarea`);
    if (field) field.focus();
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    const row = link.closest("li.row");
    if (row) {
      event.preventDefault();
      openThread(Number(row.dataset.thread), true);
      return;
    }
    if (link.closest("li.older")) {
      event.preventDefault();
      loadOlder(link);
      return;
    }
    if (link.closest("li.more")) {
      event.preventDefault();
      const item = link.closest("li.more");
      const query = new URLSearchParams(state.filters);
      query.set("before", link.dataset.more);
      fetchHTML(`/inbox/list/?${query}`).then((html) => { if (html !== null) item.replaceWith(fragment(html)); });
      return;
    }
    const view = link.dataset.view;
    if (view) {
      event.preventDefault();
      state.filters = new URLSearchParams({ view });
      $("#filters").reset();
      $("#filters input[name=view]").value = view;
      $("#search").value = "";
      $$("#filters select").forEach((select) => { select.value = ""; });
      $$(".views a").forEach((a) => a.classList.toggle("active", a === link));
      loadList();
    }
  });

  window.addEventListener("popstate", () => {
    const match = location.pathname.match(/\/inbox\/t\/(\d+)\//);
    if (match) openThread(Number(match[1]), false);
  });

  // ---- keyboard --------------------------------------------------------------------------
  function moveSelection(step) {
    const rows = $$("li.row");
    if (!rows.length) return;
    let index = rows.findIndex((row) => row.classList.contains("selected"));
    if (index < 0) index = rows.findIndex((row) => row.classList.contains("active"));
    index = Math.max(0, Math.min(rows.length - 1, index + step));
    rows.forEach((row, i) => row.classList.toggle("selected", i === index));
    rows[index].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const typing = target.matches("input, textarea, select");
    if (target.id === "reply-text") {
      const menu = $("#canned-menu");
      if (menu && !menu.hidden && (event.key === "Enter" || event.key === "Tab")) {
        const chosen = $("button.chosen", menu);
        if (chosen) { event.preventDefault(); insertCanned(target, chosen._canned, menu._length); return; }
      }
      if (menu && !menu.hidden && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
        event.preventDefault();
        const options = $$("button", menu);
        const index = options.findIndex((o) => o.classList.contains("chosen"));
        const next = (index + (event.key === "ArrowDown" ? 1 : -1) + options.length) % options.length;
        options.forEach((o, i) => o.classList.toggle("chosen", i === next));
        return;
      }
    }
    if (typing && event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.form) {
      event.preventDefault();
      target.form.requestSubmit();
      return;
    }
    if (event.key === "Escape") {
      const menu = $("#canned-menu");
      if (menu) menu.hidden = true;
      if (typing) target.blur();
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    const actions = {
      j: () => moveSelection(1),
      k: () => moveSelection(-1),
      Enter: () => {
        const row = $("li.row.selected") || $("li.row.active");
        if (row) openThread(Number(row.dataset.thread), true);
      },
      r: () => chooseTab("reply"),
      n: () => chooseTab("note"),
      e: () => { const button = $("#resolve"); if (button) button.click(); },
      a: () => { const select = $("#assignee"); if (select) select.focus(); },
      s: () => { const select = $("#snooze"); if (select) select.focus(); },
      "/": () => $("#search").focus(),
      "?": () => $("#help").showModal(),
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  // ---- start -----------------------------------------------------------------------------
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && state.threadId) markRead(state.threadId);
  });
  document.addEventListener("click", askNotificationPermission, { once: true });
  if (state.threadId) {
    wirePane();
    scrollTimelineToEnd();
  }
  markActiveRow();
  markActive();
  connect();
})();
