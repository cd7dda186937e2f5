// gatehouse web console: one page, no framework, no build step. It logs in, draws the gate board from
// GET /api/board and keeps it current from the live stream (Server-Sent Events, GET /api/live), and serves the
// alerts, history, lists and health pages. Every text from the gateway is put in the page as text, never as HTML.
"use strict";

(() => {
  const STRINGS = window.GATEHOUSE_I18N;
  const ROWS_PER_GATE = 8;
  const ROLE_RANK = { viewer: 0, guard: 1, admin: 2 };
  const EVENT_KINDS = ["credential", "health_code", "temperature", "door", "tamper", "fault"];
  const ALERT_KINDS = ["fever", "health_code_red", "health_code_yellow", "denied", "unchecked_pass", "tailgating",
    "door_forced", "door_held_open", "tamper", "terminal_offline", "camera_fault", "blackbody_fault", "storage_full",
    "buffer_high", "outbox_rejected", "upstream_down"];

  const state = {
    lang: chooseLanguage(),
    session: null,
    view: null,
    gates: [],              // from the board: id, name, direction, camera, fever_threshold, terminals
    openAlerts: new Map(),  // id -> alert, the board's strip
    rows: new Map(),        // gate -> { screenings: [], decisions: [] }
    gateState: null,        // cameras and terminals, from the live stream
    cursor: null,           // the ledger cursor of the last live message (the stream's id)
    source: null,           // the EventSource
    retry: null,            // timer of the next live attempt
    retryDelay: 1000,
    closing: null,          // id of the alert the close dialog is for
  };

  // ---------------------------------------------------------------- words and elements

  function chooseLanguage() {
    const saved = localStorage.getItem("gatehouse.lang");
    if (saved && STRINGS[saved]) return saved;
    return (navigator.language || "").toLowerCase().startsWith("zh") ? "zh-CN" : "en";
  }

  function t(key, vars) {
    let text = (STRINGS[state.lang] && STRINGS[state.lang][key]) || STRINGS.en[key];
    if (text === undefined) return key;
    for (const [name, value] of Object.entries(vars || {})) text = text.split("{" + name + "}").join(String(value));
    return text;
  }

  // The word for a machine-readable value (an alert kind, a reason), or the value itself when there is none.
  function word(prefix, value) {
    const key = prefix + "." + value;
    return (STRINGS[state.lang][key] || STRINGS.en[key]) ? t(key) : value;
  }

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") el.className = value;
      else if (name === "text") el.textContent = value;
      else if (name === "data") Object.assign(el.dataset, value);
      else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
      else el.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  const $ = (id) => document.getElementById(id);

  function applyLanguage() {
    document.documentElement.lang = state.lang;
    $("lang").value = state.lang;
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    document.title = t("app.title");
    fillSelects();
  }

  function allowed(role) {
    return state.session && ROLE_RANK[state.session.role] >= ROLE_RANK[role];
  }

  function applyRole() {
    for (const el of document.querySelectorAll("[data-role]")) el.hidden = !allowed(el.dataset.role);
  }

  function banner(text, isError) {
    const el = $("banner");
    el.textContent = text || "";
    el.hidden = !text;
    el.classList.toggle("error", !!isError);
  }

  // ---------------------------------------------------------------- formatting

  function two(n) { return String(n).padStart(2, "0"); }
  function time(ms) {
    const d = new Date(ms);
    return two(d.getHours()) + ":" + two(d.getMinutes()) + ":" + two(d.getSeconds());
  }
  function dateTime(ms) {
    const d = new Date(ms);
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " + time(ms);
  }
  function celsius(c) { return typeof c === "number" ? c.toFixed(1) : "–"; }
  function bytes(n) {
    if (typeof n !== "number") return "–";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return n.toFixed(i ? 1 : 0) + " " + units[i];
  }
  function duration(s) {
    if (typeof s !== "number") return "–";
    const d = Math.floor(s / 86400), hh = Math.floor(s % 86400 / 3600), mm = Math.floor(s % 3600 / 60);
    return (d ? d + "d " : "") + hh + "h " + mm + "m";
  }
  function reasons(list) { return (list || []).map((r) => word("reason", r)).join(", "); }

  // Dates from the filter forms (local days) as UTC times for the API.
  function utcDay(value, endOfDay) {
    if (!value) return "";
    const [y, m, d] = value.split("-").map(Number);
    const local = endOfDay ? new Date(y, m - 1, d, 23, 59, 59) : new Date(y, m - 1, d, 0, 0, 0);
    return local.toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  function query(form, extra) {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form).entries()) {
      if (typeof value !== "string" || value === "") continue;
      params.set(name, name === "since" ? utcDay(value, false) : name === "until" ? utcDay(value, true) : value);
    }
    for (const [name, value] of Object.entries(extra || {})) params.set(name, value);
    return params.toString();
  }

  // ---------------------------------------------------------------- the API

  async function api(method, path, body, contentType) {
    const headers = { "Accept": "application/json" };
    if (method !== "GET" && state.session) headers["X-CSRF-Token"] = state.session.csrf;
    let payload;
    if (body !== undefined) {
      headers["Content-Type"] = contentType || "application/json";
      payload = contentType ? body : JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, { method, headers, body: payload, credentials: "same-origin", cache: "no-store" });
    } catch (e) {
      return { status: 0, body: { message: t("error.offline") } };
    }
    let parsed = null;
    if ((response.headers.get("Content-Type") || "").startsWith("application/json")) {
      try { parsed = await response.json(); } catch (e) { parsed = null; }
    }
    if (response.status === 401 && path !== "/api/login" && state.session) {
      loggedOut(t("session.ended"));
    }
    return { status: response.status, body: parsed || {} };
  }

  function failure(result) {
    if (result.status === 403 && result.body.error === "forbidden") return result.body.message;
    return t("error.generic", { message: result.body.message || ("HTTP " + result.status) });
  }

  // ---------------------------------------------------------------- login and session

  function showLogin(message) {
    state.session = null;
    state.openAlerts = new Map();
    state.rows = new Map();
    state.gates = [];
    $("board-alerts").replaceChildren();
    $("gates").replaceChildren();
    $("nav").hidden = true;
    $("logout").hidden = true;
    $("live").hidden = true;
    $("user").textContent = "";
    $("site").textContent = "";
    showOnly("login");
    const error = $("login-error");
    error.textContent = message || "";
    error.hidden = !message;
    $("login-user").focus();
  }

  function loggedOut(message) {
    stopLive();
    showLogin(message);
  }

  async function login(event) {
    event.preventDefault();
    const button = $("login-submit");
    button.disabled = true;
    const result = await api("POST", "/api/login", { user: $("login-user").value, password: $("login-password").value });
    button.disabled = false;
    $("login-password").value = "";
    if (result.status === 200) {
      started(result.body);
      return;
    }
    const error = $("login-error");
    error.hidden = false;
    error.textContent = result.status === 401 ? t("login.wrong")
      : result.status === 429 ? t("login.throttled", { s: result.body.retry_after_s || 60 })
      : t("login.failed");
  }

  async function logout() {
    await api("POST", "/api/logout");
    loggedOut("");
  }

  function started(session) {
    state.session = session;
    $("user").textContent = session.user + " · " + session.role;
    $("site").textContent = session.site + " / " + session.gateway;
    $("nav").hidden = false;
    $("logout").hidden = false;
    $("live").hidden = false;
    applyRole();
    loadBoard().then(() => route());
  }

  // ---------------------------------------------------------------- views

  function showOnly(name) {
    for (const el of document.querySelectorAll(".view")) el.hidden = el.id !== "view-" + name;
  }

  const NEEDS = { board: "viewer", alerts: "viewer", history: "viewer", lists: "admin", health: "admin" };

  function route() {
    if (!state.session) return;
    const name = (location.hash || "#board").slice(1);
    const view = NEEDS[name] ? name : "board";
    state.view = view;
    for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.dataset.view === view);
    banner("");
    if (!allowed(NEEDS[view])) {
      forbidden(NEEDS[view]);
      return;
    }
    showOnly(view);
    if (view === "alerts") loadAlerts();
    else if (view === "history") loadHistory();
    else if (view === "lists") loadLists();
    else if (view === "health") loadHealth();
  }

  function forbidden(need, message) {
    showOnly("forbidden");
    $("forbidden-text").textContent = message || t("forbidden", { need, role: state.session.role });
  }

  function fillSelects() {
    for (const select of document.querySelectorAll(".gate-select")) {
      const current = select.value;
      select.replaceChildren(h("option", { value: "", text: t("alerts.any") }),
        ...state.gates.map((g) => h("option", { value: g.id, text: g.name + " (" + g.id + ")" })));
      select.value = current;
    }
    const alertKinds = $("alert-kinds");
    const currentAlert = alertKinds.value;
    alertKinds.replaceChildren(h("option", { value: "", text: t("alerts.any") }),
      ...ALERT_KINDS.map((k) => h("option", { value: k, text: word("alert", k) })));
    alertKinds.value = currentAlert;
    const historyKinds = $("history-kinds");
    const currentHistory = historyKinds.value;
    historyKinds.replaceChildren(h("option", { value: "", text: t("alerts.any") }),
      h("option", { value: "decision", text: t("kind.decision") }),
      h("option", { value: "screening", text: t("kind.screening") }),
      ...EVENT_KINDS.map((k) => h("option", { value: k, text: k })));
    historyKinds.value = currentHistory;
  }

  // ---------------------------------------------------------------- alerts (board strip and alerts page)

  function snapshotImage(url, cls) {
    const img = h("img", { class: cls, src: url, alt: "", loading: "lazy" });
    img.addEventListener("error", () => img.classList.add("none"));
    return img;
  }

  function alertCard(a, onBoard) {
    const actions = h("div", { class: "alert-actions" });
    if (allowed("guard") && a.state !== "closed") {
      if (a.state === "open") actions.append(h("button", { type: "button", class: "ack", text: t("action.ack"), onclick: () => acknowledge(a.id) }));
      actions.append(h("button", { type: "button", class: "close primary", text: t("action.close"), onclick: () => openClose(a.id) }));
    }
    if (!onBoard) actions.append(h("button", { type: "button", class: "details quiet", text: t("action.details"), onclick: (e) => details(a.id, e.target.closest(".alert")) }));
    const where = [a.gate ? a.gate : null, a.person ? a.person : null, typeof a.celsius === "number" ? celsius(a.celsius) + " °C" : null]
      .filter(Boolean).join(" · ");
    return h("article", {
      class: "alert sev-" + a.severity + " state-" + a.state,
      data: { alertId: a.id, kind: a.kind, state: a.state, timeMs: a.time_ms, via: a.fresh ? "live" : "load" },
    },
    a.snapshot ? snapshotImage("/api/snapshot?alert=" + a.id, "snap") : h("span", { class: "snap none" }),
    h("div", {},
      h("div", { class: "alert-title" }, h("span", { class: "badge " + a.severity, text: t("severity." + a.severity) }), " ",
        word("alert", a.kind), where ? " · " + where : ""),
      h("div", { class: "alert-text", text: a.text }),
      h("div", { class: "alert-meta", text: "#" + a.id + " · " + dateTime(a.time_ms) + " · " + t("state." + a.state) })),
    actions);
  }

  function renderBoardAlerts() {
    const list = $("board-alerts");
    const sorted = [...state.openAlerts.values()].sort((x, y) => y.id - x.id);
    const old = new Map([...list.querySelectorAll(".alert")].map((el) => [Number(el.dataset.alertId), el]));
    const cards = sorted.map((a) => {
      const previous = old.get(a.id);
      // A card that shows the same state stays as it is (no flicker, no image reloaded).
      const look = state.lang + "/" + state.session.role;
      if (previous && previous.dataset.state === a.state && previous.dataset.look === look) return previous;
      const card = alertCard(a, true);
      card.dataset.look = look;
      // When it first appeared on this board: the browser test measures screening-to-screen time with it.
      card.dataset.shownMs = previous ? previous.dataset.shownMs : String(Date.now());
      if (previous) card.dataset.via = previous.dataset.via;
      if (!previous && a.fresh) card.classList.add("fresh");
      return card;
    });
    list.replaceChildren(...cards);
    if (!sorted.length) list.append(h("p", { class: "hint", text: t("board.no_alerts") }));
    $("board-alert-count").textContent = sorted.length ? "(" + sorted.length + ")" : "";
    for (const g of state.gates) {
      const n = sorted.filter((a) => a.gate === g.id).length;
      const el = document.querySelector('.gate[data-gate="' + CSS.escape(g.id) + '"] .gate-alerts');
      if (el) { el.textContent = n ? t("board.alerts_here", { n }) : ""; el.hidden = !n; }
    }
  }

  async function acknowledge(id) {
    const result = await api("POST", "/api/alerts/" + id + "/ack", {});
    if (result.status !== 200) { banner(failure(result), true); return; }
    applyAlertState({ id, state: result.body.state });
    if (state.view === "alerts") loadAlerts();
  }

  function openClose(id) {
    state.closing = id;
    const form = $("close-form");
    form.reset();
    $("close-title").textContent = t("close.title", { id });
    $("close-error").hidden = true;
    $("close-dialog").showModal();
    form.querySelector("textarea").focus();
  }

  async function submitClose(event) {
    event.preventDefault();
    const form = $("close-form");
    // Every filled field of the form goes to the gateway: the note, the re-check's disposition and temperature.
    const fields = Object.fromEntries([...new FormData(form).entries()].filter(([, v]) => typeof v === "string" && v !== ""));
    if (fields.recheck_celsius !== undefined) fields.recheck_celsius = Number(fields.recheck_celsius);
    if (!(fields.note || "").trim()) {
      $("close-error").textContent = t("close.need_note");
      $("close-error").hidden = false;
      return;
    }
    const id = state.closing;
    const result = await api("POST", "/api/alerts/" + id + "/close", fields);
    if (result.status !== 200) {
      $("close-error").textContent = failure(result);
      $("close-error").hidden = false;
      return;
    }
    $("close-dialog").close();
    applyAlertState({ id, state: "closed" });
    if (state.view === "alerts") loadAlerts();
  }

  async function details(id, card) {
    const result = await api("GET", "/api/alerts/" + id);
    if (result.status !== 200 || !card) return;
    card.querySelector(".alert-history")?.remove();
    card.append(h("ul", { class: "alert-history" }, (result.body.actions || []).map((x) =>
      h("li", { text: t("alerts.by", { state: t("state." + x.state), actor: x.actor, time: dateTime(x.time_ms) }) + (x.note ? ": " + x.note : "") }))));
  }

  async function loadAlerts() {
    const form = $("alerts-filter");
    const result = await api("GET", "/api/alerts?" + query(form));
    const list = $("alerts-list");
    if (result.status !== 200) { list.replaceChildren(h("p", { class: "error", text: failure(result) })); return; }
    const alerts = result.body.alerts || [];
    list.replaceChildren(...alerts.map((a) => alertCard(a, false)));
    if (!alerts.length) list.append(h("p", { class: "hint", text: t("alerts.none") }));
  }

  // ---------------------------------------------------------------- the gate board

  async function loadBoard() {
    const result = await api("GET", "/api/board");
    if (result.status !== 200) { if (result.status !== 401) banner(failure(result), true); return; }
    const board = result.body;
    state.gates = board.gates;
    state.openAlerts = new Map(board.alerts.map((a) => [a.id, a]));
    state.rows = new Map(board.gates.map((g) => [g.id, { screenings: g.screenings, decisions: g.decisions }]));
    if (board.state) state.gateState = board.state;
    if (!state.source) state.cursor = board.cursor;
    fillSelects();
    renderGates();
    renderBoardAlerts();
    if (!state.source) startLive();
  }

  function cameraChip(gate) {
    if (!gate.camera) return h("span", { class: "chip" }, t("board.no_camera"));
    const cam = state.gateState && state.gateState.cameras.find((c) => c.id === gate.camera);
    const run = cam ? cam.state : "starting";
    const dot = run === "running" ? "on" : run === "faulted" ? "off" : "wait";
    const parts = [gate.camera + ": " + word("camera", run)];
    if (cam && typeof cam.fps === "number" && run === "running") parts.push(t("camera.fps", { fps: cam.fps.toFixed(1) }));
    if (cam && cam.reference) parts.push(word("reference", cam.reference) + (typeof cam.reference_offset === "number" ? " (" + (cam.reference_offset >= 0 ? "+" : "") + cam.reference_offset.toFixed(2) + " °C)" : ""));
    return h("span", { class: "chip camera", title: cam && cam.last_error ? cam.last_error : null, data: { state: run } },
      h("span", { class: "dot " + dot }), parts.join(" · "));
  }

  function terminalChips(gate) {
    return gate.terminals.map((term) => {
      const live = state.gateState && state.gateState.terminals.find((x) => x.id === term.id);
      const online = live ? live.online : null;
      return h("span", { class: "chip terminal", title: term.kind, data: { terminal: term.id, online: String(online) } },
        h("span", { class: "dot " + (online === true ? "on" : online === false ? "off" : "") }),
        term.id + " " + (online === null ? "" : t(online ? "terminal.online" : "terminal.offline")));
    });
  }

  function screeningRow(s) {
    return h("li", { class: "row screening" + (s.fresh ? " fresh" : ""), data: { screening: s.id, verdict: s.verdict } },
      h("span", { class: "time", text: time(s.time_ms) }),
      h("span", {}, h("span", { class: "celsius" + (s.verdict === "elevated" ? " hot" : ""), text: celsius(s.celsius) + " °C" }), " ",
        h("span", { class: "badge " + s.verdict, text: word("verdict", s.verdict) })),
      s.snapshot ? snapshotImage("/api/snapshot?screening=" + s.id, "thumb") : h("span"));
  }

  function decisionRow(d) {
    return h("li", { class: "row decision" + (d.fresh ? " fresh" : ""), data: { decision: d.id, result: d.result } },
      h("span", { class: "time", text: time(d.time_ms) }),
      h("span", {}, h("b", { text: d.person }), " ", typeof d.celsius === "number" ? celsius(d.celsius) + " °C " : "",
        h("span", { class: "reasons", text: reasons(d.reasons) })),
      h("span", { class: "badge " + d.result, text: t("result." + d.result) }));
  }

  function renderGates() {
    const container = $("gates");
    container.replaceChildren(...state.gates.map((g) => {
      const rows = state.rows.get(g.id) || { screenings: [], decisions: [] };
      const screenings = rows.screenings.length ? rows.screenings.map(screeningRow) : [h("li", { class: "hint", text: t("board.none_yet") })];
      const decisions = rows.decisions.length ? rows.decisions.map(decisionRow) : [h("li", { class: "hint", text: t("board.none_yet") })];
      return h("section", { class: "card gate", data: { gate: g.id } },
        h("div", { class: "gate-head" },
          h("h2", {}, g.name, " ", h("small", { text: g.id + " · " + t("gate." + g.direction) })),
          h("span", { class: "badge critical gate-alerts", hidden: true })),
        h("div", { class: "gate-status" }, cameraChip(g), g.camera ? h("span", { class: "chip", text: t("board.threshold", { c: g.fever_threshold.toFixed(1) }) }) : null),
        h("div", { class: "gate-status" }, terminalChips(g)),
        h("div", { class: "gate-cols" },
          g.camera ? h("div", {}, h("h3", { text: t("board.screenings") }), h("ol", { class: "rows screenings" }, screenings)) : null,
          h("div", {}, h("h3", { text: t("board.decisions") }), h("ol", { class: "rows decisions" }, decisions))));
    }));
  }

  function addRow(gate, kind, item) {
    const rows = state.rows.get(gate);
    if (!rows || rows[kind].some((x) => x.id === item.id)) return;
    item.fresh = true;
    rows[kind].unshift(item);
    rows[kind].sort((x, y) => y.id - x.id);
    rows[kind].length = Math.min(rows[kind].length, ROWS_PER_GATE);
    renderGates();
    renderBoardAlerts();
  }

  function applyAlertState(change) {
    const a = state.openAlerts.get(change.id);
    if (!a) return;
    if (change.state === "closed") state.openAlerts.delete(change.id);
    else a.state = change.state;
    renderBoardAlerts();
  }

  // ---------------------------------------------------------------- the live stream

  function setLive(mode) {
    const el = $("live");
    el.className = "live " + ({ on: "on", off: "off" }[mode] || "waiting");
    el.dataset.mode = mode;
    el.textContent = t({ on: "live.on", off: "live.off", connecting: "live.connecting" }[mode] || "live.reconnecting");
  }

  function stopLive() {
    if (state.source) state.source.close();
    state.source = null;
    clearTimeout(state.retry);
    state.retry = null;
  }

  function startLive() {
    stopLive();
    setLive("connecting");
    // The browser resends the id of the last event it got (Last-Event-ID) when it reconnects by itself; a stream we
    // open again ourselves names the cursor in the address.
    const source = new EventSource("/api/live?from=" + encodeURIComponent(state.cursor || ""));
    state.source = source;
    const on = (name, handler) => source.addEventListener(name, (event) => {
      if (event.lastEventId) state.cursor = event.lastEventId;
      let data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      handler(data);
    });
    source.onopen = () => { state.retryDelay = 1000; setLive("on"); };
    on("alert", (a) => {
      if (a.state === "closed" || state.openAlerts.has(a.id)) return;
      a.fresh = true;
      state.openAlerts.set(a.id, a);
      renderBoardAlerts();
    });
    on("alert_state", applyAlertState);
    on("decision", (d) => addRow(d.gate, "decisions", d));
    on("screening", (s) => addRow(s.gate, "screenings", s));
    on("state", (s) => { state.gateState = s; renderGates(); renderBoardAlerts(); });
    on("reload", () => loadBoard());
    on("session_ended", () => loggedOut(t("session.ended")));
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) { setLive("reconnecting"); return; }
      // Refused (the session ended, or every live slot is taken): find out which, then try again later.
      state.source = null;
      setLive("reconnecting");
      api("GET", "/api/session").then((r) => {
        if (r.status !== 200) return;
        state.retry = setTimeout(startLive, state.retryDelay);
        state.retryDelay = Math.min(state.retryDelay * 2, 30000);
      });
    };
  }

  // ---------------------------------------------------------------- history

  function historyRow(r) {
    const what = r.type === "event" ? r.kind : t("kind." + r.type);
    const result = r.type === "decision" ? h("span", { class: "badge " + r.result, text: t("result." + r.result) })
      : r.type === "screening" ? h("span", { class: "badge " + r.verdict, text: word("verdict", r.verdict) }) : "";
    const c = r.type === "event" ? (r.data || {}).celsius : r.celsius;
    let detail = "";
    if (r.type === "decision") detail = reasons(r.reasons);
    else if (r.type === "event") detail = Object.entries(r.data || {}).filter(([k]) => k !== "person").map(([k, v]) => k + "=" + v).join(" ");
    else if (r.reason) detail = r.reason;
    return h("tr", { data: { type: r.type } }, h("td", { text: dateTime(r.time_ms) }), h("td", { text: r.gate }), h("td", { text: r.source || "" }),
      h("td", { text: r.person || "" }), h("td", { text: what }), h("td", {}, result), h("td", { text: typeof c === "number" ? celsius(c) : "" }),
      h("td", { text: detail }));
  }

  function tableHead(keys) {
    return h("thead", {}, h("tr", {}, keys.map((k) => h("th", { text: t(k) }))));
  }

  async function loadHistory() {
    const form = $("history-filter");
    const q = query(form);
    $("history-export").href = "/api/history.csv" + (q ? "?" + q : "");
    const result = await api("GET", "/api/history" + (q ? "?" + q : ""));
    const table = $("history-table");
    if (result.status !== 200) { table.replaceChildren(h("caption", { class: "error", text: failure(result) })); return; }
    const rows = result.body.rows || [];
    table.replaceChildren(tableHead(["col.time", "col.gate", "col.source", "col.person", "col.what", "col.result", "col.celsius", "col.details"]),
      h("tbody", {}, rows.length ? rows.map(historyRow) : h("tr", {}, h("td", { colspan: "8", class: "hint", text: t("history.none") }))));
    const note = $("history-note");
    note.hidden = !result.body.truncated;
    note.textContent = t("history.truncated", { n: result.body.limit });
  }

  // ---------------------------------------------------------------- lists

  async function loadLists() {
    const form = $("lists-filter");
    const q = query(form);
    $("lists-export").href = "/api/lists.csv" + (q ? "?" + q : "");
    const result = await api("GET", "/api/lists" + (q ? "?" + q : ""));
    const table = $("lists-table");
    if (result.status === 403) { forbidden("admin", result.body.message); return; }
    if (result.status !== 200) { table.replaceChildren(h("caption", { class: "error", text: failure(result) })); return; }
    const entries = result.body.entries || [];
    $("lists-count").textContent = t("lists.count", { n: entries.length });
    table.replaceChildren(tableHead(["col.list", "col.person", "col.name", "col.valid_from", "col.valid_until", "col.note"]),
      h("tbody", {}, entries.map((e) => h("tr", { data: { list: e.list } },
        h("td", {}, h("span", { class: "badge " + (e.list === "deny" ? "deny" : "grant"), text: t("lists." + e.list) })),
        h("td", { text: e.person }), h("td", { text: e.name }), h("td", { text: e.valid_from ? dateTime(Date.parse(e.valid_from)) : "" }),
        h("td", { text: e.valid_until ? dateTime(Date.parse(e.valid_until)) : "" }), h("td", { text: e.note })))));
  }

  async function importLists(event) {
    event.preventDefault();
    const out = $("lists-import-result");
    const file = $("lists-file").files[0];
    if (!file) { out.replaceChildren(h("p", { class: "error", text: t("lists.choose_file") })); return; }
    const text = await file.text();
    const replace = $("lists-replace").checked ? "true" : "false";
    const result = await api("POST", "/api/lists/import?replace=" + replace, text, "text/csv");
    if (result.status === 200) {
      out.replaceChildren(h("p", { class: "ok", text: t("lists.imported", { allow: result.body.allow, deny: result.body.deny }) }));
      loadLists();
    } else if (result.status === 422) {
      out.replaceChildren(h("p", { class: "error", text: t("lists.rejected", { n: result.body.total_errors }) }),
        h("table", { class: "table" }, tableHead(["col.line", "col.problem"]),
          h("tbody", {}, result.body.errors.map((e) => h("tr", {}, h("td", { text: e.line }), h("td", { text: e.message }))))));
    } else {
      out.replaceChildren(h("p", { class: "error", text: failure(result) }));
    }
  }

  // ---------------------------------------------------------------- health

  function table(keys, rows) {
    return h("div", { class: "table-wrap" }, h("table", { class: "table" }, tableHead(keys),
      h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((c) => h("td", {}, c === null || c === undefined ? "–" : String(c))))))));
  }

  function card(titleKey, ...content) {
    return h("section", { class: "card" }, h("h3", { text: t(titleKey) }), content);
  }

  async function loadHealth() {
    const [result, audit] = await Promise.all([api("GET", "/api/health"), api("GET", "/api/audit?limit=50")]);
    const out = $("health");
    if (result.status === 403) { forbidden("admin", result.body.message); return; }
    if (result.status !== 200) { out.replaceChildren(h("p", { class: "error", text: failure(result) })); return; }
    const { status, disk, web } = result.body;
    const cards = [];
    if (!status) {
      cards.push(h("p", { class: "card error wide", text: t("health.no_gateway") }));
    } else {
      cards.push(card("health.gateway", h("dl", { class: "kv" },
        h("dt", { text: t("health.version") }), h("dd", { text: status.version }),
        h("dt", { text: t("health.uptime") }), h("dd", { text: duration(status.uptime_s) }),
        h("dt", { text: t("health.ledger") }), h("dd", { text: status.ledger.path + " · " + bytes(status.ledger.size_bytes) }),
        h("dt", { text: t("health.disk") }), h("dd", { text: disk ? t("health.free", { free: bytes(disk.free_bytes), total: bytes(disk.total_bytes) }) : "–" }))));
      const r = status.retention || {};
      cards.push(card("health.retention", h("dl", { class: "kv" }, Object.entries(r.days || {}).flatMap(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })]))));
      cards.push(h("section", { class: "card wide" }, h("h3", { text: t("health.cameras") }),
        table(["col.id", "col.gate", "col.state", "col.fps", "col.reference", "col.faults", "col.error"],
          (status.cameras || []).map((c) => [c.id, c.gate, word("camera", c.state), typeof c.fps === "number" ? c.fps.toFixed(1) : null,
            word("reference", c.reference), c.faults, c.last_error || ""]))));
      cards.push(h("section", { class: "card wide" }, h("h3", { text: t("health.terminals") }),
        table(["col.id", "col.gate", "col.kind", "col.online", "col.last_seen"],
          (status.terminals || []).map((x) => [x.id, x.gate, x.kind, t(x.online ? "yes" : "no"),
            x.last_seen_ms_ago === null ? null : duration(Math.round(x.last_seen_ms_ago / 1000))]))));
      const f = status.forwarding;
      cards.push(h("section", { class: "card wide" }, h("h3", { text: t("health.outbox") }), !f ? h("p", { class: "hint", text: t("health.forwarding_off") }) : [
        h("h3", { text: t("health.lanes") }),
        table(["col.id", "col.records", "col.bytes", "col.oldest", "col.dropped"],
          f.lanes.map((l) => [l.lane, l.records, bytes(l.bytes), l.oldest_age_ms === null ? null : duration(Math.round(l.oldest_age_ms / 1000)), l.dropped])),
        h("h3", { text: t("health.sinks") }),
        table(["col.id", "col.connected", "col.backlog", "col.delivered", "col.error"],
          f.sinks.map((s) => [s.name, t(s.connected ? "yes" : "no"), s.unconfirmed, s.delivered_total, s.last_error || ""]))]));
    }
    cards.push(card("health.web", h("dl", { class: "kv" }, Object.entries(web).flatMap(([k, v]) => [h("dt", { text: k }), h("dd", { text: String(v) })]))));
    if (audit.status === 200) {
      cards.push(h("section", { class: "card wide" }, h("h3", { text: t("health.audit") }),
        table(["col.time", "col.actor", "col.address", "col.action", "col.target", "col.outcome", "col.details"],
          audit.body.audit.map((a) => [dateTime(a.time_ms), a.actor + (a.role ? " (" + a.role + ")" : ""), a.address, a.action, a.target, a.outcome, a.detail]))));
    }
    out.replaceChildren(...cards);
  }

  // ---------------------------------------------------------------- start

  async function boot() {
    applyLanguage();
    $("lang").addEventListener("change", (e) => {
      state.lang = e.target.value;
      localStorage.setItem("gatehouse.lang", state.lang);
      applyLanguage();
      if (state.session) { renderGates(); renderBoardAlerts(); route(); }
      if (state.source) setLive($("live").dataset.mode);
    });
    $("login-form").addEventListener("submit", login);
    $("logout").addEventListener("click", logout);
    $("close-form").addEventListener("submit", submitClose);
    $("close-cancel").addEventListener("click", () => $("close-dialog").close());
    $("alerts-filter").addEventListener("submit", (e) => { e.preventDefault(); loadAlerts(); });
    $("history-filter").addEventListener("submit", (e) => { e.preventDefault(); loadHistory(); });
    $("lists-filter").addEventListener("change", () => loadLists());
    $("lists-import").addEventListener("submit", importLists);
    window.addEventListener("hashchange", route);
    const result = await api("GET", "/api/session");
    if (result.status === 200) started(result.body);
    else showLogin("");
  }

  document.addEventListener("DOMContentLoaded", boot);
})();
