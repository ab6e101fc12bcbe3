"""``directory.html`` for the outage kit: one self-contained file (inline data, CSS and a few lines of
plain JavaScript) that opens from a USB stick in any browser, with no network and no other file."""

from __future__ import annotations

import json
from html import escape

from partnerdesk.domain.directory import PHONE_LABELS, is_stale
from partnerdesk.reports.contact_sheet import SheetData, grouped, role_group

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: "DejaVu Sans", Verdana, Arial, sans-serif; margin: 0; background: #000; color: #fff; }}
header {{ position: sticky; top: 0; background: #000; padding: 12px 16px; border-bottom: 3px solid #ffd400; }}
h1 {{ font-size: 22px; margin: 0 0 4px; }}
.meta {{ color: #ddd; font-size: 14px; }}
input {{ font-family: inherit; font-size: 24px; width: 100%; box-sizing: border-box; padding: 8px; margin-top: 8px;
        border: 3px solid #ffd400; background: #111; color: #fff; }}
main {{ padding: 8px 16px 40px; }}
.agency {{ font-size: 20px; font-weight: bold; background: #ffd400; color: #000; padding: 4px 8px; margin-top: 18px; }}
.person {{ border-bottom: 1px solid #555; padding: 8px 4px; }}
.name {{ font-size: 20px; font-weight: bold; }}
.sub {{ color: #ccc; font-size: 14px; }}
.nums {{ margin-top: 4px; }}
.num {{ display: inline-block; margin: 2px 18px 2px 0; font-size: 22px; font-weight: bold; }}
.num small {{ font-size: 13px; font-weight: normal; color: #ccc; margin-right: 6px; }}
.num.after_hours {{ color: #ffd400; }}
.esc {{ display: inline-block; min-width: 28px; font-size: 20px; font-weight: bold; color: #ffd400; }}
.check {{ color: #ff6b6b; font-weight: bold; }}
.oncall {{ font-size: 14px; color: #fff; margin-top: 2px; }}
a {{ color: inherit; text-decoration: none; }}
#none {{ font-size: 18px; display: none; padding: 16px 0; }}
@media print {{ body {{ background: #fff; color: #000; }} header {{ position: static; background: #fff; }}
  input {{ display: none; }} .sub, .num small, .oncall {{ color: #000; }} .num.after_hours, .esc {{ color: #000; }} }}
</style>
</head>
<body>
<header>
<h1>{title}</h1>
<div class="meta">generated {generated} · {count} people · {personal} · works offline: no network needed</div>
<input id="q" type="search" autofocus placeholder="Search name, agency, skills (mlt pbx, cisco) or number (5550120)"
 aria-label="Search the directory">
</header>
<main id="list"></main>
<div id="none">Nobody matches. Try fewer letters, or digits of the number.</div>
<script id="data" type="application/json">{data}</script>
<script>
"use strict";
var people = JSON.parse(document.getElementById("data").textContent);
var LABELS = {labels};
function fold(s) {{ return (s || "").normalize("NFKD").replace(/[\\u0300-\\u036f]/g, "").toLowerCase(); }}
function el(tag, cls, text) {{ var e = document.createElement(tag); if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text; return e; }}
people.forEach(function (p) {{
  p.hay = fold([p.name, p.agency, p.code, p.title, p.group, p.skills.join(" "), p.notes].join(" "));
  p.digits = p.phones.map(function (x) {{ var d = x.number.replace(/\\D/g, ""); return d + " " + d.slice(-7); }}).join(" ");
}});
function matches(p, words) {{
  return words.every(function (w) {{
    var d = w.replace(/[\\s().\\-+\\/]/g, "");
    if (/^\\d+$/.test(d)) return p.digits.indexOf(d) >= 0;
    return (" " + p.hay.replace(/[^\\w]+/g, " ")).indexOf(" " + w) >= 0;
  }});
}}
function alternatives(text) {{  // "mlt cisco, pbx or firewall": who at MLT has any of them (as the app reads it)
  var t = fold(text).trim();
  if (t === "or") return [["or"]];
  var parts = (" " + t + " ").split(/\\s*,\\s*|\\s+or\\s+/).map(function (s) {{ return s.split(/\\s+/).filter(Boolean); }})
    .filter(function (p) {{ return p.length && !(p.length === 1 && p[0] === "or"); }});
  if (parts.length <= 1) return parts;
  var common = parts[0].slice(0, -1);
  return [parts[0].slice(-1)].concat(parts.slice(1)).map(function (p) {{ return common.concat(p); }});
}}
function render() {{
  var queries = alternatives(document.getElementById("q").value);
  var list = document.getElementById("list"); list.textContent = "";
  var last = null, shown = 0;
  people.forEach(function (p) {{
    if (queries.length && !queries.some(function (words) {{ return matches(p, words); }})) return;
    if (p.agency !== last) {{ list.appendChild(el("div", "agency", p.agency + " (" + p.code + ")")); last = p.agency; }}
    var d = el("div", "person");
    d.appendChild(el("span", "esc", p.esc ? String(p.esc) : "–"));
    d.appendChild(el("span", "name", p.name));
    d.appendChild(el("div", "sub", [p.group, p.title, p.skills.join(", ")].filter(Boolean).join(" · ")));
    var nums = el("div", "nums");
    p.phones.forEach(function (x) {{
      var a = el("a", "num " + x.kind); a.href = "tel:" + x.tel;
      a.appendChild(el("small", "", LABELS[x.kind])); a.appendChild(document.createTextNode(x.number));
      nums.appendChild(a);
    }});
    d.appendChild(nums);
    if (p.oncall) d.appendChild(el("div", "oncall", "On call: " + p.oncall));
    if (p.stale) d.appendChild(el("div", "check", "CHECK: " + p.stale));
    list.appendChild(d); shown++;
  }});
  document.getElementById("none").style.display = shown ? "none" : "block";
}}
document.getElementById("q").addEventListener("input", render);
render();
</script>
</body>
</html>
"""


def html_records(data: SheetData) -> list[dict]:
    out = []
    for agency, agency_name, groups in grouped(data):
        code = agency.code if agency else ""
        for gname, people in groups:
            for c in people:
                out.append({
                    "name": c.name, "agency": agency_name, "code": code, "title": c.title or "",
                    "group": gname, "skills": list(c.skills), "esc": c.escalation_order,
                    "phones": [{"kind": p.kind, "number": p.shown, "tel": p.tel}
                               for p in c.phones(data.include_personal)],
                    "oncall": " ".join((c.on_call_notes or "").split("\n")) if data.include_on_call else "",
                    "notes": c.notes or "",
                    "stale": ("" if not is_stale(c.last_verified, data.today) else
                              f"last verified {c.last_verified.isoformat()}" if c.last_verified else "never verified"),
                })
    return out


def render_html(data: SheetData) -> str:
    records = html_records(data)
    payload = json.dumps(records, ensure_ascii=False, separators=(",", ":"))
    # keep the JSON inert inside <script>: no "</script>" or "<!--" can close or confuse the element
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    title = f"Emergency IT directory — {data.home.name}" if data.home else "Emergency IT directory"
    return _PAGE.format(
        title=escape(title), generated=escape(data.generated.strftime("%Y-%m-%d %H:%M")), count=len(records),
        personal="personal numbers included" if data.include_personal else "personal numbers not included",
        data=payload, labels=json.dumps(PHONE_LABELS))


__all__ = ["render_html", "html_records", "role_group"]
