// The dashboard at /_double/: what the controls answer, drawn as it is. Every control is called by its path
// relative to this page, so the page works under /_double/ and /api/_double/ alike.
"use strict";

const KEY_STORAGE = "julep-double-key";
const KEY_HEADER = document.querySelector('meta[name="julep-double-key-header"]').content;
// The control's default page: 100 entries with bodies and responses of 64 KiB (what the journal keeps) are 13 MB.
const JOURNAL_PAGE = 100;
// A journal read waits this long for a new entry; then the page looks whether entries were deleted (a clear, a
// reset, the oldest pruned), and at the faults and the clock.
const LIVE_WAIT_MS = 2000;
// The live loop reads the whole journal again, or every user, only after ten times as long as the last such read
// took (the export of 10,000 users, 2.7 MB, took 0.34 s: at most every 3.4 s), so such reads keep a server busy
// for at most a tenth of the time.
const PACE = 10;
// Under steady traffic, a round of reads (new entries, faults, clock, and users after a write) at most twice a second.
const LIVE_CYCLE_MS = 500;
const LIVE_RETRY_MS = 2000; // after the double failed to answer (it stopped, say)
const USERS_PAGE = 20;
const DOCS_PAGE = 10;

const $ = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(ms, 0)));

class KeyRefused extends Error {}

class ControlError extends Error {
  constructor(method, path, status, text) {
    super(`${method} ${path}: ${status} ${text}`);
  }
}

// Elements

function element(tag, properties = {}, ...children) {
  const made = Object.assign(document.createElement(tag), properties);
  made.append(...children);
  return made;
}

function compact(value) {
  return JSON.stringify(value);
}

function pretty(value) {
  return JSON.stringify(value, null, 2);
}

function cells(row, values) {
  row.append(...values.map((value) => element("td", { textContent: value === null ? "null" : String(value) })));
  return row;
}

function show(text) {
  $("message").textContent = text;
  $("message").hidden = !text;
}

// The key: from the fragment (#key=…, never sent to the server), else asked for; kept in sessionStorage

function keyFromFragment() {
  const key = new URLSearchParams(location.hash.slice(1)).get("key");
  if (key === null) return false;
  sessionStorage.setItem(KEY_STORAGE, key);
  history.replaceState(null, "", location.pathname + location.search);
  return true;
}

function askForKey(reason) {
  live.stop();
  sessionStorage.removeItem(KEY_STORAGE);
  $("key-reason").textContent = reason;
  $("key-form").hidden = false;
  $("main").hidden = $("reset").hidden = $("forget-key").hidden = true;
  $("key-input").focus();
}

async function control(method, path, body, signal) {
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key === null) throw new KeyRefused(); // refused or forgotten since this page's reads began
  let headers;
  try {
    headers = new Headers({ [KEY_HEADER]: key });
  } catch {
    askForKey("That key cannot be sent in an HTTP header.");
    throw new KeyRefused();
  }
  if (body !== undefined) headers.set("Content-Type", "application/json");
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
    cache: "no-store",
  });
  const text = await response.text();
  if (response.status === 403) {
    // Other reads made with the same key are refused too, maybe after a new key was given.
    if (sessionStorage.getItem(KEY_STORAGE) === key) askForKey(`The double refused the key: ${text}`);
    throw new KeyRefused();
  }
  if (!response.ok) throw new ControlError(method, path, response.status, text);
  return text ? JSON.parse(text) : null;
}

// Runs an action of the page; a refusal shows as the control answered it.
async function act(action) {
  try {
    await action();
    show("");
  } catch (error) {
    if (error instanceof KeyRefused || error.name === "AbortError") return;
    show(error.message);
  }
}

// The clock

async function readClock() {
  const clock = await control("GET", "clock");
  $("clock-state").textContent = clock.frozen ? "frozen at" : "real:";
  $("clock-now").textContent = clock.now;
}

// Faults

async function readFaults() {
  const { items } = await control("GET", "faults");
  $("fault-rows").replaceChildren(
    ...items.map((fault) =>
      cells(element("tr"), [
        fault.id,
        fault.method ?? "any",
        fault.path,
        fault.status,
        fault.delay_ms,
        `${fault.remaining} of ${fault.times}`,
        compact(fault.body),
        compact(fault.headers),
      ]),
    ),
  );
}

function faultDefinition() {
  const fault = {};
  const method = $("fault-method").value;
  if (method) fault.method = method;
  if ($("fault-path").value) fault.path = $("fault-path").value;
  const numbers = { status: "fault-status", delay_ms: "fault-delay", times: "fault-times" };
  const json = { body: "fault-body", headers: "fault-headers" };
  for (const [name, id] of Object.entries(numbers)) if ($(id).value) fault[name] = Number($(id).value);
  for (const [name, id] of Object.entries(json)) {
    if (!$(id).value) continue;
    try {
      fault[name] = JSON.parse($(id).value);
    } catch (error) {
      throw new Error(`The fault's ${name} is not JSON: ${error.message}`);
    }
  }
  return fault;
}

// Users and their docs, from the export (GET users), by developer; paged here

const pages = new Map(); // which page of each list is shown, by list: kept across reads
let openUser = null; // the user whose docs are shown: "developer/user"
let openDoc = null; // the doc shown whole: "developer/doc"

function paged(list, items, size, drawItem) {
  const count = Math.ceil(items.length / size);
  const page = Math.min(pages.get(list) ?? 0, Math.max(count - 1, 0));
  const shown = items.slice(page * size, (page + 1) * size);
  const turn = (to) => () => {
    pages.set(list, to);
    drawUsers();
  };
  const nav = element(
    "nav",
    { className: "pager" },
    element("button", { type: "button", textContent: "‹", disabled: page === 0, onclick: turn(page - 1) }),
    ` ${items.length ? page * size + 1 : 0}–${page * size + shown.length} of ${items.length} `,
    element("button", { type: "button", textContent: "›", disabled: page >= count - 1, onclick: turn(page + 1) }),
  );
  return [shown.map(drawItem), nav];
}

let exported = { items: [], docs: [] };
const usersRead = { due: false, next: 0 }; // whether a write was journaled since, and when the loop may read again

async function readUsers() {
  usersRead.due = false;
  const started = Date.now();
  exported = await control("GET", "users");
  usersRead.next = Date.now() + (Date.now() - started) * PACE;
  $("users-read-at").textContent = `read at ${new Date().toISOString()}`;
  drawUsers();
}

function drawUsers() {
  const developers = new Map();
  for (const user of exported.items) {
    if (!developers.has(user.developer_id)) developers.set(user.developer_id, []);
    developers.get(user.developer_id).push(user);
  }
  const docs = new Map();
  for (const doc of exported.docs) {
    const owner = `${doc.developer_id}/${doc.user_id}`;
    if (!docs.has(owner)) docs.set(owner, []);
    docs.get(owner).push(doc);
  }
  const sections = [...developers].map(([developer, users]) => {
    const [rows, nav] = paged(`users ${developer}`, users, USERS_PAGE, (user) => userRows(user, docs));
    return element(
      "article",
      { className: "developer" },
      element("h3", { textContent: `developer ${developer}` }),
      element(
        "table",
        {},
        element("thead", {}, cells(element("tr"), ["id", "name", "about", "project", "metadata", "created_at", "updated_at", "docs"])),
        element("tbody", {}, ...rows.flat()),
      ),
      nav,
    );
  });
  $("developers").replaceChildren(...(sections.length ? sections : [element("p", { textContent: "No users." })]));
}

function userRows(user, docs) {
  const key = `${user.developer_id}/${user.id}`;
  const own = docs.get(key) ?? [];
  const row = cells(element("tr", { className: "user" }), [
    user.id, user.name, user.about, user.project, compact(user.metadata), user.created_at, user.updated_at, own.length,
  ]);
  row.onclick = () => {
    openUser = openUser === key ? null : key;
    drawUsers();
  };
  if (openUser !== key) return [row];
  row.classList.add("open");
  const [shownDocs, nav] = paged(`docs ${key}`, own, DOCS_PAGE, docRows);
  const detail = element(
    "td",
    { colSpan: 8 },
    element("pre", { className: "whole user-json", textContent: pretty(user) }),
    element(
      "table",
      { className: "docs" },
      element("thead", {}, cells(element("tr"), ["doc id", "title", "chunks", "embedded", "created_at"])),
      element("tbody", {}, ...shownDocs.flat()),
    ),
    nav,
  );
  return [row, element("tr", { className: "detail" }, detail)];
}

function docRows(doc) {
  const key = `${doc.developer_id}/${doc.id}`;
  const embedded = doc.embeddings.filter((embedding) => embedding !== null).length;
  const row = cells(element("tr", { className: "doc" }), [doc.id, doc.title, doc.content.length, `${embedded} of ${doc.content.length}`, doc.created_at]);
  row.onclick = () => {
    openDoc = openDoc === key ? null : key;
    drawUsers();
  };
  if (openDoc !== key) return [row];
  row.classList.add("open");
  return [row, element("tr", { className: "detail" }, element("td", { colSpan: 5 }, element("pre", { className: "whole doc-json", textContent: pretty(doc) })))];
}

// The journal: read whole (oldest first, as the control pages it), then followed with its long poll (wait_ms)

const journal = { entries: [], oldest: null, cursor: 0, nextSync: 0 };
const expanded = new Set(); // entries shown whole, by when they started and what they were

function entryKey(entry) {
  return `${entry.started_at} ${entry.method} ${entry.path}`;
}

function journalQuery(cursor, limit, waitMs) {
  const query = new URLSearchParams({ cursor, limit });
  if (waitMs) query.set("wait_ms", waitMs);
  if ($("filter-method").value) query.set("method", $("filter-method").value);
  if ($("filter-path").value) query.set("path", $("filter-path").value);
  return `requests?${query}`;
}

// The id of the oldest entry the filters match, or null: a page of one ends at it.
async function oldestEntry(signal) {
  const page = await control("GET", journalQuery(0, 1, 0), undefined, signal);
  return page.items.length ? page.next_cursor : null;
}

async function syncJournal(signal) {
  const started = Date.now();
  const oldest = await oldestEntry(signal);
  const entries = [];
  let cursor = 0;
  for (;;) {
    const page = await control("GET", journalQuery(cursor, JOURNAL_PAGE, 0), undefined, signal);
    entries.push(...page.items);
    cursor = page.next_cursor;
    if (page.items.length < JOURNAL_PAGE) break;
  }
  Object.assign(journal, { entries, oldest, cursor, nextSync: Date.now() + (Date.now() - started) * PACE });
  drawJournal();
}

function statusMatches(status) {
  const wanted = $("filter-status").value.trim().toLowerCase();
  if (!wanted) return true;
  if (/^[1-5]xx$/.test(wanted)) return String(status)[0] === wanted[0];
  return String(status) === wanted;
}

function journalRows(entry) {
  const key = entryKey(entry);
  const row = cells(element("tr", { className: "entry" }), [entry.started_at, entry.method, entry.path, entry.status, entry.duration_ms]);
  const detail = element("tr", { className: "detail", hidden: !expanded.has(key) }, element("td", { colSpan: 5 }, entryDetail(entry)));
  row.onclick = () => {
    detail.hidden = !detail.hidden;
    if (detail.hidden) expanded.delete(key);
    else expanded.add(key);
  };
  return [row, detail];
}

function entryDetail(entry) {
  const part = (title, value) => [element("h4", { textContent: title }), element("pre", { textContent: pretty(value) })];
  const size = (name) => `${entry[`${name}_size`]} bytes${entry[`${name}_truncated`] ? ", the first 64 KiB kept" : ""}`;
  return element(
    "div",
    { className: "entry-detail" },
    ...part("query", entry.query),
    ...part("headers", entry.headers),
    ...part(`body (${size("body")})`, entry.body),
    ...part(`response (${size("response")})`, entry.response),
    element("p", { textContent: `developer ${entry.developer_id}` }),
  );
}

function drawJournal() {
  const shown = journal.entries.filter((entry) => statusMatches(entry.status)).reverse();
  $("journal-rows").replaceChildren(...shown.flatMap(journalRows));
  countJournal();
}

function addToJournal(entries) {
  journal.entries.push(...entries);
  const rows = entries.filter((entry) => statusMatches(entry.status)).reverse().flatMap(journalRows);
  $("journal-rows").prepend(...rows);
  countJournal();
}

function countJournal() {
  const shown = $("journal-rows").querySelectorAll("tr.entry").length;
  const count = journal.entries.length;
  $("journal-state").textContent = `${count} ${count === 1 ? "entry" : "entries"}, ${shown} shown, newest first; live`;
}

// The live loop: one for the page's life, started again when the filters change

const live = {
  controller: null,
  stop() {
    this.controller?.abort();
    this.controller = null;
  },
  async start() {
    this.stop();
    const controller = (this.controller = new AbortController());
    while (!controller.signal.aborted) {
      try {
        await follow(controller.signal);
      } catch (error) {
        if (controller.signal.aborted || error instanceof KeyRefused) return;
        $("journal-state").textContent = `not live: ${error.message}; trying again in ${LIVE_RETRY_MS / 1000} s`;
        await sleep(LIVE_RETRY_MS);
      }
    }
  },
};

async function follow(signal) {
  await syncJournal(signal);
  while (!signal.aborted) {
    const started = Date.now();
    const page = await control("GET", journalQuery(journal.cursor, JOURNAL_PAGE, LIVE_WAIT_MS), undefined, signal);
    if (page.items.length) {
      journal.cursor = page.next_cursor;
      addToJournal(page.items);
    }
    if ((await oldestEntry(signal)) !== journal.oldest) {
      await sleep(journal.nextSync - Date.now());
      await syncJournal(signal);
    }
    usersRead.due ||= page.items.some((entry) => entry.method !== "GET");
    await Promise.all([readFaults(), readClock(), usersRead.due && Date.now() >= usersRead.next ? readUsers() : null]);
    await sleep(started + LIVE_CYCLE_MS - Date.now());
  }
}

async function readEverything() {
  await Promise.all([readClock(), readFaults(), readUsers()]);
}

// Wiring

function onSubmit(id, action) {
  $(id).addEventListener("submit", (event) => {
    event.preventDefault();
    act(action);
  });
}

function onClick(id, action) {
  $(id).addEventListener("click", () => act(action));
}

function open() {
  $("key-form").hidden = true;
  $("main").hidden = $("reset").hidden = $("forget-key").hidden = false;
  act(readEverything);
  live.start();
}

onSubmit("key-form", async () => {
  sessionStorage.setItem(KEY_STORAGE, $("key-input").value);
  $("key-input").value = "";
  open();
});
onClick("forget-key", async () => askForKey("The key is forgotten. Give it again to go on."));
onClick("reset", async () => {
  await control("POST", "reset");
  await readEverything();
  live.start();
});
onSubmit("freeze-form", async () => {
  await control("POST", "clock", { now: $("freeze-now").value });
  await readClock();
});
onSubmit("advance-form", async () => {
  await control("POST", "clock", { advance_seconds: Number($("advance-seconds").value) });
  await readClock();
});
onClick("unfreeze", async () => {
  await control("DELETE", "clock");
  await readClock();
});
onSubmit("fault-form", async () => {
  await control("POST", "faults", faultDefinition());
  await readFaults();
});
onClick("clear-faults", async () => {
  await control("DELETE", "faults");
  await readFaults();
});
onClick("refresh-users", readUsers);
onClick("clear-journal", async () => {
  await control("DELETE", "requests");
  live.start();
});
$("filter-method").addEventListener("change", () => live.start());
$("filter-path").addEventListener("change", () => live.start());
$("filter-status").addEventListener("input", drawJournal);

// A #key=… given later, in this tab's address bar, is taken too.
window.addEventListener("hashchange", () => {
  if (keyFromFragment()) open();
});
keyFromFragment();
if (sessionStorage.getItem(KEY_STORAGE) === null) askForKey("The controls need the API key. It is kept for this tab only.");
else open();
