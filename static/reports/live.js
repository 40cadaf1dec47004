// Threadline live report: the inbox's WebSocket rings, and the server renders the panel again.
// On any event or presence change the panel is re-fetched (at most once a second, one request
// at a time) and swapped in; the waits tick every second from their data-since attributes.
(function () {
  "use strict";

  const root = document.getElementById("live");
  if (!root) return;
  const indicator = document.getElementById("live-state");
  const updated = document.getElementById("live-updated");
  const query = location.search.replace(/^\?/, "");
  const panelUrl = root.dataset.panelUrl + (query ? "?" + query : "");
  const REFRESH_DELAY = 1000;   // events arriving together are one refresh
  const FALLBACK_REFRESH = 60000; // an agent whose heartbeat lapses is announced by nobody
  const state = {
    cursor: Number(root.dataset.cursor) || 0,   // highest Event id seen
    socket: null,
    retryDelay: 500,
    connectedOnce: false,
    timer: null,       // the refresh scheduled
    inFlight: false,
    again: false,      // something happened while a refresh was in flight
    skew: 0,           // server clock minus this browser's
  };

  // ---- the panel -------------------------------------------------------------------------
  function refreshSoon() {
    if (state.timer) return;
    state.timer = setTimeout(refresh, REFRESH_DELAY);
  }

  async function refresh() {
    state.timer = null;
    if (state.inFlight) { state.again = true; return; }
    state.inFlight = true;
    try {
      const response = await fetch(panelUrl, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" });
      // Signed out, or no longer a supervisor: the page itself says so.
      if (response.status === 403 || response.redirected) { location.reload(); return; }
      if (!response.ok) throw new Error(response.status + " " + panelUrl);
      const template = document.createElement("template");
      template.innerHTML = (await response.text()).trim();
      const panel = template.content.firstElementChild;
      const old = document.getElementById("live-panel");
      if (panel && old) {
        old.replaceWith(panel);
        takeServerTime(panel);
        tick();
      }
    } catch (error) {
      // The server is restarting: the socket's reconnection refreshes again (and the
      // periodic refresh, if only this request failed).
      console.warn("live panel:", error);
    } finally {
      state.inFlight = false;
      if (state.again) { state.again = false; refreshSoon(); }
    }
  }

  function takeServerTime(panel) {
    const now = Date.parse(panel.dataset.now);
    if (Number.isNaN(now)) return;
    state.skew = now - Date.now();
    if (updated) {   // in the server's time zone, as the page was rendered
      updated.dateTime = panel.dataset.now;
      updated.textContent = panel.dataset.nowText;
    }
  }

  // ---- the waits -------------------------------------------------------------------------
  // As reports.live.format_wait writes them.
  function formatWait(totalSeconds) {
    const seconds = Math.max(Math.floor(totalSeconds), 0);
    const minutes = Math.floor(seconds / 60), hours = Math.floor(seconds / 3600), days = Math.floor(seconds / 86400);
    const pad = (n) => String(n).padStart(2, "0");
    if (days) return `${days} d ${hours % 24} h`;
    if (hours) return `${hours} h ${pad(minutes % 60)} min`;
    if (minutes) return `${minutes} min ${pad(seconds % 60)} s`;
    return `${seconds} s`;
  }

  function tick() {
    const now = Date.now() + state.skew;
    for (const el of root.querySelectorAll("[data-since]")) {
      const since = Date.parse(el.dataset.since);
      if (!Number.isNaN(since)) el.textContent = formatWait((now - since) / 1000);
    }
  }

  // ---- the socket (as the inbox's: cursor, catch-up, heartbeat, back-off) -----------------
  function showState(name) {
    if (!indicator) return;
    indicator.dataset.state = name;
    const label = indicator.querySelector(".live-state-label");
    if (label) label.textContent = root.dataset["label" + name.charAt(0).toUpperCase() + name.slice(1)] || name;
  }

  function onSocketMessage(message) {
    switch (message.type) {
      case "event":
        // Replayed ones too: an event below the cursor may have committed after the read.
        state.cursor = Math.max(state.cursor, message.event.id);
        refreshSoon();
        break;
      case "caught_up": state.cursor = Math.max(state.cursor, message.last_event_id); break;
      case "reload": location.reload(); break;   // too far behind: a fresh cursor
      case "presence": refreshSoon(); break;
      case "error": console.warn("live socket:", message.error); break;
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/inbox/?after=${state.cursor}`);
    state.socket = socket;
    socket.onopen = () => {
      state.retryDelay = 500;
      showState("connected");
      root.dataset.connected = "true";
      // Presence signals missed while disconnected are not replayed: read everything again.
      if (state.connectedOnce) refreshSoon();
      state.connectedOnce = true;
    };
    socket.onmessage = (message) => {
      try { onSocketMessage(JSON.parse(message.data)); } catch (error) { console.error(error); }
    };
    socket.onclose = () => {
      root.dataset.connected = "false";
      showState("reconnecting");
      setTimeout(connect, state.retryDelay);
      state.retryDelay = Math.min(state.retryDelay * 2, 10000);
    };
  }

  function send(message) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify(message));
  }

  // The heartbeat: without it for 90 s the server counts this user offline.
  setInterval(() => send({ type: "presence", status: "online" }), 30000);
  setInterval(refreshSoon, FALLBACK_REFRESH);
  setInterval(tick, 1000);

  takeServerTime(document.getElementById("live-panel"));
  tick();
  connect();
})();
