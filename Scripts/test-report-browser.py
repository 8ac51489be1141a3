#!/usr/bin/env python3
"""The report pages in a real browser (Scripts/test-report-browser runs this with Chromium found or installed).

Makes pages with `rigmap gather --report` and `rigmap report` from the committed examples, a session whose names
carry HTML and script injections, and a batch of the examples with one broken session; opens each in headless
Chromium (`--dump-dom`, the DOM after the page's script ran, and `--screenshot`) and checks, with html.parser:

- no console message (Chromium's log: `:CONSOLE` lines, `Uncaught`) and the page's script ran (`data-enhanced`);
- one timeline bar per data stream with data-start/data-end equal to acquisition.json's strings, drawn where the
  axis says those times are; one bar per stimulus epoch likewise;
- the clock generator marked (data-clock-generator) with the files gather_report.json names as its sources;
- every warning and error of gather_report.json listed;
- injected names shown as text: no element or attribute they name exists, the only scripts are the page's own;
- the batch page: failed session first with its diagnostic, one row per catalog session, every link's target exists;
- the checker itself catches a broken script and a misplaced bar (pages altered on purpose).

Then times a 10,000-session batch page (generation and headless rendering) and prints the numbers.
Usage: test-report-browser.py RIGMAP CHROMIUM SHOTS_DIR [SESSIONS_FOR_THE_BIG_BATCH]
"""

import base64
import datetime
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from urllib.parse import unquote, urlparse

RIGMAP, CHROMIUM, SHOTS = sys.argv[1], sys.argv[2], sys.argv[3]
BIG = int(sys.argv[4]) if len(sys.argv) > 4 else 10000
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
failures = []
quiet = []


def fail(message):
    failures.append(message)
    if not quiet:
        print("FAIL: " + message)


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children, self.text = tag, dict(attrs), parent, [], []

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def all_text(self):
        return "".join(t for n in self.walk() for t in n.text)


class Tree(HTMLParser):
    """The DOM Chromium dumped, as a tree (the serialisation is well formed: every element closes)."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", [], None)
        self.current = self.root
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.text.append(data)

    def find(self, predicate):
        return [n for n in self.root.walk() if predicate(n)]


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def chromium(page, screenshot=None, settle=False):
    """(DOM after scripts, console lines, seconds) for a page; a screenshot when asked. With `settle`, the page's
    timers and animation frames run before the DOM is dumped (virtual time)."""
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions"]
    start = time.monotonic()
    extra = ["--virtual-time-budget=10000"] if settle else []
    result = run(base + extra + ["--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + page], timeout=300)
    seconds = time.monotonic() - start
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    if screenshot:
        run(base + ["--screenshot=" + screenshot, "--window-size=1280,2000", "file://" + page], timeout=300)
    return result.stdout, console, seconds


def micros(text):
    """Microseconds since the epoch of an ISO 8601 time (a naive one is read in `offset` seconds east of UTC)."""
    t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    delta = t - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) if t.tzinfo else None
    return None if delta is None else delta // datetime.timedelta(microseconds=1)


def check_bars(tree, acquisition, label):
    """One bar per data stream and per epoch, with the document's strings, drawn where the axis puts them."""
    svg = tree.find(lambda n: n.tag == "svg" and "data-domain-start-us" in n.attrs)
    if not svg:
        fail(f"{label}: no timeline")
        return
    svg = svg[0]
    d0, d1 = int(svg.attrs["data-domain-start-us"]), int(svg.attrs["data-domain-end-us"])
    left, width = float(svg.attrs["data-plot-left"]), float(svg.attrs["data-plot-width"])

    def expect_place(node, start, end, what):
        s, e = micros(start), micros(end)
        rect = [c for c in node.children if c.tag == "rect"]
        if s is None or e is None or not rect:
            return
        x = left + width * (min(s, e) - d0) / (d1 - d0)
        w = max(2.0, width * abs(e - s) / (d1 - d0))
        rx, rw = float(rect[0].attrs["x"]), float(rect[0].attrs["width"])
        if abs(rx - x) > 0.6 or abs(rw - w) > 0.6:
            fail(f"{label}: {what} drawn at x={rx} width={rw}, its times put it at x={x:.1f} width={w:.1f}")

    streams = acquisition.get("data_streams") or []
    bars = tree.find(lambda n: "data-start" in n.attrs)
    if len(bars) != len(streams):
        fail(f"{label}: {len(bars)} stream bars for {len(streams)} data streams")
    for i, stream in enumerate(streams):
        matching = [b for b in bars if b.attrs.get("data-stream") == str(i)]
        if len(matching) != 1:
            fail(f"{label}: data stream {i} has {len(matching)} bars")
            continue
        bar = matching[0]
        for attr, key in (("data-start", "stream_start_time"), ("data-end", "stream_end_time")):
            if bar.attrs.get(attr) != stream.get(key):
                fail(f"{label}: data stream {i} {attr}={bar.attrs.get(attr)!r}, acquisition.json has {stream.get(key)!r}")
        expect_place(bar, stream["stream_start_time"], stream["stream_end_time"], f"data stream {i}")
    epochs = acquisition.get("stimulus_epochs") or []
    epoch_bars = tree.find(lambda n: "data-epoch-start" in n.attrs)
    if len(epoch_bars) != len(epochs):
        fail(f"{label}: {len(epoch_bars)} epoch bars for {len(epochs)} stimulus epochs")
    for i, epoch in enumerate(epochs):
        matching = [b for b in epoch_bars if b.attrs.get("data-epoch") == str(i)]
        if len(matching) != 1:
            fail(f"{label}: stimulus epoch {i} has {len(matching)} bars")
            continue
        bar = matching[0]
        if bar.attrs.get("data-epoch-start") != epoch.get("stimulus_start_time") or bar.attrs.get("data-epoch-end") != epoch.get("stimulus_end_time"):
            fail(f"{label}: stimulus epoch {i} bar has other times than acquisition.json")
        expect_place(bar, epoch["stimulus_start_time"], epoch["stimulus_end_time"], f"stimulus epoch {i}")
    return len(bars), len(epoch_bars)


def clock_sources(notes, name):
    """The files gather_report.json's notes name for a shared clock generator."""
    files = set()
    for note in notes:
        if not note.startswith(f"shared clock generator '{name}'"):
            continue
        m = re.search(r"the definition in (.+) is compatible with (.+)'s and adds nothing$", note)
        if m:
            files |= {m.group(1), m.group(2)}
        m = re.search(r" from (.+), everything else from (.+)$", note)
        if m:
            files |= {m.group(1), m.group(2)}
    return files


def scripts_are_ours(tree, html_text, label):
    """The only scripts are the page's data island and its own script, whose sha256 the CSP names."""
    scripts = tree.find(lambda n: n.tag == "script")
    csp = tree.find(lambda n: n.tag == "meta" and n.attrs.get("http-equiv", "").lower() == "content-security-policy")
    if not csp:
        fail(f"{label}: no Content-Security-Policy")
        return
    policy = csp[0].attrs["content"]
    if "'unsafe-inline'" in policy or "default-src 'none'" not in policy:
        fail(f"{label}: the policy is not strict: {policy}")
    executable = [s for s in scripts if s.attrs.get("type") != "application/json"]
    islands = [s for s in scripts if s.attrs.get("type") == "application/json"]
    if len(executable) != 1 or len(islands) > 1:
        fail(f"{label}: {len(executable)} executable scripts and {len(islands)} data islands (expected 1 and at most 1)")
    for s in executable:
        digest = "sha256-" + base64.b64encode(hashlib.sha256("".join(s.text).encode()).digest()).decode()
        if f"'{digest}'" not in policy:
            fail(f"{label}: a script the policy does not name ran or is present")
    for s in islands:
        try:
            json.loads("".join(s.text))
        except ValueError as e:
            fail(f"{label}: the data island is not JSON: {e}")


def no_injection(tree, label, hostile):
    for node in tree.root.walk():
        if node.tag in {"img", "iframe", "object", "embed", "frame", "base"}:
            fail(f"{label}: a <{node.tag}> element exists")
        for attr in node.attrs:
            if attr.startswith("on"):
                fail(f"{label}: an event handler attribute {attr} on <{node.tag}>")
    text = tree.root.all_text()
    attributes = "\n".join(v or "" for n in tree.root.walk() for v in n.attrs.values())
    for h in hostile:
        if h not in text and h not in attributes:
            fail(f"{label}: the name {h!r} is not shown as text")


def check_session(page, out, label, expect=None, hostile=(), screenshot=True):
    dom, console, seconds = chromium(page, os.path.join(SHOTS, label + ".png") if screenshot else None)
    for line in console:
        fail(f"{label}: console: {line[:300]}")
    tree = Tree(dom)
    html = tree.find(lambda n: n.tag == "html")
    if not html or html[0].attrs.get("data-enhanced") != "true":
        fail(f"{label}: the page's script did not run")
    scripts_are_ours(tree, dom, label)
    acquisition = json.load(open(os.path.join(out, "acquisition.json"))) if os.path.exists(os.path.join(out, "acquisition.json")) else {}
    instrument = json.load(open(os.path.join(out, "instrument.json"))) if os.path.exists(os.path.join(out, "instrument.json")) else {}
    report = json.load(open(os.path.join(out, "gather_report.json"))) if os.path.exists(os.path.join(out, "gather_report.json")) else {}
    counts = check_bars(tree, acquisition, label) if acquisition else (0, 0)
    clocks = [c["name"] for c in instrument.get("components", []) if c.get("is_clock_generator") is True]
    marked = tree.find(lambda n: "data-clock-generator" in n.attrs)
    if sorted(n.attrs["data-clock-generator"] for n in marked) != sorted(clocks):
        fail(f"{label}: clock generators marked {[n.attrs['data-clock-generator'] for n in marked]}, the instrument has {clocks}")
    for node in marked:
        name = node.attrs["data-clock-generator"]
        shown = {n.attrs["data-clock-source"] for n in node.walk() if "data-clock-source" in n.attrs}
        named = clock_sources(report.get("notes", []), name)
        if not named <= shown:
            fail(f"{label}: clock generator {name!r}: sources {sorted(shown)}, gather_report.json names {sorted(named)}")
        if expect and expect.get("clock") == name and sorted(shown) != sorted(expect["clock_sources"]):
            fail(f"{label}: clock generator {name!r} shows sources {sorted(shown)}, expected {expect['clock_sources']}")
    for severity in ("warnings", "errors"):
        rows = tree.find(lambda n: n.tag == "tr" and n.attrs.get("data-severity") == severity[:-1] and n.parent is not None)
        listed = ["".join(c.all_text() for c in r.children if "data-message" in c.attrs) for r in rows]
        for d in report.get(severity, []):
            if d["message"] not in listed:
                fail(f"{label}: {severity[:-1]} not listed: {d['message'][:200]}")
    if expect:
        for key, value in expect.items():
            if key == "streams" and counts[0] != value:
                fail(f"{label}: {counts[0]} stream bars, expected {value}")
            if key == "sources":
                got = sorted(n.attrs["data-source-file"] for n in tree.find(lambda n: "data-source-file" in n.attrs))
                if got != sorted(value):
                    fail(f"{label}: source bars {got}, expected {sorted(value)}")
            if key == "warnings_containing":
                text = tree.root.all_text()
                for needle in value:
                    if needle not in text:
                        fail(f"{label}: the warning about {needle} is not shown")
    no_injection(tree, label, hostile)
    size = os.path.getsize(page)
    if size >= 1 << 20:
        fail(f"{label}: the page is {size} bytes (1 MB is the limit)")
    shot = os.path.join(SHOTS, label + ".png")
    if screenshot and (not os.path.exists(shot) or os.path.getsize(shot) < 20_000):
        fail(f"{label}: the screenshot is missing or smaller than 20 KB")
    print(f"  {label}: {counts[0]} stream bars, {counts[1]} epoch bars, clock {clocks}, "
          f"{len(report.get('warnings', []))} warnings, {len(report.get('errors', []))} errors listed; page {size:,} bytes; "
          f"headless render {seconds:.2f} s")
    return tree


def gather(session, out, job, extra=()):
    result = run([RIGMAP, "gather", session, "--job", job, "--output", out, "--report", *extra])
    if not os.path.exists(os.path.join(out, "report.html")):
        fail(f"gather --report wrote no page for {session} (exit {result.returncode}): {result.stderr[-500:]}")
    return result


def rename_devices(value, names, key=None):
    """Renames devices wherever a document names one (name, device_name, source/target_device, active_devices)."""
    if isinstance(value, str):
        return names.get(value, value) if key in ("name", "device_name", "source_device", "target_device", "active_devices") else value
    if isinstance(value, list):
        return [rename_devices(v, names, key) for v in value]
    if isinstance(value, dict):
        return {k: rename_devices(v, names, k) for k, v in value.items()}
    return value


def main():
    os.makedirs(SHOTS, exist_ok=True)
    work = tempfile.mkdtemp(prefix="rigmap-report-browser-")
    vr_job = os.path.join(REPO, "Examples/vr-foraging-session/job.yaml")
    fip_job = os.path.join(REPO, "Examples/fip-session/job.yaml")

    print("session pages:")
    # The README's session: behavior + video + fiber on one timeline, the shared clock, the reference-name warnings.
    vr = os.path.join(work, "vr")
    gather(os.path.join(REPO, "Examples/vr-foraging-session"), vr, vr_job)
    check_session(os.path.join(vr, "report.html"), vr, "vr-foraging-session", expect={
        "streams": 1, "sources": ["acquisition_behavior.json", "acquisition_fiber.json"],
        "clock": "harp_clock_generator", "clock_sources": ["instrument_behavior.json", "instrument_fiber.json"],
        "warnings_containing": ["'560nm LED'", "'Fiber 0'", "'Fiber 1'"]})
    fip = os.path.join(work, "fip")
    gather(os.path.join(REPO, "Examples/fip-session"), fip, fip_job)
    check_session(os.path.join(fip, "report.html"), fip, "fip-session", expect={
        "streams": 1, "clock": "Harp ClockGenerator", "clock_sources": ["instrument_behavior.json", "instrument_fip.json"]})

    # A session whose names carry injections: the session folder, devices (with the clock generator), a given
    # document's file name, a stimulus epoch.
    hostile = {
        "session": "<img src=x onerror=alert(1)>",
        "Harp Behavior": "</script><script>alert(2)</script>",
        "Lick spout assembly": "\"><svg onload=alert(3)>",
        "Harp ClockGenerator": "' onmouseover='alert(4)' x='<!--",
        "file": "<img src=x onerror=alert(5)>.json",
        "stimulus": "<iframe srcdoc=\"<script>alert(6)</script>\"></iframe>\u2028&amp;",
    }
    session = os.path.join(work, "sessions", hostile["session"])
    shutil.copytree(os.path.join(REPO, "Examples/fip-session"), session)
    names = {k: v for k, v in hostile.items() if k not in ("session", "file", "stimulus")}
    for doc in ("acquisition_behavior.json", "instrument_behavior.json", "instrument_fip.json"):
        path = os.path.join(session, doc)
        value = rename_devices(json.load(open(path)), names)
        os.remove(path)
        if doc != "instrument_fip.json":
            path = os.path.join(session, doc.split("_")[0] + "_" + hostile["file"])
        if doc == "acquisition_behavior.json":
            stream = value["data_streams"][0]
            value["stimulus_epochs"] = [{
                "object_type": "Stimulus epoch", "stimulus_start_time": stream["stream_start_time"],
                "stimulus_end_time": stream["stream_end_time"], "stimulus_name": hostile["stimulus"], "code": None,
                "stimulus_modalities": ["Virtual reality"], "performance_metrics": None, "notes": hostile["stimulus"],
                "active_devices": [hostile["Harp Behavior"]], "configurations": [], "training_protocol_name": None,
                "curriculum_status": None}]
        with open(path, "w") as f:
            json.dump(value, f, indent=3, ensure_ascii=False)
    out = os.path.join(work, "hostile-out", hostile["session"])
    result = gather(session, out, fip_job)
    if result.returncode != 0:
        fail(f"the hostile session did not gather cleanly (exit {result.returncode}): {result.stderr[-800:]}")
    else:
        check_session(os.path.join(out, "report.html"), out, "hostile-names", hostile=list(hostile.values()),
                      expect={"streams": 1, "clock": hostile["Harp ClockGenerator"],
                              "clock_sources": ["instrument_" + hostile["file"], "instrument_fip.json"]})

    page = open(os.path.join(vr, "report.html")).read()
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    digest = lambda t: "sha256-" + base64.b64encode(hashlib.sha256(t.encode()).digest()).decode()

    # Focusing a bar (as Tab does) shows its exact times and active devices: the page's own script, run with a probe
    # appended that focuses the first stream's bar and copies the tooltip into an attribute.
    # Chromium sends an element its focus event only while the page itself has focus; a headless page on a loaded
    # machine sometimes has not got it yet (the CI run of 2026-12-04 saw an empty tooltip). The bar must still take
    # focus (activeElement); where the page has no focus, the probe delivers the focus event Chromium held back, so
    # what is checked is the page's own handler, never a tooltip the probe wrote.
    probe = script.replace("})();", """
      var bar = document.querySelector("svg.timeline [data-start]");
      bar.focus();
      var tip = document.getElementById("tip");
      if (tip.hidden && !document.hasFocus()) { bar.dispatchEvent(new FocusEvent("focus")); }
      document.documentElement.setAttribute("data-probe-tip", tip.hidden ? "" : tip.textContent);
      document.documentElement.setAttribute("data-probe-focused", String(document.activeElement === bar));
      document.documentElement.setAttribute("data-probe-page-focus", String(document.hasFocus()));
    })();""")
    probed = os.path.join(work, "probe.html")
    open(probed, "w").write(page.replace(script, probe).replace(digest(script), digest(probe)))
    dom, console, _ = chromium(probed)
    root_attrs = Tree(dom).find(lambda n: n.tag == "html")[0].attrs
    stream = json.load(open(os.path.join(vr, "acquisition.json")))["data_streams"][0]
    shown_tip = root_attrs.get("data-probe-tip", "")
    wanted = [stream["stream_start_time"], stream["stream_end_time"]] + stream["active_devices"]
    if console or root_attrs.get("data-probe-focused") != "true" or not all(w in shown_tip for w in wanted):
        fail(f"focusing the first bar did not show its times and devices: {shown_tip[:300]!r} {console[:1]} "
             f"(bar focused: {root_attrs.get('data-probe-focused')}, page focused: {root_attrs.get('data-probe-page-focus')})")
    else:
        page_focus = root_attrs.get("data-probe-page-focus")
        print(f"  focusing a bar shows: {shown_tip[:110]}… (page had focus: {page_focus})")

    # The checker catches a broken script and a misplaced bar.
    print("the checks catch what they should:")
    broken = script.replace('"use strict";', '"use strict"; undefinedFunction();', 1)
    altered = os.path.join(work, "broken-script.html")
    open(altered, "w").write(page.replace(script, broken).replace(digest(script), digest(broken)))
    _, console, _ = chromium(altered)
    if not any("undefinedFunction" in line for line in console):
        fail("a page whose script throws logged nothing the check reads")
    else:
        print("  a throwing script is caught: " + console[0][:160])
    misplaced = os.path.join(work, "misplaced", "report.html")
    os.makedirs(os.path.dirname(misplaced))
    for name in ("acquisition.json", "instrument.json", "gather_report.json"):
        shutil.copy(os.path.join(vr, name), os.path.dirname(misplaced))
    moved = re.sub(r'(data-stream="0"[^>]*>.*?<rect x=")([0-9.]+)', lambda m: m.group(1) + str(float(m.group(2)) + 100), page, count=1, flags=re.S)
    open(misplaced, "w").write(moved)
    before = len(failures)
    dom, _, _ = chromium(misplaced)
    quiet.append(True)
    check_bars(Tree(dom), json.load(open(os.path.join(vr, "acquisition.json"))), "misplaced")
    quiet.clear()
    if len(failures) == before:
        fail("a bar moved by 100 units was not caught")
    else:
        print("  a misplaced bar is caught")
        del failures[before:]

    # A batch of the examples with one broken session.
    print("batch page:")
    root = os.path.join(work, "batch-root")
    os.makedirs(root)
    shutil.copytree(os.path.join(REPO, "Examples/fip-session"), os.path.join(root, "fip-session"))
    shutil.copytree(os.path.join(REPO, "Examples/fip-session"), os.path.join(root, "fip-session-broken"))
    with open(os.path.join(root, "fip-session-broken", "fip.json"), "r+") as f:
        text = f.read()
        f.seek(0)
        f.truncate()
        f.write(text[:300])
    shutil.copytree(os.path.join(REPO, "Examples/vr-foraging-session"), os.path.join(root, "vr-foraging-session"))
    manifest = os.path.join(work, "manifest.tsv")
    with open(manifest, "w") as f:
        for name, job in (("fip-session", fip_job), ("fip-session-broken", fip_job), ("vr-foraging-session", vr_job)):
            f.write(f"{os.path.join(root, name)}\t{job}\n")
    batch = os.path.join(work, "batch")
    run([RIGMAP, "batch", "--manifest", manifest, "--output", batch, "--jobs", "2"])
    result = run([RIGMAP, "report", batch])
    if result.returncode != 0:
        fail(f"rigmap report on the batch exited {result.returncode}: {result.stderr[-500:]}")
    catalog = json.loads(run([RIGMAP, "catalog", batch, "--json"]).stdout)
    page = os.path.join(batch, "report.html")
    dom, console, seconds = chromium(page, os.path.join(SHOTS, "batch.png"))
    for line in console:
        fail(f"batch: console: {line[:300]}")
    tree = Tree(dom)
    scripts_are_ours(tree, dom, "batch")
    rows = tree.find(lambda n: n.tag == "tr" and "data-session" in n.attrs)
    if sorted(r.attrs["data-session"] for r in rows) != sorted(c["session"] for c in catalog):
        fail(f"batch: rows {[r.attrs['data-session'] for r in rows]}, catalog {[c['session'] for c in catalog]}")
    statuses = {c["session"]: c["status"] for c in catalog}
    for r in rows:
        if r.attrs["data-status"] != statuses.get(r.attrs["data-session"]):
            fail(f"batch: row {r.attrs['data-session']} says {r.attrs['data-status']}, the catalog {statuses.get(r.attrs['data-session'])}")
    if not rows or rows[0].attrs["data-session"] != "fip-session-broken" or rows[0].attrs["data-status"] == "ok":
        fail("batch: the failed session is not first")
    else:
        broken = next(c for c in catalog if c["session"] == "fip-session-broken")
        if broken["diagnostics"][0] not in rows[0].all_text():
            fail("batch: the failed session's diagnostic is not shown in its row")
    links = [n.attrs["href"] for r in rows for n in r.walk() if n.tag == "a"]
    for href in links:
        target = os.path.join(batch, unquote(urlparse(href).path))
        if not os.path.isfile(target):
            fail(f"batch: link {href} points to nothing")
    linked = {unquote(h).split("/")[0] for h in links}
    if linked != {"fip-session", "vr-foraging-session"}:
        fail(f"batch: linked sessions {sorted(linked)}, expected the two that wrote outputs")
    histogram = {r.attrs["data-mapper-version"]: r for r in tree.find(lambda n: "data-mapper-version" in n.attrs)}
    for c in catalog:
        for m in c["mappers"]:
            if f"{m['mapper']}@{m['version']}" not in histogram:
                fail(f"batch: {m['mapper']}@{m['version']} missing from the histogram")
    print(f"  batch: {len(rows)} rows, first {rows[0].attrs['data-session'] if rows else '-'} ({rows[0].attrs['data-status'] if rows else '-'}), "
          f"{len(links)} links all found, headless render {seconds:.2f} s")
    for name in sorted(linked):
        out = os.path.join(batch, name)
        check_session(os.path.join(out, "report.html"), out, "batch-" + name)
        back = [n for n in Tree(open(os.path.join(out, "report.html")).read()).root.walk() if n.tag == "a" and n.attrs.get("href") == "../report.html"]
        if not back:
            fail(f"batch-{name}: no link back to the batch page")

    # A big batch page: the catalog of a one-session batch, grown with rows like its own (statuses, versions and
    # diagnostics varied), rendered and opened.
    print(f"batch page of {BIG:,} sessions:")
    big = os.path.join(work, "big")
    run([RIGMAP, "batch", "--manifest", manifest, "--output", big, "--jobs", "2"])
    db = sqlite3.connect(os.path.join(big, "rigmap-catalog.sqlite"))
    template = db.execute("SELECT * FROM session WHERE name = 'fip-session'").fetchone()
    columns = [d[0] for d in db.execute("SELECT * FROM session LIMIT 0").description]
    mapper_columns = [d[0] for d in db.execute("SELECT * FROM session_mapper LIMIT 0").description]
    mapper = db.execute("SELECT * FROM session_mapper WHERE session = 'fip-session'").fetchone()
    statuses_cycle = ["ok"] * 17 + ["partial", "refused", "crashed"]
    with db:
        for i in range(BIG - 3):
            name = f"session-{i:05d}"
            row = dict(zip(columns, template))
            row.update(name=name, path=f"/data/sessions/{name}", status=statuses_cycle[i % len(statuses_cycle)])
            db.execute(f"INSERT INTO session ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
            m = dict(zip(mapper_columns, mapper))
            m.update(session=name, version="1.0.0" if i % 7 == 0 else m["version"])
            db.execute(f"INSERT INTO session_mapper ({', '.join(m)}) VALUES ({', '.join('?' * len(m))})", list(m.values()))
            db.execute("INSERT INTO session_diagnostic (session, ordinal, text) VALUES (?, 0, ?)",
                       (name, f"/data/sessions/{name}/fip.json: warning: diagnostic number {i}"))
    db.close()
    start = time.monotonic()
    result = run([RIGMAP, "report", big, "--no-session-pages"])
    generated = time.monotonic() - start
    if result.returncode != 0:
        fail(f"rigmap report on {BIG} sessions exited {result.returncode}: {result.stderr[-300:]}")
    page = os.path.join(big, "report.html")
    runs = []
    frames = []
    for _ in range(3):
        dom, console, seconds = chromium(page, settle=True)
        runs.append(seconds)
        html = Tree(dom).find(lambda n: n.tag == "html")
        frames.append((int(html[0].attrs.get("data-ready-ms", -1)), int(html[0].attrs.get("data-frame-ms", -1))) if html else (-1, -1))
    for line in console:
        fail(f"big batch: console: {line[:300]}")
    tree = Tree(dom)
    rows = tree.find(lambda n: n.tag == "tr" and "data-session" in n.attrs)
    if len(rows) != BIG:
        fail(f"big batch: {len(rows)} rows for {BIG} sessions")
    if rows and rows[0].attrs["data-status"] == "ok":
        fail("big batch: a failed session is not first")
    ready, frame = min(frames, key=lambda f: f[1])
    blank = os.path.join(work, "blank.html")
    open(blank, "w").write("<!DOCTYPE html><title>blank</title><p>blank</p>")
    baseline = min(chromium(blank)[2] for _ in range(3))
    start = time.monotonic()
    run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--screenshot=" + os.path.join(SHOTS, "batch-big.png"),
         "--window-size=1280,2000", "file://" + page], timeout=300)
    shot_seconds = time.monotonic() - start
    load = os.getloadavg()[0]
    print(f"  page {os.path.getsize(page):,} bytes, written by rigmap report in {generated:.2f} s")
    print(f"  in the page (best of 3): parsed and its script done {ready} ms, first frame drawn {frame} ms after navigation start "
          f"(all of them: {frames})")
    print(f"  whole chromium process: --dump-dom {min(runs):.2f} s (a blank page: {baseline:.2f} s), --screenshot {shot_seconds:.2f} s; "
          f"load average {load:.1f} on {os.cpu_count()} cores")

    # The script filters and sorts all of them: a probe appended to it picks "refused" and then "fiber@1.0.0",
    # sorts by name reversed, and records what the table then shows and how long each took.
    page_text = open(page).read()
    script = re.search(r"<script>(.*?)</script>", page_text, re.S).group(1)
    probe = script.replace("})();", """
      function visible() { return Array.prototype.filter.call(document.querySelectorAll("tr[data-session]"), function (r) { return !r.hidden && !r.closest(".chunk").hidden; }); }
      var t0 = performance.now();
      status.value = "refused"; status.dispatchEvent(new Event("change"));
      var refused = visible();
      var t1 = performance.now();
      status.value = ""; mapper.value = "fiber@1.0.0"; mapper.dispatchEvent(new Event("change"));
      var old = visible();
      sortBy.value = "-session"; sortBy.dispatchEvent(new Event("change"));
      var t2 = performance.now();
      var sorted = visible();
      document.documentElement.setAttribute("data-probe", JSON.stringify({
        refused: refused.length, allRefused: refused.every(function (r) { return r.getAttribute("data-status") === "refused"; }),
        old: old.length, oldOk: old.every(function (r) { return r.getAttribute("data-mappers").split("\\n").indexOf("fiber@1.0.0") >= 0; }),
        first: sorted.length ? sorted[0].getAttribute("data-session") : null, shown: shown.textContent,
        filterMs: Math.round(t1 - t0), sortMs: Math.round(t2 - t1)}));
    })();""")
    probed = os.path.join(work, "big-probe.html")
    open(probed, "w").write(page_text.replace(script, probe).replace(digest(script), digest(probe)))
    dom, console, _ = chromium(probed)
    attrs = Tree(dom).find(lambda n: n.tag == "html")[0].attrs
    result = json.loads(attrs.get("data-probe", "{}") or "{}")
    db = sqlite3.connect(os.path.join(big, "rigmap-catalog.sqlite"))
    want_refused = db.execute("SELECT count(*) FROM session WHERE status = 'refused'").fetchone()[0]
    want_old = db.execute("SELECT count(DISTINCT session) FROM session_mapper WHERE mapper = 'fiber' AND version = '1.0.0'").fetchone()[0]
    last = db.execute("SELECT name FROM session s JOIN session_mapper m ON m.session = s.name WHERE m.mapper = 'fiber' AND m.version = '1.0.0' ORDER BY name DESC LIMIT 1").fetchone()
    db.close()
    if console or not result or result["refused"] != want_refused or not result["allRefused"] or result["old"] != want_old or not result["oldOk"] \
            or result["first"] != (last[0] if last else None):
        fail(f"big batch: filtering and sorting gave {result} (expected {want_refused} refused, {want_old} on fiber@1.0.0, first {last}) {console[:1]}")
    else:
        print(f"  filter by status: {result['refused']} rows in {result['filterMs']} ms; by version then sorted: {result['old']} rows, "
              f"sort {result['sortMs']} ms")

    shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("report pages: all browser checks passed; screenshots in " + SHOTS)


main()
