// Runs directory.html's script with a minimal DOM, types a query into the search box and prints what the page
// shows: one JSON line per person ({name, code, tels}) and whether "Nobody matches" is shown. Node, no browser.
"use strict";
const fs = require("fs");
const [, , file, query] = process.argv;
const html = fs.readFileSync(file, "utf8");
const data = html.match(/<script id="data" type="application\/json">([\s\S]*?)<\/script>/)[1];
const code = html.match(/<script>\s*([\s\S]*?)<\/script>/)[1];
function node(tag) {
  return { tag, className: "", textContent: "", children: [], style: {}, href: "",
    appendChild(c) { this.children.push(c); return c; }, set text(v) { this.textContent = v; } };
}
const els = { q: { value: "", listeners: [], addEventListener(t, f) { this.listeners.push(f); } },
  list: node("main"), none: node("div"), data: { textContent: data } };
Object.defineProperty(els.list, "textContent", { set() { this.children = []; }, get() { return ""; } });
const document = { getElementById: (id) => els[id], createElement: (t) => node(t),
  createTextNode: (t) => ({ tag: "#text", textContent: t, children: [] }) };
new Function("document", code)(document);
els.q.value = query;
els.q.listeners.forEach((f) => f());
for (const d of els.list.children) {
  if (d.className !== "person") continue;
  const name = d.children.find((c) => c.className === "name").textContent;
  const nums = d.children.find((c) => c.className === "nums");
  console.log(JSON.stringify({ name, tels: nums.children.map((a) => a.href) }));
}
console.log(JSON.stringify({ none: els.none.style.display }));
