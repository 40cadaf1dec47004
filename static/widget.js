/* Threadline's web chat widget: one script tag puts a chat bubble on any site.

     <script src="https://HOST/static/widget.js" data-channel="ID" async></script>

   A signed-in user may be passed with data-user-email and data-user-hash (the HMAC-SHA256
   hex of the e-mail under the channel's identity secret, computed by the site's server), or
   with window.ThreadlineSettings = {channel, user_email, user_hash, name}. The protocol this
   script speaks is in docs/webchat.md. Plain JavaScript, no build step; everything it draws
   lives in a shadow root, so the host page's styles and ours never meet. Every text is set
   with textContent: what anyone writes is shown, never run. */
(function () {
  "use strict";

  const script = document.currentScript ||
    document.querySelector('script[src*="/static/widget.js"][data-channel]');
  if (!script || window.__threadlineWidget) return;
  window.__threadlineWidget = true;

  const HOST = new URL(script.src, location.href).origin;
  const pageSettings = window.ThreadlineSettings || {};
  const CHANNEL = String(pageSettings.channel || script.dataset.channel || "");
  const USER = {
    email: pageSettings.user_email || script.dataset.userEmail || "",
    hash: pageSettings.user_hash || script.dataset.userHash || "",
    name: pageSettings.name || script.dataset.userName || "",
  };
  const STORE_KEY = `threadline.webchat.${HOST}.${CHANNEL}`;
  const CHANNEL_PHRASES = {
    email: "by e-mail", sms: "by SMS", phone: "by phone", whatsapp: "on WhatsApp",
    telegram: "on Telegram", slack: "on Slack", messenger: "on Messenger",
    instagram: "on Instagram",
  };

  const state = {
    config: null, token: null, verified: false, socket: null, retryDelay: 500,
    open: false, welcomed: false, agentsOnline: true, email: "", name: "",
    messages: new Map(), byClientId: new Map(), pending: new Map(),
    firstId: null, lastId: 0, hasOlder: false, seenAt: null, unread: 0,
    lastTypingSent: 0, typingTimer: null, pingTimer: null,
  };

  // ---- storage: the visitor token, kept per site, channel and signed-in user --------------
  function loadStored() {
    try {
      const stored = JSON.parse(localStorage.getItem(STORE_KEY) || "null");
      if (!stored || !stored.token) return null;
      // A token of another signed-in user (or of a user who signed out) is not this one's.
      if ((stored.email || "") !== (USER.email && USER.hash ? USER.email : "")) return null;
      return stored;
    } catch (error) { return null; }
  }
  function store(token, email) {
    try { localStorage.setItem(STORE_KEY, JSON.stringify({ token, email: email || "" })); } catch (error) { /* private mode */ }
  }
  function forget() {
    try { localStorage.removeItem(STORE_KEY); } catch (error) { /* private mode */ }
  }

  // ---- HTTP -------------------------------------------------------------------------------
  async function api(path, options) {
    const response = await fetch(`${HOST}/webchat/${CHANNEL}/${path}`, Object.assign({
      mode: "cors", credentials: "omit",
    }, options || {}));
    let body = {};
    try { body = await response.json(); } catch (error) { body = {}; }
    if (!response.ok) {
      const error = new Error((body.error && body.error.message) || `HTTP ${response.status}`);
      error.code = body.error && body.error.code;
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function authorised() {
    return { headers: { Authorization: `Bearer ${state.token}` } };
  }

  // One visitor per page: opening the chat starts creating it, and a message sent before
  // that finished waits for the same one instead of creating a second (two visitors split
  // the conversation, and the page kept the token of the one without the messages).
  let creating = null;
  function createVisitor(fields) {
    if (!creating) creating = newVisitor(fields).finally(() => { creating = null; });
    return creating;
  }

  async function newVisitor(fields) {
    const body = Object.assign({}, fields || {});
    if (USER.email && USER.hash) {
      body.user_email = USER.email;
      body.user_hash = USER.hash;
      if (USER.name && !body.name) body.name = USER.name;
    }
    let created;
    try {
      created = await api("visitors/", { method: "POST", body: JSON.stringify(body),
                                         headers: { "Content-Type": "application/json" } });
    } catch (error) {
      if (error.code !== "bad_user_hash" && error.code !== "verification_not_set_up") throw error;
      // The site's hash is wrong: said loudly to its developers, and the visitor chats anonymously.
      console.error(`Threadline: identity not verified: ${error.message}`);
      delete body.user_email; delete body.user_hash;
      USER.email = ""; USER.hash = "";
      created = await api("visitors/", { method: "POST", body: JSON.stringify(body),
                                         headers: { "Content-Type": "application/json" } });
    }
    state.token = created.token;
    state.verified = created.verified;
    store(created.token, created.verified ? USER.email : "");
    connect();
  }

  // ---- the socket -------------------------------------------------------------------------
  function connect() {
    if (state.socket) return;
    const url = HOST.replace(/^http/, "ws") + `/ws/webchat/${CHANNEL}/`;
    const socket = new WebSocket(url);
    state.socket = socket;
    socket.onopen = () => { socket.send(JSON.stringify({ type: "hello", token: state.token })); };
    socket.onmessage = (frame) => {
      let message;
      try { message = JSON.parse(frame.data); } catch (error) { return; }
      onFrame(message);
    };
    socket.onclose = (event) => {
      state.socket = null;
      state.welcomed = false;
      ui.root.dataset.connected = "false";
      clearInterval(state.pingTimer);
      if (event.code === 4401) {  // the token is no longer valid: start afresh
        forget(); state.token = null;
        return;
      }
      if (event.code === 4403 || event.code === 4404) return;
      setTimeout(() => { if (state.token) connect(); }, state.retryDelay);
      state.retryDelay = Math.min(state.retryDelay * 2, 15000);
    };
  }

  function send(frame) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN && state.welcomed) {
      state.socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "welcome": onWelcome(frame); break;
      case "ack": onAck(frame); break;
      case "message": onMessage(frame.message); break;
      case "agent_typing": showAgentTyping(frame.name); break;
      case "seen": state.seenAt = frame.at; renderSeen(); break;
      case "pong": case "presence": setOnline(frame.agents_online); break;
      case "error": onError(frame); break;
    }
  }

  async function onWelcome(frame) {
    state.welcomed = true;
    state.retryDelay = 500;
    ui.root.dataset.connected = "true";
    state.verified = frame.verified;
    state.email = frame.email || "";
    state.name = frame.name || "";
    state.seenAt = frame.seen_at;
    setOnline(frame.agents_online);
    clearInterval(state.pingTimer);
    state.pingTimer = setInterval(() => send({ type: "ping" }), 30000);
    await loadHistory();
    // What was written while the socket was down goes now, under the same client ids.
    for (const [clientId, text] of state.pending) send({ type: "message", client_id: clientId, text });
    markRead();
  }

  function onAck(frame) {
    state.pending.delete(frame.client_id);
    addMessage(frame.message);
  }

  function onMessage(message) {
    addMessage(message);
    if (message.direction === "outbound") {
      ui.typing.hidden = true;
      if (isVisible()) markRead();
      else {
        send({ type: "delivered", up_to: message.id });
        state.unread += 1;
        renderBadge();
      }
    }
  }

  function onError(frame) {
    if (frame.fatal) {
      console.error(`Threadline: ${frame.message}`);
      showNotice(frame.message);
      return;
    }
    const item = frame.client_id && state.byClientId.get(frame.client_id);
    if (item) {
      state.pending.delete(frame.client_id);
      item.classList.add("failed");
      const status = item.querySelector(".status");
      status.textContent = frame.message;
    } else {
      console.warn(`Threadline: ${frame.message}`);
    }
  }

  async function loadHistory() {
    const after = state.lastId;
    const query = after ? `?after=${after}&limit=100` : "?limit=30";
    let page;
    try { page = await api(`messages/${query}`, authorised()); } catch (error) { return; }
    page.messages.forEach((message) => addMessage(message));
    if (!after) { state.hasOlder = page.has_more; renderOlder(); }
    else if (page.has_more) loadHistory();
    state.seenAt = page.seen_at || state.seenAt;
    renderSeen();
  }

  async function loadOlder() {
    if (!state.firstId) return;
    let page;
    try { page = await api(`messages/?before=${state.firstId}&limit=30`, authorised()); } catch (error) { return; }
    const list = ui.list;
    const before = list.scrollHeight;
    page.messages.slice().reverse().forEach((message) => addMessage(message, true));
    list.scrollTop += list.scrollHeight - before;
    state.hasOlder = page.has_more;
    renderOlder();
  }

  // ---- what the visitor does --------------------------------------------------------------
  function newClientId() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function submitMessage() {
    const text = ui.input.value.trim();
    if (!text) return;
    const limit = state.config.max_text_length;
    if (text.length > limit) { showNotice(`Messages are limited to ${limit} characters.`); return; }
    ui.input.value = "";
    autosize();
    const clientId = newClientId();
    state.pending.set(clientId, text);
    addMessage({ id: null, client_id: clientId, direction: "inbound", text,
                 created_at: new Date().toISOString(), channel: { kind: "webchat" },
                 status: "sending" });
    if (!state.token) await createVisitor({});
    else send({ type: "message", client_id: clientId, text });
  }

  function onInput() {
    autosize();
    const now = Date.now();
    if (now - state.lastTypingSent > 2000 && ui.input.value.trim()) {
      state.lastTypingSent = now;
      send({ type: "typing" });
    }
  }

  function isVisible() {
    return state.open && document.visibilityState === "visible";
  }

  function markRead() {
    if (!isVisible()) return;
    let newest = 0;
    for (const [id, item] of state.messages) if (item.dataset.direction === "outbound") newest = Math.max(newest, id);
    if (newest) send({ type: "read", up_to: newest });
    state.unread = 0;
    renderBadge();
  }

  // ---- drawing ----------------------------------------------------------------------------
  const STYLE = `
    :host { all: initial; }
    * { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
    .bubble { position: fixed; right: 20px; bottom: 20px; width: 56px; height: 56px; border-radius: 50%;
      border: 0; background: var(--tl-color); color: #fff; cursor: pointer; z-index: 2147483646;
      box-shadow: 0 6px 20px rgba(15, 23, 42, .25); display: flex; align-items: center; justify-content: center; }
    .bubble svg { width: 28px; height: 28px; }
    .badge { position: absolute; top: -2px; right: -2px; min-width: 20px; height: 20px; padding: 0 6px;
      border-radius: 10px; background: #dc2626; color: #fff; font-size: 12px; line-height: 20px; text-align: center; }
    .panel { position: fixed; right: 20px; bottom: 88px; width: 360px; max-width: calc(100vw - 40px);
      height: 540px; max-height: calc(100vh - 110px); background: #fff; border-radius: 14px; z-index: 2147483647;
      box-shadow: 0 12px 40px rgba(15, 23, 42, .28); display: flex; flex-direction: column; overflow: hidden;
      color: #0f172a; font-size: 14px; line-height: 1.45; }
    .panel[hidden], [hidden] { display: none !important; }
    header { background: var(--tl-color); color: #fff; padding: 14px 16px; }
    header h2 { margin: 0; font-size: 16px; font-weight: 600; }
    header p { margin: 2px 0 0; font-size: 12px; opacity: .9; }
    header .dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; margin-right: 6px; background: #94a3b8; }
    header .dot.on { background: #4ade80; }
    header button { position: absolute; right: 10px; top: 10px; background: transparent; border: 0; color: #fff;
      font-size: 20px; cursor: pointer; line-height: 1; padding: 4px 8px; }
    .list { flex: 1; overflow-y: auto; padding: 12px 14px; background: #f8fafc; margin: 0; list-style: none; }
    .list li { margin: 6px 0; display: flex; flex-direction: column; }
    .list li.inbound { align-items: flex-end; }
    .list li.outbound { align-items: flex-start; }
    .text { max-width: 80%; padding: 8px 12px; border-radius: 14px; white-space: pre-wrap; overflow-wrap: anywhere; }
    .inbound .text { background: var(--tl-color); color: #fff; border-bottom-right-radius: 4px; }
    .outbound .text { background: #fff; border: 1px solid #e2e8f0; border-bottom-left-radius: 4px; }
    .other-channel .text { background: #eef2f7; color: #334155; border: 1px dashed #cbd5e1; }
    .who { display: flex; align-items: center; gap: 6px; font-size: 12px; color: #475569; margin-bottom: 3px; }
    .avatar { width: 22px; height: 22px; border-radius: 50%; color: #fff; font-size: 10px; font-weight: 700;
      display: inline-flex; align-items: center; justify-content: center; }
    .meta { font-size: 11px; color: #64748b; margin-top: 2px; }
    .status { font-size: 11px; color: #64748b; }
    .failed .status { color: #b91c1c; }
    .failed .text { opacity: .6; }
    .older { text-align: center; }
    .older button, .link { background: none; border: 0; color: var(--tl-color); cursor: pointer; font-size: 12px; }
    .greeting { align-self: flex-start; }
    .typing { padding: 0 16px 6px; font-size: 12px; color: #64748b; background: #f8fafc; font-style: italic; }
    .notice { padding: 8px 14px; font-size: 12.5px; background: #fffbeb; color: #92400e; border-top: 1px solid #fde68a; }
    .notice form { display: flex; gap: 6px; margin-top: 6px; }
    form.composer { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #e2e8f0; background: #fff; }
    textarea, input { flex: 1; font-size: 14px; border: 1px solid #cbd5e1; border-radius: 8px; padding: 8px 10px;
      resize: none; color: #0f172a; background: #fff; }
    textarea:focus, input:focus { outline: 2px solid var(--tl-color); outline-offset: -1px; }
    button.primary { background: var(--tl-color); color: #fff; border: 0; border-radius: 8px; padding: 0 14px;
      font-size: 14px; cursor: pointer; min-height: 36px; }
    .prechat { flex: 1; padding: 18px 16px; display: flex; flex-direction: column; gap: 10px; background: #f8fafc; }
    .prechat p { margin: 0 0 4px; }
    .prechat label { display: flex; flex-direction: column; gap: 4px; font-size: 12px; color: #475569; }
    .error { color: #b91c1c; font-size: 12px; }
  `;

  const ICON = '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"/></svg>';

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const ui = {};
  function build() {
    const host = element("div", { id: "threadline-webchat" });
    ui.root = host;
    host.dataset.connected = "false";
    const shadow = host.attachShadow({ mode: "open" });
    const style = element("style");
    style.textContent = STYLE;
    shadow.appendChild(style);
    host.style.setProperty("--tl-color", /^#[0-9a-fA-F]{3,8}$/.test(state.config.color) ? state.config.color : "#2563eb");

    ui.bubble = element("button", { class: "bubble", type: "button", "aria-label": "Open the chat", part: "bubble" });
    ui.bubble.innerHTML = ICON;  // our own constant markup, nothing from anyone
    ui.badge = element("span", { class: "badge" });
    ui.badge.hidden = true;
    ui.bubble.appendChild(ui.badge);
    ui.bubble.addEventListener("click", () => (state.open ? close() : open()));

    ui.panel = element("section", { class: "panel", role: "dialog", "aria-label": state.config.title });
    ui.panel.hidden = true;
    const header = element("header");
    header.appendChild(element("h2", {}, state.config.title));
    ui.status = element("p");
    header.appendChild(ui.status);
    const closeButton = element("button", { type: "button", "aria-label": "Close the chat" }, "×");
    closeButton.addEventListener("click", close);
    header.appendChild(closeButton);
    header.style.position = "relative";
    ui.panel.appendChild(header);

    ui.prechat = buildPrechat();
    ui.panel.appendChild(ui.prechat);

    ui.list = element("ol", { class: "list", "aria-live": "polite" });
    ui.olderItem = element("li", { class: "older" });
    const olderButton = element("button", { type: "button" }, "Earlier messages");
    olderButton.addEventListener("click", loadOlder);
    ui.olderItem.appendChild(olderButton);
    ui.olderItem.hidden = true;
    ui.list.appendChild(ui.olderItem);
    const greeting = element("li", { class: "outbound greeting" });
    greeting.appendChild(element("div", { class: "text" }, state.config.greeting));
    ui.list.appendChild(greeting);
    ui.panel.appendChild(ui.list);

    ui.typing = element("div", { class: "typing" });
    ui.typing.hidden = true;
    ui.panel.appendChild(ui.typing);
    ui.notice = element("div", { class: "notice" });
    ui.notice.hidden = true;
    ui.panel.appendChild(ui.notice);

    ui.composer = element("form", { class: "composer" });
    ui.input = element("textarea", { rows: "1", placeholder: "Write a message…", "aria-label": "Message",
                                     maxlength: String(state.config.max_text_length) });
    ui.input.addEventListener("input", onInput);
    ui.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); submitMessage(); }
    });
    ui.composer.appendChild(ui.input);
    ui.composer.appendChild(element("button", { class: "primary", type: "submit" }, "Send"));
    ui.composer.addEventListener("submit", (event) => { event.preventDefault(); submitMessage(); });
    ui.panel.appendChild(ui.composer);

    shadow.appendChild(ui.panel);
    shadow.appendChild(ui.bubble);
    document.body.appendChild(host);
    setOnline(state.config.agents_online);
  }

  function buildPrechat() {
    const form = element("form", { class: "prechat" });
    form.appendChild(element("p", {}, "Before we start, how can we reach you?"));
    const nameLabel = element("label", {}, "Your name");
    const nameInput = element("input", { name: "name", autocomplete: "name", maxlength: "200" });
    nameLabel.appendChild(nameInput);
    const emailLabel = element("label", {}, "Your e-mail");
    const emailInput = element("input", { name: "email", type: "email", autocomplete: "email", maxlength: "254" });
    emailLabel.appendChild(emailInput);
    const error = element("p", { class: "error" });
    form.append(nameLabel, emailLabel, error, element("button", { class: "primary", type: "submit" }, "Start the chat"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.textContent = "";
      try {
        await createVisitor({ name: nameInput.value.trim(), email: emailInput.value.trim() });
        showConversation();
      } catch (failure) {
        error.textContent = failure.message;
      }
    });
    form.hidden = true;
    return form;
  }

  function showConversation() {
    ui.prechat.hidden = true;
    ui.list.hidden = false;
    ui.composer.hidden = false;
    ui.input.focus();
  }

  function open() {
    state.open = true;
    ui.panel.hidden = false;
    ui.bubble.setAttribute("aria-label", "Close the chat");
    const needsForm = !state.token && state.config.prechat && !(USER.email && USER.hash);
    ui.prechat.hidden = !needsForm;
    ui.list.hidden = needsForm;
    ui.composer.hidden = needsForm;
    if (!state.token && !needsForm) createVisitor({}).catch((error) => showNotice(error.message));
    if (!needsForm) ui.input.focus();
    scrollToEnd();
    markRead();
  }

  function close() {
    state.open = false;
    ui.panel.hidden = true;
    ui.bubble.setAttribute("aria-label", "Open the chat");
  }

  function autosize() {
    ui.input.style.height = "auto";
    ui.input.style.height = Math.min(ui.input.scrollHeight, 120) + "px";
  }

  function scrollToEnd() { ui.list.scrollTop = ui.list.scrollHeight; }

  function colourFor(name) {
    let hash = 0;
    for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
    return `hsl(${hash % 360}, 55%, 45%)`;
  }

  function shortDate(iso) {
    return new Date(iso).toLocaleDateString(undefined, { day: "numeric", month: "short" });
  }
  function shortTime(iso) {
    return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  }

  function addMessage(message, prepend) {
    if (message.id && state.messages.has(message.id)) return;
    let item = message.client_id ? state.byClientId.get(message.client_id) : null;
    const fresh = !item;
    if (fresh) item = element("li");
    else item.replaceChildren();
    item.className = message.direction;
    item.dataset.direction = message.direction;
    const kind = message.channel && message.channel.kind;
    const elsewhere = kind && kind !== "webchat";
    if (elsewhere) item.classList.add("other-channel");
    if (message.direction === "outbound" && message.author) {
      const who = element("div", { class: "who" });
      const avatar = element("span", { class: "avatar", "aria-hidden": "true" }, message.author.initials);
      avatar.style.background = colourFor(message.author.name);
      who.append(avatar, element("span", { class: "author" }, message.author.name));
      item.appendChild(who);
    }
    item.appendChild(element("div", { class: "text" }, message.text));
    const meta = elsewhere
      ? `${message.direction === "inbound" ? "You wrote" : "We replied"} ${CHANNEL_PHRASES[kind] || "on " + (message.channel.label || kind)} on ${shortDate(message.created_at)}`
      : shortTime(message.created_at);
    item.appendChild(element("div", { class: "meta" }, meta));
    if (message.direction === "inbound") {
      item.appendChild(element("div", { class: "status" }, message.status === "sending" ? "Sending…" : ""));
    }
    if (message.id) {
      item.dataset.id = message.id;
      item.dataset.createdAt = message.created_at;
      state.messages.set(message.id, item);
      state.lastId = Math.max(state.lastId, message.id);
      state.firstId = state.firstId ? Math.min(state.firstId, message.id) : message.id;
    }
    if (message.client_id) state.byClientId.set(message.client_id, item);
    if (fresh) place(item, message, prepend);
    renderSeen();
    if (!prepend) scrollToEnd();
  }

  function place(item, message, prepend) {
    if (prepend) { ui.olderItem.after(item); return; }
    // Keep id order: a message fetched late (after a reconnect) goes before newer ones.
    if (message.id) {
      for (const other of ui.list.querySelectorAll("li[data-id]")) {
        if (Number(other.dataset.id) > message.id) { other.before(item); return; }
      }
    }
    ui.list.appendChild(item);
  }

  function renderSeen() {
    const mine = Array.from(ui.list.querySelectorAll("li.inbound[data-id]"))
      .filter((item) => !item.classList.contains("other-channel"));
    mine.forEach((item) => {
      const status = item.querySelector(".status");
      if (status && !item.classList.contains("failed")) status.textContent = "";
    });
    const last = mine[mine.length - 1];
    if (!last) return;
    const status = last.querySelector(".status");
    const seen = state.seenAt && new Date(state.seenAt) >= new Date(last.dataset.createdAt);
    status.textContent = seen ? "Seen" : "Sent";
  }

  function renderOlder() { ui.olderItem.hidden = !state.hasOlder; }

  function renderBadge() {
    ui.badge.hidden = state.unread === 0;
    ui.badge.textContent = String(state.unread);
  }

  function showAgentTyping(name) {
    ui.typing.textContent = `${name || "Someone"} is typing…`;
    ui.typing.hidden = false;
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(() => { ui.typing.hidden = true; }, 5000);
  }

  function showNotice(text) {
    ui.notice.replaceChildren(element("span", {}, text));
    ui.notice.hidden = false;
  }

  function setOnline(online) {
    state.agentsOnline = online;
    ui.status.replaceChildren(element("span", { class: online ? "dot on" : "dot" }),
                              document.createTextNode(online ? "We're online" : "We're away"));
    if (online) { ui.notice.hidden = true; return; }
    if (state.email) {
      showNotice(`We're away right now; we'll reply by e-mail to ${state.email}.`);
      return;
    }
    showNotice("We're away right now. Leave your e-mail and we'll reply there.");
    const form = element("form");
    const input = element("input", { type: "email", placeholder: "you@example.com", "aria-label": "Your e-mail", required: "" });
    form.append(input, element("button", { class: "primary", type: "submit" }, "Save"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const email = input.value.trim();
      if (!email) return;
      if (!state.token) await createVisitor({ email });
      else send({ type: "contact", email });
      state.email = email;
      setOnline(false);
    });
    ui.notice.appendChild(form);
  }

  document.addEventListener("visibilitychange", markRead);

  // ---- the page's handle ------------------------------------------------------------------
  window.Threadline = {
    open: () => state.config && open(),
    close: () => state.config && close(),
    // The site's user signed out: forget their conversation on this browser.
    reset: () => {
      forget();
      if (state.socket) state.socket.close();
      state.token = null;
      location.reload();
    },
  };

  async function start() {
    if (!CHANNEL) { console.error("Threadline: the script tag needs data-channel."); return; }
    try {
      state.config = await api("config/");
    } catch (error) {
      console.error(`Threadline: the chat of channel ${CHANNEL} is not available here: ${error.message}` +
                    " (is this site's origin in the channel's allowed origins?)");
      return;
    }
    build();
    const stored = loadStored();
    if (stored) {
      state.token = stored.token;
      connect();
    } else if (USER.email && USER.hash) {
      createVisitor({}).catch((error) => console.error(`Threadline: ${error.message}`));
    }
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
