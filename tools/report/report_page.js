// roar-seccomp report page: draws the process tree, files table and lineage graph from the data.
"use strict";
(() => {
  // What keeps the page quick with 5,000 processes and 100,000 files: the table shows one page of
  // rows, the tree lists children only when a process is opened and then in steps, and the graph
  // draws a bounded number of nodes. The page says so next to each.
  const PAGE_SIZE = 100;
  const CHILDREN_STEP = 100;
  const OPEN_DEPTH = 1;
  const GRAPH_PROCESSES = 20;
  const GRAPH_FILES = 40;
  const SVG = "http://www.w3.org/2000/svg"; // a namespace name, never fetched

  const data = JSON.parse(document.getElementById("report-data").textContent);
  const actors = data.actors.map((a, i) => ({
    index: i, id: a[0], parent: a[1], command: a[2], thread: a[3] === 1,
    children: [], reads: [], writes: [],
  }));
  const files = data.files.map((f, i) => ({
    index: i, path: f[0], read: (f[1] & 1) !== 0, written: (f[1] & 2) !== 0,
    readers: f[2], writers: f[3],
  }));
  for (const a of actors) {
    if (a.parent >= 0) actors[a.parent].children.push(a.index);
  }
  for (const f of files) {
    for (const r of f.readers) actors[r].reads.push(f.index);
    for (const w of f.writers) actors[w].writes.push(f.index);
  }

  const fmt = (n) => n.toLocaleString("en-US");
  const plural = (n, one, many) => `${fmt(n)} ${n === 1 ? one : many}`;

  // Elements are built from text nodes only: no report data is ever parsed as markup.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    setAttributes(e, attrs);
    e.append(...children);
    return e;
  }
  function svg(tag, attrs, ...children) {
    const e = document.createElementNS(SVG, tag);
    setAttributes(e, attrs);
    e.append(...children);
    return e;
  }
  function setAttributes(e, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
  }

  // Texts are escaped already (\\ and \xNN): cut them only between characters and escapes.
  const TOKEN = /\\x[0-9a-f]{2}|\\\\|[\s\S]/gu;
  function head(text, max) {
    const t = text.match(TOKEN) || [];
    return t.length <= max ? text : t.slice(0, max - 1).join("") + "\u2026";
  }
  function tail(text, max) {
    const t = text.match(TOKEN) || [];
    return t.length <= max ? text : "\u2026" + t.slice(t.length - max + 1).join("");
  }

  // ---- state, kept in the address's #fragment so that a view can be linked and reloaded ----
  const ACCESS = {
    all: "all files", read: "read", written: "written", "read-only": "read, not written",
    "written-only": "written, not read", both: "read and written", neither: "opened only",
  };
  const SORT_KEYS = {
    path: () => 0, // the report's own order: bytewise by path
    access: (f) => (f.read ? 1 : 0) + (f.written ? 2 : 0),
    readers: (f) => f.readers.length,
    writers: (f) => f.writers.length,
  };
  const state = { prefix: "", access: "all", sort: "path", desc: false, page: 1, process: null };

  function readFragment() {
    const p = new URLSearchParams(location.hash.slice(1));
    const pick = (value, table, fallback) => (Object.hasOwn(table, value) ? value : fallback);
    state.prefix = p.get("prefix") || "";
    state.access = pick(p.get("access"), ACCESS, "all");
    state.sort = pick(p.get("sort"), SORT_KEYS, "path");
    state.desc = p.get("desc") === "1";
    state.page = Math.max(1, Number.parseInt(p.get("page"), 10) || 1);
    const pid = Number.parseInt(p.get("process"), 10);
    const actor = actors.find((a) => a.id === pid && !a.thread) || actors.find((a) => a.id === pid);
    state.process = actor ? actor.index : null;
  }
  function writeFragment() {
    const p = new URLSearchParams();
    if (state.prefix) p.set("prefix", state.prefix);
    if (state.access !== "all") p.set("access", state.access);
    if (state.sort !== "path") p.set("sort", state.sort);
    if (state.desc) p.set("desc", "1");
    if (state.page > 1) p.set("page", String(state.page));
    if (state.process !== null) p.set("process", String(actors[state.process].id));
    const text = p.toString();
    history.replaceState(null, "", text ? `#${text}` : location.pathname + location.search);
  }

  function accessMatches(f) {
    switch (state.access) {
      case "read": return f.read;
      case "written": return f.written;
      case "read-only": return f.read && !f.written;
      case "written-only": return f.written && !f.read;
      case "both": return f.read && f.written;
      case "neither": return !f.read && !f.written;
      default: return true;
    }
  }
  const fileMatches = (f) => (!state.prefix || f.path.startsWith(state.prefix)) && accessMatches(f);

  function subtree(index) {
    const out = new Set();
    const stack = [index];
    while (stack.length > 0) {
      const i = stack.pop();
      if (out.has(i)) continue;
      out.add(i);
      for (const c of actors[i].children) stack.push(c);
    }
    return out;
  }
  const focusSet = () => (state.process === null ? null : subtree(state.process));

  function update() {
    writeFragment();
    renderFiles();
    renderGraph();
    for (const li of document.querySelectorAll("li.proc")) {
      li.classList.toggle("focused", Number(li.dataset.index) === state.process);
    }
  }
  function focusOn(index) {
    state.process = index;
    state.page = 1;
    update();
  }

  // ---- process tree ----
  function actorName(a) {
    return a.thread ? `thread ${a.id}` : String(a.id);
  }
  function processLine(a) {
    return el("span", { class: "proc-line" },
      el("span", { class: "pid" }, actorName(a)), " ",
      el("span", { class: "cmd" }, a.thread ? "(not a process's pid)" : a.command || "-"), " ",
      el("span", { class: "io" }, `${fmt(a.reads.length)} read, ${fmt(a.writes.length)} written`),
      el("button", {
        class: "focus", type: "button",
        title: "Show only this process and its descendants in the files table and the graph",
        onclick: (ev) => { ev.preventDefault(); focusOn(a.index); },
      }, "focus"));
  }
  function treeItem(a, depth) {
    const li = el("li", { class: "proc", "data-pid": String(a.id), "data-index": String(a.index) });
    if (a.children.length === 0) {
      li.append(el("div", { class: "leaf" }, processLine(a)));
      return li;
    }
    const details = el("details", {},
      el("summary", {}, processLine(a), el("span", { class: "count" },
        ` ${plural(a.children.length, "child", "children")}`)));
    li.append(details);
    let filled = false;
    const fill = () => {
      if (!filled) {
        filled = true;
        details.append(childList(a.children, depth + 1));
      }
    };
    if (depth < OPEN_DEPTH) {
      details.open = true;
      fill();
    }
    details.addEventListener("toggle", () => { if (details.open) fill(); });
    return li;
  }
  function childList(indices, depth) {
    const ul = el("ul", { class: "tree" });
    const more = el("button", { type: "button", class: "more" });
    const moreItem = el("li", { class: "more" }, more);
    ul.append(moreItem);
    let shown = 0;
    const step = () => {
      const end = Math.min(indices.length, shown + CHILDREN_STEP);
      const items = document.createDocumentFragment();
      for (; shown < end; shown++) items.append(treeItem(actors[indices[shown]], depth));
      ul.insertBefore(items, moreItem);
      const left = indices.length - shown;
      if (left === 0) moreItem.remove();
      else more.textContent = `show ${fmt(Math.min(CHILDREN_STEP, left))} more (${fmt(left)} not shown)`;
    };
    more.addEventListener("click", step);
    step();
    return ul;
  }
  function renderTree() {
    const box = document.getElementById("tree");
    const roots = actors.filter((a) => a.parent < 0 && !a.thread).map((a) => a.index);
    const threads = actors.filter((a) => a.thread).map((a) => a.index);
    box.append(
      el("p", { class: "note" },
        `${plural(actors.length - threads.length, "process", "processes")}. Below the root's ` +
        `children the tree is collapsed: open a process to list its children, ` +
        `${CHILDREN_STEP} at a time. "focus" narrows the files table and the graph to a ` +
        "process and its descendants."),
      childList(roots, 0));
    if (threads.length > 0) {
      box.append(el("h3", {}, `Threads (${fmt(threads.length)})`),
        el("p", { class: "note" }, "These threads read or wrote files, but their ids are no " +
          "process's pid: the report does not say which process they belonged to."),
        childList(threads, 0));
    }
  }

  // ---- files table ----
  let filesBody;
  let pageInfo;
  let focusChip;
  let sortButtons;
  function renderFilesFrame() {
    const box = document.getElementById("file-view");
    const prefix = el("input", { type: "search", id: "prefix", placeholder: "/path/prefix",
      "aria-label": "Path starts with" });
    prefix.value = state.prefix;
    let timer = 0;
    prefix.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => { state.prefix = prefix.value; state.page = 1; update(); }, 150);
    });
    const access = el("select", { id: "access", "aria-label": "Show" },
      ...Object.entries(ACCESS).map(([k, v]) => el("option", { value: k }, v)));
    access.value = state.access;
    access.addEventListener("change", () => { state.access = access.value; state.page = 1; update(); });
    focusChip = el("span", { id: "focus-chip" });
    const sortButton = (key, label) => el("button", { type: "button", "data-sort": key,
      onclick: () => {
        state.desc = state.sort === key ? !state.desc : false;
        state.sort = key;
        state.page = 1;
        update();
      } }, label);
    sortButtons = [sortButton("path", "Path"), sortButton("access", "R W"),
      sortButton("readers", "Read by"), sortButton("writers", "Written by")];
    filesBody = el("tbody", { id: "file-rows" });
    pageInfo = el("span", { id: "page-info" });
    const turn = (delta) => () => { state.page += delta; update(); };
    box.append(
      el("div", { class: "controls" },
        el("label", {}, "Path starts with ", prefix),
        el("label", {}, "Show ", access),
        focusChip),
      el("p", { class: "note" }, `${PAGE_SIZE} rows per page; the filters and the sort apply ` +
        `to all ${plural(files.length, "file", "files")}. Click a column title to sort. In ` +
        "paths, a backslash is shown as \\\\ and every byte that is not printable UTF-8 as \\xNN."),
      el("table", { id: "file-table" },
        el("thead", {}, el("tr", {},
          el("th", {}, sortButtons[0]), el("th", { colspan: "2" }, sortButtons[1]),
          el("th", {}, sortButtons[2]), el("th", {}, sortButtons[3]))),
        filesBody),
      el("div", { class: "pager" },
        el("button", { type: "button", id: "previous-page", onclick: turn(-1) }, "\u2039 previous"),
        pageInfo,
        el("button", { type: "button", id: "next-page", onclick: turn(1) }, "next \u203a")));
  }
  function who(list) {
    const names = list.slice(0, 4).map((i) => actorName(actors[i]));
    return names.join(", ") + (list.length > 4 ? ` +${fmt(list.length - 4)}` : "");
  }
  function renderFiles() {
    const focus = focusSet();
    const touches = (list) => list.some((a) => focus.has(a));
    const rows = files.filter((f) => fileMatches(f) && (!focus || touches(f.readers) || touches(f.writers)));
    const key = SORT_KEYS[state.sort];
    rows.sort((a, b) => key(a) - key(b) || a.index - b.index);
    if (state.desc) rows.reverse();
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    state.page = Math.min(state.page, pages);
    const first = (state.page - 1) * PAGE_SIZE;
    const body = document.createDocumentFragment();
    for (const f of rows.slice(first, first + PAGE_SIZE)) {
      body.append(el("tr", { class: "file" },
        el("td", { class: "path" }, f.path),
        el("td", { class: "r" }, f.read ? "R" : ""),
        el("td", { class: "w" }, f.written ? "W" : ""),
        el("td", { class: "who readers" }, who(f.readers)),
        el("td", { class: "who writers" }, who(f.writers))));
    }
    filesBody.replaceChildren(body);
    pageInfo.textContent = rows.length === 0 ? "no file matches" :
      `rows ${fmt(first + 1)}\u2013${fmt(Math.min(first + PAGE_SIZE, rows.length))} of ` +
      `${fmt(rows.length)} matching, page ${fmt(state.page)} of ${fmt(pages)}`;
    document.getElementById("previous-page").disabled = state.page <= 1;
    document.getElementById("next-page").disabled = state.page >= pages;
    for (const b of sortButtons) {
      const on = b.dataset.sort === state.sort;
      b.dataset.label = b.dataset.label || b.textContent;
      b.textContent = b.dataset.label + (on ? (state.desc ? " \u25bc" : " \u25b2") : "");
      b.setAttribute("aria-sort", on ? (state.desc ? "descending" : "ascending") : "none");
    }
    focusChip.replaceChildren();
    if (state.process !== null) {
      focusChip.className = "chip";
      focusChip.append(`process ${actorName(actors[state.process])} and its descendants `,
        el("button", { type: "button", title: "Show all processes",
          onclick: () => focusOn(null) }, "\u2715"));
    } else {
      focusChip.className = "";
    }
  }

  // ---- lineage graph: files read -> process -> files written ----
  function renderGraph() {
    const box = document.getElementById("graph");
    const focus = focusSet();
    const candidates = [];
    for (const a of actors) {
      if (focus && !focus.has(a.index)) continue;
      const reads = a.reads.filter((i) => fileMatches(files[i]));
      const writes = a.writes.filter((i) => fileMatches(files[i]));
      if (reads.length + writes.length > 0) candidates.push({ a, reads, writes });
    }
    const shown = candidates.slice(0, GRAPH_PROCESSES);
    const column = (key) => {
      const all = new Map();
      for (const c of shown) for (const i of c[key]) if (!all.has(i)) all.set(i, all.size);
      const kept = new Map([...all].filter(([, row]) => row < GRAPH_FILES));
      return { kept, hidden: all.size - kept.size };
    };
    const left = column("reads");
    const right = column("writes");
    box.replaceChildren(el("p", { class: "note" },
      `Files read \u2192 process \u2192 files written. At most ${GRAPH_PROCESSES} processes ` +
      `(in pid order) and ${GRAPH_FILES} files on each side are drawn; the filters above and ` +
      '"focus" choose which. A file both read and written is on both sides. Click a process ' +
      "to focus on it. ",
      el("span", { class: "legend" }, el("span", { class: "read" }, "\u2014 read"),
        el("span", { class: "written" }, "\u2014 written"))));
    if (shown.length === 0) {
      box.append(el("p", { id: "graph-empty", class: "note" },
        "No process read or wrote a file that the filters keep."));
      return;
    }
    const ROW = 26;
    const TOP = 30;
    const FILE_W = 380;
    const PROC_X = 450;
    const PROC_W = 280;
    const RIGHT_X = 800;
    const WIDTH = RIGHT_X + FILE_W;
    const hiddenProcesses = candidates.length - shown.length;
    const counts = [left.kept.size + (left.hidden ? 1 : 0), shown.length + (hiddenProcesses ? 1 : 0),
      right.kept.size + (right.hidden ? 1 : 0)];
    const rows = Math.max(...counts);
    const y = (row, count) => TOP + ((rows - count) * ROW) / 2 + row * ROW;
    const root = svg("svg", { viewBox: `-4 0 ${WIDTH + 8} ${TOP + rows * ROW + 8}`, role: "img",
      "aria-label": "Lineage graph" });
    root.append(
      svg("text", { x: "0", y: "16", class: "column-title" }, "files read"),
      svg("text", { x: String(PROC_X), y: "16", class: "column-title" }, "processes"),
      svg("text", { x: String(RIGHT_X), y: "16", class: "column-title" }, "files written"));
    const edges = svg("g", { class: "edges" });
    const nodes = svg("g", { class: "nodes" });
    root.append(edges, nodes);
    const box2 = (cls, x, yy, w, label, title, extra) => {
      const g = svg("g", { class: `node ${cls}`, ...extra },
        svg("title", {}, title),
        svg("rect", { x: String(x), y: String(yy), width: String(w), height: String(ROW - 6) }),
        svg("text", { x: String(x + 8), y: String(yy + ROW / 2 + 1) }, label));
      nodes.append(g);
    };
    const fileNode = (side, x, map, count) => {
      for (const [i, row] of map) {
        box2(`file ${side}`, x, y(row, count), FILE_W, tail(files[i].path, 50), files[i].path,
          { "data-path": files[i].path });
      }
    };
    fileNode("read-side", 0, left.kept, counts[0]);
    fileNode("written-side", RIGHT_X, right.kept, counts[2]);
    if (left.hidden) {
      box2("more", 0, y(left.kept.size, counts[0]), FILE_W, `+${fmt(left.hidden)} more files read`, "not drawn");
    }
    if (right.hidden) {
      box2("more", RIGHT_X, y(right.kept.size, counts[2]), FILE_W,
        `+${fmt(right.hidden)} more files written`, "not drawn");
    }
    const curve = (x1, y1, x2, y2, cls) => {
      const mid = (x1 + x2) / 2;
      edges.append(svg("path", { class: `edge ${cls}`,
        d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}` }));
    };
    const half = (ROW - 6) / 2;
    shown.forEach((c, row) => {
      const py = y(row, counts[1]);
      const label = `${actorName(c.a)} ${c.a.thread ? "" : c.a.command}`;
      box2("process", PROC_X, py, PROC_W, head(label, 36), label,
        { "data-pid": String(c.a.id), onclick: () => focusOn(c.a.index) });
      for (const i of c.reads) {
        if (left.kept.has(i)) curve(FILE_W, y(left.kept.get(i), counts[0]) + half, PROC_X, py + half, "read");
      }
      for (const i of c.writes) {
        if (right.kept.has(i)) curve(PROC_X + PROC_W, py + half, RIGHT_X, y(right.kept.get(i), counts[2]) + half, "written");
      }
    });
    if (hiddenProcesses) {
      box2("more", PROC_X, y(shown.length, counts[1]), PROC_W,
        `+${fmt(hiddenProcesses)} more processes`, "not drawn");
    }
    box.append(root);
  }

  readFragment();
  renderTree();
  renderFilesFrame();
  update();
})();
