// The home console's page: draws both homes from the console's one event stream (/api/events) and sends control presses.
// Plain script, no library: everything the page needs is served by the console itself.
"use strict";

const DEVICES = [
  { id: "temp-living", label: "Living-room thermometer", format: v => `${v.toFixed(1)} °C` },
  { id: "door-front", label: "Front-door contact", format: v => (v >= 0.5 ? "open" : "closed") },
  { id: "smoke-kitchen", label: "Kitchen smoke detector", format: v => `${v.toFixed(1)} % smoke` },
  { id: "plug-garage", label: "Garage smart plug", format: v => `${Math.round(v)} W` },
];

// Each actuator, its words, and which of its states is the alarming one (shown red and named, never by colour alone).
const ACTUATORS = [
  { key: "heating", label: "Heating", field: "heatingOn", text: v => (v ? "on" : "off"), alarming: v => v },
  { key: "door", label: "Front door", field: "doorLocked", text: v => (v ? "locked" : "unlocked"), alarming: v => !v },
  { key: "siren", label: "Siren", field: "sirenOn", text: v => (v ? "sounding" : "silent"), alarming: v => v },
  { key: "plug", label: "Garage plug relay", field: "plugRelayOn", text: v => (v ? "on" : "cut off"), alarming: v => !v },
];

// A home's pipeline resources the console can stop and start, and what each button says it will do.
const PARTS = [
  { role: "broker", label: "Broker", stop: "no message gets through until it is started again", start: "messages flow again" },
  { role: "sensor", label: "Sensor", stop: "its four devices stop sending readings", start: "its devices send readings again" },
  { role: "actuator", label: "Actuator", stop: "nothing is applied and the console loses its decisions", start: "it applies readings again" },
];

const ROWS_KEPT = 30;
const LEVEL_WORDS = { "outsider": "outsider", "insider": "insider", "compromised-broker": "compromised broker" };

let session = null;
// home -> newest decision drawn. After a reconnect the stream replays recent rows: a row no newer than this one (by its
// sequence number and time: a restarted actuator numbers from 1 again, later) was drawn already.
const newest = new Map();
const lastState = new Map(); // home -> last state drawn

const $ = (selector, root = document) => root.querySelector(selector);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function homeTitle(home) {
  return home === "insecure" ? "Insecure home" : home === "secure" ? "Secure home" : `${home} home`;
}

function time(iso) {
  return new Date(iso).toLocaleTimeString([], { hour12: false });
}

function valueText(decision) {
  const device = DEVICES.find(d => d.id === decision.sender);
  if (decision.value === null || decision.value === undefined) return decision.kind;
  return device ? device.format(decision.value) : `${decision.kind} ${decision.value}`;
}

// ---- the homes ----

function drawHome(home) {
  const article = el("article", { class: `home ${home}`, id: `home-${home}`, "aria-labelledby": `title-${home}` },
    el("h2", { id: `title-${home}` }, homeTitle(home), el("span", { class: "link down", id: `link-${home}`, text: "connecting…" })),
    el("h3", { text: "Devices (latest reading the actuator accepted)" }),
    el("ul", { class: "devices" }, ...DEVICES.map(d =>
      el("li", { id: `device-${home}-${d.id}` }, d.label, el("span", { class: "reading", text: "no reading yet" })))),
    el("h3", { text: "Home state" }),
    el("ul", { class: "actuators", id: `state-${home}` }, ...ACTUATORS.map(a =>
      el("li", { id: `actuator-${home}-${a.key}`, class: `actuator-${a.key}` }, a.label,
        el("span", { class: "value", text: "…" }), el("span", { class: "cause", text: "" })))),
    el("h3", { text: "Pipeline (stop and start its parts)" }),
    el("ul", { class: "parts", id: `parts-${home}` }, ...PARTS.map(p => drawPart(home, p))),
    el("h3", { text: "Decisions, newest first" }),
    el("p", { class: "skipped", id: `skipped-${home}` }),
    el("ol", { class: "decisions", id: `decisions-${home}`, "aria-label": `${homeTitle(home)}: decisions` }));
  $("#homes").append(article);
  newest.set(home, { seq: 0, at: "" });
}

function drawPart(home, part) {
  const button = el("button", { type: "button", id: `pipeline-${home}-${part.role}`, class: "part-control" });
  button.hidden = true;
  button.addEventListener("click", () => pressPart(home, part, button));
  return el("li", { id: `part-${home}-${part.role}` }, part.label,
    el("span", { class: "part-state", id: `part-state-${home}-${part.role}`, role: "status",
      text: session.pipelineControls ? "state not known yet" : "stop and start it in the dashboard (the console runs without its AppHost)" }),
    button);
}

// Aspire's state words, as a person says them.
function partWords(state, health) {
  if (state === "Running") return health && health !== "Healthy" ? "running (not healthy yet)" : "running";
  if (["Exited", "Finished", "FailedToStart", "NotStarted"].includes(state)) return state === "FailedToStart" ? "failed to start" : "stopped";
  if (state === "Stopping") return "stopping…";
  if (state === "Starting" || state === "Waiting") return "starting…";
  return state.toLowerCase();
}

function partAction(state) {
  return ["Exited", "Finished", "FailedToStart", "NotStarted"].includes(state) ? "start" : "stop";
}

function describePart(home, part, action) {
  return action === "stop"
    ? `Stop the ${home} home's ${part.role} (${part.stop})`
    : `Start the ${home} home's ${part.role} (${part.start})`;
}

function onResource(event) {
  const resource = JSON.parse(event.data);
  const part = PARTS.find(p => p.role === resource.role);
  const item = $(`#part-${resource.pipeline}-${resource.role}`);
  if (!part || !item) return;
  const words = partWords(resource.state, resource.health);
  const label = $(`#part-state-${resource.pipeline}-${resource.role}`);
  if (label.textContent !== words && label.textContent !== "state not known yet") flash(item);
  label.textContent = words;
  item.classList.toggle("stopped", words === "stopped" || words === "failed to start");
  const button = $(`#pipeline-${resource.pipeline}-${resource.role}`);
  const action = partAction(resource.state);
  button.dataset.action = action;
  button.textContent = describePart(resource.pipeline, part, action);
  button.hidden = false;
  // A part between states is not pressed again until it settles.
  button.disabled = resource.state === "Stopping" || resource.state === "Starting" || resource.state === "Waiting";
}

async function pressPart(home, part, button) {
  const action = button.dataset.action;
  button.disabled = true;
  $(`#part-state-${home}-${part.role}`).textContent = action === "stop" ? "stopping…" : "starting…";
  await press(`/api/pipeline?home=${encodeURIComponent(home)}&role=${part.role}&action=${action}`, body => body.message);
  button.disabled = false;
}

function onHome(event) {
  const update = JSON.parse(event.data);
  const home = update.pipeline;
  if (!newest.has(home)) return;
  const decision = update.decision;
  if (decision) {
    const last = newest.get(home);
    if (decision.seq <= last.seq && decision.receivedAt <= last.at) {
      drawState(home, update.state, null);
      return;
    }
    newest.set(home, { seq: decision.seq, at: decision.receivedAt });
    drawDecision(home, update);
    if (decision.verdict === "applied" && decision.value !== null) drawReading(home, decision);
  }
  drawState(home, update.state, decision);
}

function drawReading(home, decision) {
  const item = $(`#device-${home}-${CSS.escape(decision.sender)} .reading`);
  if (item) item.textContent = valueText(decision) + (decision.attemptId ? " (forged by the attacker)" : "");
}

function drawState(home, state, decision) {
  const before = lastState.get(home);
  // The effect names what this decision changed: "door unlocked, siren on".
  const changed = new Set(decision && decision.verdict === "applied" && decision.effect && decision.effect !== "no change"
    ? decision.effect.split(", ").map(e => e.split(" ")[0]) : []);
  for (const actuator of ACTUATORS) {
    const item = $(`#actuator-${home}-${actuator.key}`);
    const value = state[actuator.field];
    item.querySelector(".value").textContent = actuator.text(value);
    item.classList.toggle("alert", actuator.alarming(value));
    if (changed.has(actuator.key)) {
      const by = decision.attemptId ? `the attacker's forged reading (${decision.attemptId})` : `a reading of ${decision.sender}`;
      item.querySelector(".cause").textContent = `${actuator.text(value)} at ${time(decision.receivedAt)} because of ${by}: ${valueText(decision)}`;
      item.classList.toggle("attack-cause", Boolean(decision.attemptId));
    } else if (!before && !item.querySelector(".cause").textContent) {
      item.querySelector(".cause").textContent = "as it was when the console opened";
    }
    if (before && before[actuator.field] !== value) flash(item);
  }
  lastState.set(home, state);
}

function flash(item) {
  item.classList.remove("changed");
  void item.offsetWidth; // restart the animation
  item.classList.add("changed");
}

function isSentinel(decision) {
  return Boolean(decision.attemptId) && decision.attemptId.includes("-sentinel-");
}

function drawDecision(home, update) {
  const d = update.decision;
  const list = $(`#decisions-${home}`);
  const outcome = d.verdict === "applied"
    ? `applied: ${d.effect || "no change"}`
    : `rejected: ${d.reason}${update.layer ? ` — blocked by ${update.layer}` : ""}`;
  const row = el("li", { class: `${d.verdict} new` },
    el("span", { class: "time", text: time(d.receivedAt) }),
    el("span", { class: "verdict", text: d.verdict }));
  // The attacker ends every judged attack × level with a sentinel (a plain "sentinel" payload on the victim's topic, carrying
  // its attempt id): once the actuator decided on it, every attempt before it was delivered. Any actuator rejects it as
  // malformed; it is the judge's marker, not an attempt.
  if (isSentinel(d)) row.append(el("span", { class: "sentinel", text: "judge's sentinel",
    title: "The attacker's end-of-attempts marker: rejected as malformed by design, not an attack attempt" }));
  else if (d.attemptId) row.append(el("span", { class: "attack", text: "attack" }));
  row.append(el("span", { text: `${d.sender || "unknown sender"} · ${valueText(d)}` }), el("span", { text: outcome }));
  if (update.traceUrl) {
    row.append(el("a", { href: update.traceUrl, target: "_blank", rel: "noopener", text: "trace",
      "aria-label": `Open the trace of this ${d.verdict} decision in the dashboard` }));
  }
  list.prepend(row);
  while (list.children.length > ROWS_KEPT) list.lastElementChild.remove();
  const skipped = $(`#skipped-${home}`);
  skipped.textContent = update.skipped > 0 ? `${update.skipped} more decisions came in too fast to list (all are in the dashboard).` : "";
}

function onLink(event) {
  const link = JSON.parse(event.data);
  const badge = $(`#link-${link.pipeline}`);
  if (!badge) return;
  badge.textContent = link.connected ? "● live" : link.message;
  badge.classList.toggle("down", !link.connected);
}

// ---- the attack grid ----

let gridRun = null;

function onRun(event) {
  const run = JSON.parse(event.data);
  if (run.status === "started") {
    gridRun = run;
    drawGrid(run);
  }
  const finished = run.status === "finished";
  $("#grid-run").textContent = `${finished ? "Finished" : "Running"}: ${run.description}.${run.message ? " " + run.message : ""}`;
  $("#grid-run").classList.toggle("error", Boolean(run.message));
  setBusy(!finished);
}

function drawGrid(run) {
  const tables = $("#grid-tables");
  tables.replaceChildren();
  for (const home of run.pipelines) {
    const table = el("table", { id: `grid-${home}` },
      el("caption", { text: homeTitle(home) }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "attack" }),
        ...run.levels.map(l => el("th", { scope: "col", text: LEVEL_WORDS[l] || l })))),
      el("tbody"));
    tables.append(table);
  }
}

function cellId(cell) {
  return `cell-${cell.pipeline}-${cell.attack}-${cell.level}`;
}

function onCell(event) {
  const cell = JSON.parse(event.data);
  const table = $(`#grid-${cell.pipeline}`);
  if (!table || !gridRun || cell.runId !== gridRun.runId) return;
  let td = document.getElementById(cellId(cell));
  if (!td) {
    let row = table.querySelector(`tr[data-attack="${CSS.escape(cell.attack)}"]`);
    if (!row) {
      row = el("tr", { "data-attack": cell.attack }, el("th", { scope: "row", text: cell.attack }),
        ...gridRun.levels.map(l => el("td", { id: cellId({ ...cell, level: l }), text: "" })));
      table.tBodies[0].append(row);
    }
    td = document.getElementById(cellId(cell));
  }
  td.className = "";
  td.title = cell.message || "";
  if (cell.status === "queued") td.textContent = "waiting";
  else if (cell.status === "running") { td.textContent = "running…"; td.className = "running"; }
  else if (cell.status === "failed") { td.textContent = `not run: ${cell.message}`; td.className = "failed"; }
  else {
    const r = cell.result;
    const layers = Object.entries(r.blockedBy || {}).sort((a, b) => b[1] - a[1]).map(([layer]) => layer);
    if (r.succeeded > 0) {
      td.textContent = `BREACHED ${r.succeeded}/${r.attempts}`;
      td.className = "breached";
    } else if (r.attempts - r.unjudged <= 0) {
      td.textContent = `not judged${r.notes ? ": " + r.notes : ""}`;
      td.className = "failed";
    } else {
      td.textContent = `blocked${layers.length ? " by " + layers.slice(0, 2).join(", ") : ""}`;
      td.className = "blocked";
    }
    td.title = r.notes || "";
  }
}

// ---- controls ----

function chosen() {
  const target = document.querySelector("input[name=target]:checked");
  return {
    homes: target ? target.value.split(",") : [],
    attack: $("#attack-choice").value,
    level: $("#level-choice").value,
    attempts: Number.parseInt($("#attempts-choice").value, 10) || session.attempts,
  };
}

function homesWords(homes) {
  return homes.length === 1 ? `the ${homes[0]} home` : `the ${homes.join(" and the ")} homes`;
}

// Every button says what it will do, in full, before it is pressed.
function describeButtons() {
  const c = chosen();
  const tries = `${c.attempts} attempt${c.attempts === 1 ? "" : "s"}`;
  $("#run-attack").textContent = `Run ${c.attack || "the attack"} as ${LEVEL_WORDS[c.level]}, ${tries}, against ${homesWords(c.homes)}`;
  $("#run-campaign").textContent = `Run the whole campaign (every attack at every level, ${tries} each) against ${homesWords(c.homes)}`;
}

function setBusy(busy) {
  for (const button of [$("#run-attack"), $("#run-campaign")]) button.disabled = busy;
}

async function press(path, doneText) {
  const status = $("#control-status");
  status.classList.remove("error");
  status.textContent = "Sending…";
  try {
    const response = await fetch(path, { method: "POST", headers: { "X-Console-Token": session.token } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      status.textContent = body.error || `The console answered ${response.status}.`;
      status.classList.add("error");
      return;
    }
    status.textContent = doneText(body);
  } catch (error) {
    status.textContent = `The console is not answering: ${error.message}`;
    status.classList.add("error");
  }
}

function attackQuery(c, attacks, levels) {
  const query = new URLSearchParams({ homes: c.homes.join(","), attempts: String(c.attempts) });
  if (attacks) query.set("attacks", attacks);
  if (levels) query.set("levels", levels);
  return `/api/attacks?${query}`;
}

function drawControls() {
  const targets = $("#target-choices");
  const options = session.homes.map(h => ({ value: h, text: homeTitle(h) }));
  if (session.homes.length > 1) options.push({ value: session.homes.join(","), text: "Both homes" });
  options.forEach((option, i) => {
    const input = el("input", { type: "radio", name: "target", value: option.value, id: `target-${i}` });
    input.checked = i === options.length - 1;
    targets.append(el("label", { for: `target-${i}` }, input, option.text));
  });

  const attacks = $("#attack-choice");
  attacks.replaceChildren(...session.attacks.map(a => el("option", { value: a, text: a })));
  if (session.attacks.includes("inject")) attacks.value = "inject";
  $("#level-choice").replaceChildren(...session.levels.map(l => el("option", { value: l, text: LEVEL_WORDS[l] || l })));
  $("#attempts-choice").value = String(session.attempts);

  $("#attack-form").addEventListener("input", describeButtons);
  $("#attack-form").addEventListener("change", describeButtons);
  $("#attack-form").addEventListener("submit", event => {
    event.preventDefault();
    const c = chosen();
    press(attackQuery(c, c.attack, c.level), body => `Started: ${body.description}. The grid below fills in as each attempt is judged.`);
  });
  $("#run-campaign").addEventListener("click", () => {
    const c = chosen();
    press(attackQuery(c, null, null), body => `Started: ${body.description}. The grid below fills in as each attempt is judged.`);
  });

  const keys = $("#key-controls");
  for (const home of session.homes.filter(h => h === "secure")) {
    const button = el("button", { type: "button", id: `rotate-${home}`,
      text: `Rotate the ${home} home's session keys (every device announces a fresh AES-256 key now)` });
    button.addEventListener("click", () => press(`/api/rotate?home=${encodeURIComponent(home)}`, body => body.message));
    keys.append(button);
  }

  drawAttackerStatus();
  describeButtons();
  setBusy(session.running);
}

function drawAttackerStatus() {
  const status = $("#attacker-status");
  const stopped = session.homes.filter(h => !session.attackers[h]);
  status.replaceChildren(...stopped.map(h => el("p", {
    text: `${h}-attacker is not running: start it in the dashboard (its Start button), then press "Check the attackers again".` })));
  if (stopped.length > 0) {
    const again = el("button", { type: "button", text: "Check the attackers again" });
    again.addEventListener("click", async () => {
      const fresh = await loadSession();
      session.attackers = fresh.attackers;
      if (!session.attacks.length && fresh.attacks.length) {
        session.attacks = fresh.attacks;
        $("#attack-choice").replaceChildren(...session.attacks.map(a => el("option", { value: a, text: a })));
        if (session.attacks.includes("inject")) $("#attack-choice").value = "inject";
        describeButtons();
      }
      drawAttackerStatus();
    });
    status.append(again);
  }
}

async function loadSession() {
  const response = await fetch("/api/session");
  if (!response.ok) throw new Error(`the console answered ${response.status}`);
  return response.json();
}

function connect() {
  const events = new EventSource("/api/events");
  events.addEventListener("home", onHome);
  events.addEventListener("link", onLink);
  events.addEventListener("run", onRun);
  events.addEventListener("cell", onCell);
  events.addEventListener("resource", onResource);
  events.addEventListener("open", () => { $("#connection").textContent = "Live: updates arrive as they happen."; });
  // EventSource reconnects by itself; the console then replays what a fresh page needs.
  events.addEventListener("error", () => { $("#connection").textContent = "Connection to the console lost; reconnecting…"; });
}

async function start() {
  try {
    session = await loadSession();
  } catch (error) {
    $("#connection").textContent = `Cannot reach the console: ${error.message}. Reload the page once it runs.`;
    return;
  }
  if (session.dashboardUrl) {
    const link = $("#dashboard-link");
    link.querySelector("a").href = session.dashboardUrl;
    link.hidden = false;
  }
  session.homes.forEach(drawHome);
  drawControls();
  connect();
}

start();
