"""The browser client in real headless Chromium (Debian's chromium and chromedriver, driven
by Selenium), against the real siftd and the sift-replay servers on loopback: a full query,
a connection cut in mid-answer, hostile text, compare mode, follow-ups, cancelling, errors,
the keyboard, a phone-sized screen in dark mode, the frame rate while 5,000 deltas
stream in, and a refresh that loses nothing (a refresh in mid-answer, a link opened in
another browser, a conversation replayed, an answer no longer kept).

Screenshots of the main states go to .build/screenshots/ on every run; with
SIFT_SCREENSHOTS=docs/img they are also written there (the README shows one). With
SIFT_BENCH_FPS_OUT=file the frame-rate test writes its figures there as JSON (make bench).
"""
import json
import os
import pathlib
import re
import shutil
import socket
import statistics
import subprocess
import threading
import time
import urllib.request

import pytest

# Selenium Manager would look for a driver on the internet; the driver path is given below.
os.environ["SE_OFFLINE"] = "true"

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from conftest import ROOT, Daemon, free_port  # noqa: E402
from sse import SSEStream  # noqa: E402
from test_web import REPLAY, Replay, metric  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
SHOTS = pathlib.Path(ROOT) / ".build" / "screenshots"
PUBLISH = os.environ.get("SIFT_SCREENSHOTS")
DESKTOP = (1280, 800)
PHONE = (390, 844)

# A scripted model's answer: realistic prose with citations, long enough to cut in the middle of.
ANSWER = (
    "Photosynthesis is the process by which green plants, algae and some bacteria turn light into chemical "
    "energy [1]. In the chloroplasts, chlorophyll absorbs light, and the energy splits water, releasing oxygen [2]. "
    "The light reactions make ATP and NADPH, which the Calvin cycle uses to fix carbon dioxide into sugars [1][3]. "
)
# Hostile markup in the answer itself, cut into deltas at every space.
HOSTILE_ANSWER = (
    'Hostile text follows: <img src=x onerror="window.__xss=1;alert(1)"> and '
    "<script>window.__xss=2;alert(2)</script> and <a href=\"javascript:alert(3)\">a link</a>, "
    "<svg onload=alert(4)></svg>, {{constructor.constructor('alert(5)')()}} and ${alert(6)} [1]. "
    "None of it is markup on the page [2]."
)


class ScriptedLLM:
    """sift-replay --service llm: an OpenAI-compatible chat server with a scripted answer."""

    def __init__(self, tmp_path, *args):
        self.port = free_port()
        self.log_path = tmp_path / f"llm-{self.port}.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [REPLAY, "--port", str(self.port), "--service", "llm", *args], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log_path.read_text()
            try:
                with urllib.request.urlopen(self.url() + "/models", timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the scripted chat server did not start")

    def url(self):
        return f"http://127.0.0.1:{self.port}/v1"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.close()


class CuttableProxy:
    """A TCP proxy between Chromium and siftd whose open connections the test can cut, and
    which notes every request head that passes through it."""

    def __init__(self, target_port):
        self.target = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.pairs = []
        self.heads = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            with self.lock:
                self.pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source, sink, from_client):
        buffer, body_left = b"", 0
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if from_client:
                    buffer += data
                    while True:
                        if body_left:
                            taken = min(body_left, len(buffer))
                            buffer, body_left = buffer[taken:], body_left - taken
                            if body_left:
                                break
                        if b"\r\n\r\n" not in buffer:
                            break
                        head, _, buffer = buffer.partition(b"\r\n\r\n")
                        text = head.decode("latin-1")
                        with self.lock:
                            self.heads.append(text)
                        length = re.search(r"(?im)^content-length:\s*(\d+)", text)
                        body_left = int(length.group(1)) if length else 0
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self):
        """Severs every open connection (both sides); returns how many there were."""
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
        return len(pairs)

    def close(self):
        self.listener.close()
        self.cut()


# MARK: fixtures


def start_chromium():
    """A new headless Chromium with a profile of its own (nothing shared with another)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
                     "--force-device-scale-factor=1", "--hide-scrollbars", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_script_timeout(120)
    return driver


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium()
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """siftd with Brave, SearXNG and the page server (replays), extractive answers slowed a
    little so that a screenshot can catch the answer being written."""
    tmp = tmp_path_factory.mktemp("browser-web")
    replay = Replay(tmp, "--brave-per-second", "100", "--brave-monthly-quota", "0")
    daemon = Daemon(tmp, {**replay.env(), "SIFT_FETCH_ALLOW_HOSTS": "127.0.0.1", "SIFT_DEBUG_DELTA_DELAY_MS": "120"})
    yield daemon
    daemon.stop()
    replay.stop()


@pytest.fixture(scope="module")
def llm(tmp_path_factory):
    """siftd on the knowledge base with a scripted model that writes ANSWER, a token every
    40 ms, each token its own delta; requests may name any model (compare mode)."""
    tmp = tmp_path_factory.mktemp("browser-llm")
    model = ScriptedLLM(tmp, "--llm-answer", ANSWER, "--llm-token-interval-ms", "40")
    daemon = Daemon(tmp, {
        "SIFT_LLM_URL": model.url(), "SIFT_LLM_MODEL": "scripted", "SIFT_LLM_ALLOW_MODELS": "*",
        "SIFT_LLM_DELTA_WINDOW_MS": "0"})
    yield daemon
    daemon.stop()
    model.stop()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """siftd with the replays (the query "xss" returns the hostile corpus) and a model whose
    answer is hostile markup."""
    tmp = tmp_path_factory.mktemp("browser-xss")
    replay = Replay(tmp, "--brave-per-second", "100", "--brave-monthly-quota", "0")
    model = ScriptedLLM(tmp, "--llm-answer", HOSTILE_ANSWER)
    daemon = Daemon(tmp, {
        **replay.env(), "SIFT_FETCH_ALLOW_HOSTS": "127.0.0.1", "SIFT_LLM_URL": model.url(),
        "SIFT_LLM_MODEL": "scripted", "SIFT_LLM_DELTA_WINDOW_MS": "0"})
    yield daemon
    daemon.stop()
    model.stop()
    replay.stop()


@pytest.fixture(scope="module")
def fast(tmp_path_factory):
    """siftd with a scripted model that sends a 7,200-token answer as fast as it can, each
    token its own delta: over 5,000 deltas once the citation filter has joined [, n and ]."""
    tmp = tmp_path_factory.mktemp("browser-fast")
    model = ScriptedLLM(tmp, "--llm-tokens", "7200", "--llm-token-interval-ms", "0")
    daemon = Daemon(tmp, {
        "SIFT_LLM_URL": model.url(), "SIFT_LLM_MODEL": "scripted", "SIFT_LLM_DELTA_WINDOW_MS": "0",
        "SIFT_LLM_MAX_TOKENS": "8000", "SIFT_LLM_CONTEXT_TOKENS": "32000"})
    yield daemon
    daemon.stop()
    model.stop()


# MARK: helpers


class Page:
    """The client in the browser, at `base`."""

    def __init__(self, driver, base):
        self.driver = driver
        self.base = base

    def open(self, query=""):
        self.driver.get(self.base + "/" + query)
        # A URL that names an answer may be replayed to its end, or found gone, at once.
        self.wait(lambda: self.state() in ("idle", "working", "done", "gone"), "the client to start")
        self.driver.get_log("browser")  # console_errors() counts from here
        # Record what must never happen: a CSP violation (markup that tried to run) or a page error.
        self.driver.execute_script(
            "window.__violations = [];"
            "document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective));"
            "window.__errors = [];"
            "window.addEventListener('error', e => window.__errors.push(String(e.message)));"
            "window.addEventListener('unhandledrejection', e => window.__errors.push(String(e.reason)));")
        return self

    def ask(self, question):
        box = self.driver.find_element(By.ID, "q")
        box.clear()
        box.send_keys(question + Keys.ENTER)

    def state(self):
        return self.driver.execute_script("return document.getElementById('app').dataset.state")

    def wait(self, condition, what, timeout=60):
        WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(
            lambda _: condition(), message=f"waiting for {what}")

    def wait_done(self, timeout=90):
        self.wait(lambda: self.state() in ("done", "failed", "cancelled"), "the answer to end", timeout)
        return self.state()

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def text(self, selector):
        return self.js("const n = document.querySelector(arguments[0]); return n ? n.textContent : null", selector)

    def texts(self, selector):
        return self.js("return [...document.querySelectorAll(arguments[0])].map(n => n.textContent)", selector)

    def answer(self):
        return self.text("#answer")

    def query_id(self):
        return self.js("return document.getElementById('app').dataset.queryId")

    def healthy(self):
        """No page error and no blocked markup since open()."""
        errors = self.js("return window.__errors")
        violations = self.js("return window.__violations")
        assert errors == [] and violations == [], (errors, violations)

    def console_errors(self, *expected):
        """What the console got at level SEVERE since the last call (the browser's own log: it
        also holds errors from before open() could listen), less the network lines that name
        one of the `expected` URL paths (Chromium logs every 4xx a fetch gets) and the missing
        /favicon.ico that Chromium asks for by itself."""
        return [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"
                and not (e.get("source") == "network"
                         and any(self.base + path + " " in e["message"] for path in ("/favicon.ico", *expected)))]

    def params(self):
        """The page's URL parameters, as a dict."""
        return self.js("return Object.fromEntries(new URLSearchParams(location.search))")

    def reload(self):
        """A refresh (F5): the same URL, loaded afresh."""
        self.driver.refresh()
        self.wait(lambda: self.js("return document.readyState") == "complete" and self.state() is not None,
                  "the page to load again")
        self.js("window.__errors = [];"
                "window.addEventListener('error', e => window.__errors.push(String(e.message)));"
                "window.addEventListener('unhandledrejection', e => window.__errors.push(String(e.reason)));"
                "window.__violations = [];"
                "document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective));")
        return self

    def shot(self, name, publish=True):
        path = SHOTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        if PUBLISH and publish:
            target = pathlib.Path(ROOT) / PUBLISH
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target / path.name)
        return path


def server_events(daemon, query_id):
    """The query's whole event log, replayed by the server from the start."""
    stream = SSEStream(daemon.port, f"/v1/queries/{query_id}/events", timeout=60)
    try:
        assert stream.status == 200
        return list(stream.events())
    finally:
        stream.close()


def of(events, kind):
    return [e["data"] for e in events if e["event"] == kind]


def answer_of(events):
    return "".join(d["text"] for d in of(events, "delta") if "model" not in d)


def emulate(driver, size=DESKTOP, dark=False):
    """The screen the page sees: its size (a phone's below 600 px) and colour scheme."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": size[0] < 600})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})


# MARK: tests


def test_a_full_query_shows_its_progress_sources_and_a_cited_answer(browser, web):
    emulate(browser)
    page = Page(browser, web.base).open()
    page.ask("capital of australia")
    # While the answer is being written: the sources are in, and the answer grows.
    page.wait(lambda: page.state() == "working" and len(page.answer() or "") > 20, "the answer to start")
    page.shot("working")
    assert page.wait_done() == "done"
    events = server_events(web, page.query_id())
    page.shot("done")

    # The answer is the server's, to the character, and its citations are links to sources.
    answer = page.answer()
    assert answer == answer_of(events) and answer
    cited = [int(n) for n in re.findall(r"\[(\d+)\]", answer)]
    assert cited and page.texts("#answer a.cite") == [f"[{n}]" for n in cited]
    # Every source the server announced, as last announced, with its site, providers and fetch state.
    sources = {s["n"]: s for s in of(events, "source")}
    assert page.js("return [...document.querySelectorAll('#sources li')].map(li => Number(li.dataset.n))") == sorted(sources)
    for n, source in sources.items():
        assert page.text(f"#source-{n} .title") == source["title"]
        assert page.texts(f"#source-{n} .provider") == source["providers"]
    providers = {p for s in sources.values() for p in s["providers"]}
    assert {"kb", "brave", "searxng"} <= providers
    read = {f["n"] for f in of(events, "fetch") if f["state"] == "done"}
    assert read and all(page.text(f"#source-{n} .fetch").startswith("read ") for n in read)
    assert page.text("#source-count") == str(len(sources))

    # The timeline: every stage with its time, a line per provider, the pages read.
    stages = page.js("return [...document.querySelectorAll('#timeline > li')].map(li => li.dataset.stage)")
    assert stages[:2] == ["analyzing", "searching"] and stages[-3:] == ["ranking", "synthesizing", "done"]
    assert "fetching" in stages
    assert all(re.search(r"\d", t) for t in page.texts("#timeline > li .time"))
    lines = page.texts("#timeline .provider-line")
    assert {line.split(":")[0] for line in lines} == {"kb", "brave", "searxng"}, lines
    fetches = [f for f in of(events, "fetch") if f["state"] != "started"]
    assert page.text("#timeline li[data-stage=fetching] .detail").startswith(f"{len(fetches)} of {len(fetches)} page")
    metrics = of(events, "metrics")[0]
    assert page.text("#metrics [data-field=first_source]") not in ("", "–")
    assert page.text("#metrics [data-field=total]") not in ("", "–") and metrics["total_ms"] > 0

    # A citation, clicked, highlights its source and brings it into view.
    link = browser.find_elements(By.CSS_SELECTOR, "#answer a.cite")[-1]
    link.click()
    n = link.get_attribute("data-n")
    page.wait(lambda: page.js(f"return document.getElementById('source-{n}').classList.contains('highlighted')"),
              "the cited source to be highlighted")
    page.wait(lambda: page.js(
        f"const r = document.getElementById('source-{n}').getBoundingClientRect();"
        "return r.top >= 0 && r.bottom <= innerHeight + 1"), "the cited source to scroll into view")
    assert page.js("return document.activeElement.id") == f"source-{n}"

    # Copy answer with sources: the clipboard holds the answer and the numbered sources.
    browser.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": web.base, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    copy = browser.find_element(By.ID, "copy")
    page.js("arguments[0].scrollIntoView({block: 'center'})", copy)
    copy.click()
    page.wait(lambda: page.text("#copy") == "Copied", "the copy to be confirmed")
    copied = browser.execute_async_script(
        "navigator.clipboard.readText().then(arguments[0], e => arguments[0]('error: ' + e))")
    assert answer.strip() in copied and "Sources:" in copied
    first = sources[min(sources)]
    assert f"[{first['n']}] {first['title']} <{first['url']}>" in copied
    page.healthy()


def test_a_connection_cut_in_mid_answer_resumes_without_losing_or_repeating_text(browser, tmp_path):
    # The answer takes about 6 s and the cut comes in its first second: the client reconnects
    # at once, and the resumed stream replays what was missed, then follows the answer.
    emulate(browser)
    model = ScriptedLLM(tmp_path, "--llm-answer", ANSWER * 6, "--llm-token-interval-ms", "20")
    llm = Daemon(tmp_path, {"SIFT_LLM_URL": model.url(), "SIFT_LLM_MODEL": "scripted", "SIFT_LLM_DELTA_WINDOW_MS": "0"})
    proxy = CuttableProxy(llm.port)
    try:
        page = Page(browser, f"http://127.0.0.1:{proxy.port}").open()
        page.ask("what is photosynthesis")
        page.wait(lambda: len(page.answer() or "") > 80, "part of the answer")
        assert page.state() == "working"
        assert proxy.cut() >= 1
        page.wait(lambda: page.js("return document.getElementById('app').dataset.connection") in ("lost", "resumed")
                  or page.state() == "done", "the page to notice the cut")
        assert page.wait_done() == "done"
        query = page.query_id()
        events = server_events(llm, query)
        assert page.answer() == answer_of(events)
        assert len(page.answer()) > 5 * len(ANSWER)
        # The client reconnected by itself and said where it was: Last-Event-ID.
        with proxy.lock:
            heads = [h for h in proxy.heads if h.startswith(f"GET /v1/queries/{query}/events")]
        assert len(heads) >= 2, heads
        resumed_after = re.search(r"(?im)^last-event-id:\s*(\d+)", heads[1])
        assert resumed_after and 0 < int(resumed_after.group(1)) < len(events), heads[1]
        page.healthy()
    finally:
        proxy.close()
        llm.stop()
        model.stop()


def test_hostile_titles_snippets_and_answers_are_shown_as_text_and_never_run(browser, hostile):
    emulate(browser)
    page = Page(browser, hostile.base).open()
    page.js("window.__xss = undefined")
    page.ask("xss")
    assert page.wait_done() == "done"
    events = server_events(hostile, page.query_id())
    page.shot("xss", publish=False)
    try:
        alert = browser.switch_to.alert.text
    except NoAlertPresentException:
        alert = None
    assert alert is None, f"a payload ran: alert({alert})"
    assert page.js("return window.__xss") is None
    page.healthy()

    # Every hostile string is on the page as the characters it is.
    answer = page.answer()
    assert answer == answer_of(events)
    assert '<img src=x onerror="window.__xss=1;alert(1)">' in answer and "<script>window.__xss=2;" in answer
    sources = {s["n"]: s for s in of(events, "source")}
    assert any("<script>" in s["title"] for s in sources.values())
    for n, source in sources.items():
        assert page.text(f"#source-{n} .title") == source["title"]
        assert page.text(f"#source-{n} .snippet") == (source["snippet"] or None)
    # No element came from the text: the answer holds only text and citation links, the
    # sources only the client's own elements, and only http(s) URLs became links.
    assert page.js("return [...document.querySelectorAll('#answer *')].every(n => n.matches('a.cite'))")
    assert page.js("return document.querySelectorAll('main script, main img, main svg, main iframe, main [onerror], main [onload]').length") == 0
    hrefs = page.js("return [...document.querySelectorAll('#sources a[href]')].map(a => a.href)")
    assert hrefs and all(h.startswith("http://") or h.startswith("https://") for h in hrefs), hrefs
    assert page.js("return document.getElementById('source-' + arguments[0]).querySelector('a.title')",
                   next(n for n, s in sources.items() if s["url"].startswith("javascript:"))) is None


def stream_and_count_frames(page, daemon, question):
    """Asks `question` with a requestAnimationFrame loop running in the page; returns the
    intervals between the frames from the first answer text on screen to the end of the
    stream, and the server's events."""
    page.js("""
        window.__frames = [];
        window.__stopFrames = false;
        const app = document.getElementById('app'), answer = document.getElementById('answer');
        const tick = (t) => {
          window.__frames.push([t, answer.firstChild !== null, app.dataset.state]);
          if (!window.__stopFrames) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);""")
    page.ask(question)
    assert page.wait_done(timeout=180) == "done"
    page.js("window.__stopFrames = true")
    frames = page.js("return window.__frames")
    events = server_events(daemon, page.query_id())
    assert page.answer() == answer_of(events)
    # The page may still show the previous answer in the first frames: start from this query's.
    asked = next(i for i, f in enumerate(frames) if f[2] == "working" and not f[1])
    start = next(i for i, f in enumerate(frames) if i > asked and f[1])
    end = next(i for i, f in enumerate(frames) if i > start and f[2] != "working")
    times = [f[0] for f in frames[start:end + 1]]
    return [b - a for a, b in zip(times, times[1:])], events


def test_the_frame_rate_while_5000_deltas_stream_in(browser, fast):
    emulate(browser)
    page = Page(browser, fast.base).open()
    # One answer to warm up (the page's code, the browser just started, siftd), then the
    # measured ones (SIFT_BENCH_FPS_RUNS, 1 by default; make bench asks for more).
    stream_and_count_frames(page, fast, "what is photosynthesis")
    intervals, deltas, seconds = [], [], 0.0
    for _ in range(int(os.environ.get("SIFT_BENCH_FPS_RUNS", "1"))):
        run, events = stream_and_count_frames(page, fast, "what is photosynthesis")
        assert len(run) >= 5, f"only {len(run)} frames while streaming"
        intervals += run
        seconds += sum(run) / 1000
        deltas.append(len(of(events, "delta")))
    assert min(deltas) >= 5000, deltas
    median_fps = 1000 / statistics.median(intervals)
    result = {
        "runs": len(deltas), "deltas": min(deltas), "frames": len(intervals),
        "stream_seconds": round(seconds / len(deltas), 2), "median_fps": round(median_fps, 1),
        "longest_frame_ms": round(max(intervals), 1),
        "p95_frame_ms": round(sorted(intervals)[int(0.95 * (len(intervals) - 1))], 1),
        "frames_over_20ms": sum(1 for i in intervals if i > 20), "frames_over_50ms": sum(1 for i in intervals if i > 50),
        "answer_characters": len(page.answer()),
    }
    print("frame rate:", json.dumps(result))
    if os.environ.get("SIFT_BENCH_FPS_OUT"):
        pathlib.Path(os.environ["SIFT_BENCH_FPS_OUT"]).write_text(json.dumps(result))
    # A lenient floor; the goals (58 fps, no frame over 50 ms) are the benchmark's (docs/benchmarks.md).
    assert median_fps >= 30, result
    page.healthy()


def test_compare_mode_shows_a_lane_per_model_and_the_merged_answer(browser, llm):
    emulate(browser)
    page = Page(browser, llm.base).open("?models=scripted,scripted-b")
    page.ask("what is photosynthesis")
    page.wait(lambda: page.js("return document.querySelectorAll('#lanes .lane').length") == 2, "two lanes")
    assert page.wait_done() == "done"
    events = server_events(llm, page.query_id())
    page.js("document.getElementById('answer-section').scrollIntoView()")
    page.shot("compare")
    lanes = page.js("return [...document.querySelectorAll('#lanes .lane')].map(l => [l.dataset.model, l.dataset.state])")
    assert lanes == [["scripted", "done"], ["scripted-b", "done"]]
    for model in ("scripted", "scripted-b"):
        lane_text = "".join(d["text"] for d in of(events, "delta") if d.get("model") == model)
        assert lane_text and page.text(f'#lanes .lane[data-model="{model}"] .lane-answer') == lane_text
    assert page.answer() == answer_of(events) and page.answer()
    assert page.js("return document.getElementById('merged-heading').hidden") is False
    page.healthy()


def test_a_follow_up_continues_the_session(browser, llm):
    emulate(browser)
    page = Page(browser, llm.base).open()
    page.ask("what is photosynthesis")
    assert page.wait_done() == "done"
    first = server_events(llm, page.query_id())
    follow = browser.find_element(By.ID, "follow-q")
    assert follow.is_displayed()
    follow.send_keys("and what does it need from the air?" + Keys.ENTER)
    page.wait(lambda: page.js("return document.querySelectorAll('#history .turn').length") == 1, "the earlier turn")
    assert page.wait_done() == "done"
    second = server_events(llm, page.query_id())
    assert of(second, "query")[0]["session"] == of(first, "query")[0]["session"]
    assert of(second, "query")[0]["original"] == "and what does it need from the air?"
    assert page.text("#history .turn-question") == "what is photosynthesis"
    assert page.text("#history .turn-answer") == answer_of(first)
    assert page.text("#question") == "and what does it need from the air?"
    page.healthy()


def test_escape_cancels_and_keeps_what_had_arrived(browser, llm):
    emulate(browser)
    page = Page(browser, llm.base).open()
    page.ask("what is photosynthesis")
    page.wait(lambda: len(page.answer() or "") > 40, "part of the answer")
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()
    assert page.wait_done() == "cancelled"
    events = server_events(llm, page.query_id())
    assert of(events, "done") == [{"outcome": "cancelled", "elapsed_ms": of(events, "done")[0]["elapsed_ms"]}]
    assert page.answer() == answer_of(events)
    assert 0 < len(page.answer()) < len(ANSWER)
    assert page.text("#timeline li[data-stage=done] .label") == "Cancelled"
    assert "Cancelled" in page.text("#notices")
    page.healthy()


def test_errors_say_in_plain_words_what_to_do(browser, llm):
    emulate(browser)
    page = Page(browser, llm.base).open()
    page.ask("qqxzvv wwkjxq zzpqfv")
    assert page.wait_done() == "failed"
    page.shot("error")
    notice = page.text("#notices .notice.error .advice")
    assert notice.startswith("Nothing in Sift's sources matched. Try other words"), notice
    assert browser.find_element(By.ID, "cancel").get_attribute("disabled") is not None
    # A question Sift refuses before it starts (over 2,000 characters): the same, from the HTTP error.
    page.js("document.getElementById('q').removeAttribute('maxlength')")
    page.ask("why " * 600)
    page.wait(lambda: page.text("#notices .notice.error .advice") != notice, "the refusal")
    assert page.text("#notices .notice.error .advice").startswith("Shorten the question")
    assert page.state() == "failed"
    page.healthy()


def test_an_unanswered_question_is_shown_as_such(browser, llm):
    emulate(browser)
    page = Page(browser, llm.base).open()
    # No source names a capital of an invented country: no model is asked, and the page says so.
    page.ask("What is the capital of Quelmaria?")
    assert page.wait_done() == "done"
    assert page.text("#answer-heading") == "No answer in the sources"
    assert page.js("return document.getElementById('answer-section').dataset.answered") == "false"
    assert page.answer().startswith("The sources found do not answer this question."), page.answer()
    advice = page.texts("#notices .notice.warning .advice")
    assert any(a.startswith("The sources Sift found do not answer this question") for a in advice), advice
    # The next question that is answered starts afresh.
    page.ask("what is the capital of Peru")
    assert page.wait_done() == "done"
    assert page.text("#answer-heading") == "Answer"
    assert page.js("return document.getElementById('answer-section').dataset.answered") is None
    page.healthy()


def test_the_keyboard_alone_asks_and_follows_a_citation(browser, web):
    emulate(browser)
    page = Page(browser, web.base).open()
    page.js("document.activeElement.blur()")
    ActionChains(browser).send_keys("/").perform()
    assert page.js("return document.activeElement.id") == "q"
    ActionChains(browser).send_keys("capital of australia" + Keys.ENTER).perform()
    assert page.wait_done() == "done"
    # Tab from the question box reaches a citation; Enter on it highlights and focuses its source.
    page.js("document.getElementById('q').focus()")
    for _ in range(12):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        if page.js("return document.activeElement.matches('a.cite')"):
            break
    n = page.js("return document.activeElement.dataset.n")
    assert n, "Tab never reached a citation"
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    page.wait(lambda: page.js("return document.activeElement.id") == f"source-{n}", "the source to take focus")
    assert page.js(f"return document.getElementById('source-{n}').classList.contains('highlighted')")
    # Progress is announced to screen readers.
    assert page.js("return document.getElementById('live').getAttribute('aria-live')") == "polite"
    assert page.text("#live") == "Done"
    page.healthy()


def test_a_phone_screen_in_dark_mode(browser, web):
    emulate(browser, PHONE, dark=True)
    try:
        page = Page(browser, web.base).open()
        page.ask("capital of australia")
        assert page.wait_done() == "done"
        page.shot("phone")
        width = page.js("return [document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1] == PHONE[0], f"the page is wider than the screen: {width}"
        # One column: the sources come below the answer.
        assert page.js(
            "return document.getElementById('sources-section').getBoundingClientRect().top >="
            " document.getElementById('answer-section').getBoundingClientRect().bottom")
        background = page.js("return getComputedStyle(document.body).backgroundColor")
        red, green, blue = (int(v) for v in re.findall(r"\d+", background)[:3])
        assert red + green + blue < 150, f"not dark: {background}"
        page.healthy()
    finally:
        emulate(browser)


# MARK: a refresh loses nothing (issue 13 part 4)


@pytest.fixture(scope="module")
def slow(tmp_path_factory):
    """siftd on the knowledge base, its extractive answers slowed to a delta every 400 ms (about
    11 s for "what is photosynthesis", so that a refresh lands in mid-answer even on a busy
    machine), behind a proxy that notes every request the page makes."""
    daemon = Daemon(tmp_path_factory.mktemp("browser-slow"), {"SIFT_DEBUG_DELTA_DELAY_MS": "400"})
    proxy = CuttableProxy(daemon.port)
    daemon.proxied = f"http://127.0.0.1:{proxy.port}"
    daemon.proxy = proxy
    yield daemon
    proxy.close()
    daemon.stop()


@pytest.fixture(scope="module")
def brief(tmp_path_factory):
    """siftd that keeps a finished query for 1 s only (SIFT_QUERY_RETENTION_SECONDS)."""
    daemon = Daemon(tmp_path_factory.mktemp("browser-brief"), {"SIFT_QUERY_RETENTION_SECONDS": "1"})
    yield daemon
    daemon.stop()


def requests_to(proxy, prefix):
    """The request heads that went through `proxy` and start with `prefix` (e.g. "POST /v1/queries ")."""
    with proxy.lock:
        return [h for h in proxy.heads if h.startswith(prefix)]


def expired(daemon, query_id):
    """True once siftd no longer keeps the query: its events answer `query_expired` (a 410
    today; read by its code, as the page does, whatever the status)."""
    status, _, body = daemon.get(f"/v1/queries/{query_id}/events")
    return status in (404, 410) and json.loads(body)["error"]["code"] == "query_expired"


def created(daemon):
    """Queries siftd created for POST /v1/queries (201s), from its /metrics."""
    return metric(daemon, "sift_http_requests_total", route="/v1/queries", status="201")


def test_the_page_address_round_trips(tmp_path):
    # browser/address.js is what a refresh reads back: its own unit tests, in node.
    result = subprocess.run(
        ["node", "--test", str(pathlib.Path(ROOT) / "tests" / "browser" / "address.test.mjs")],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout


def test_a_refresh_in_mid_answer_replays_it_and_follows_it_live_without_asking_again(browser, slow):
    emulate(browser)
    before = created(slow)
    finished = metric(slow, "sift_queries_total")
    page = Page(browser, slow.proxied).open()
    page.ask("what is photosynthesis")
    page.wait(lambda: len(page.answer() or "") > 60, "part of the answer")
    assert page.state() == "working"
    query = page.query_id()
    # The URL names the question and its query.
    assert page.params() == {"q": "what is photosynthesis", "query": query}
    shown = page.answer()

    page.reload()
    # The answer is back at once (replayed from the log: at least what was shown), then goes on.
    page.wait(lambda: (page.answer() or "").startswith(shown), "the replayed answer")
    assert page.state() == "working", "the answer should still be being written"
    assert page.query_id() == query and page.text("#question") == "what is photosynthesis"
    assert page.wait_done() == "done"
    events = server_events(slow, query)
    assert page.answer() == answer_of(events) and len(page.answer()) > len(shown)
    assert page.js("return document.querySelectorAll('#sources li').length") == len({s["n"] for s in of(events, "source")})
    assert page.text("#timeline li[data-stage=done] .label") == "Done"
    assert page.params() == {"q": "what is photosynthesis", "query": query}

    # One query only: one POST through the proxy, one 201 at siftd; the refresh read the log
    # from its first event (no Last-Event-ID: a new page has applied nothing yet).
    assert len(requests_to(slow.proxy, "POST /v1/queries ")) == 1
    assert created(slow) == before + 1
    assert metric(slow, "sift_queries_total") == finished + 1
    reads = requests_to(slow.proxy, f"GET /v1/queries/{query}/events ")
    assert len(reads) == 2 and not any(re.search(r"(?im)^last-event-id:", h) for h in reads), reads
    page.healthy()
    assert page.console_errors() == []


def test_a_link_opened_in_another_browser_replays_the_finished_answer(browser, slow):
    emulate(browser)
    page = Page(browser, slow.proxied).open()
    page.ask("what is the capital of australia")
    assert page.wait_done() == "done"
    query = page.query_id()
    link = browser.current_url
    original = {
        "answer": page.answer(), "sources": page.texts("#sources li .title"),
        "timeline": page.js("return [...document.querySelectorAll('#timeline > li')].map(li => li.dataset.stage)"),
    }
    posts = len(requests_to(slow.proxy, "POST /v1/queries "))

    other = start_chromium()
    try:
        elsewhere = Page(other, slow.proxied)
        other.get(link)
        assert elsewhere.wait_done() == "done"
        elsewhere.shot("replayed", publish=False)
        assert elsewhere.answer() == original["answer"] == answer_of(server_events(slow, query))
        assert elsewhere.texts("#sources li .title") == original["sources"]
        assert elsewhere.js(
            "return [...document.querySelectorAll('#timeline > li')].map(li => li.dataset.stage)") == original["timeline"]
        assert elsewhere.text("#question") == "what is the capital of australia"
        assert elsewhere.js("return document.title") == "what is the capital of australia · Sift"
        assert elsewhere.query_id() == query
        # Citations still lead to their sources, and a follow-up can be asked.
        assert elsewhere.texts("#answer a.cite")
        assert other.find_element(By.ID, "follow-q").is_displayed()
        assert len(requests_to(slow.proxy, "POST /v1/queries ")) == posts
        assert elsewhere.console_errors() == []
    finally:
        other.quit()


def test_a_conversation_is_replayed_turn_by_turn_and_goes_on(browser, llm):
    emulate(browser)
    proxy = CuttableProxy(llm.port)
    try:
        page = Page(browser, f"http://127.0.0.1:{proxy.port}").open()
        page.ask("what is photosynthesis")
        assert page.wait_done() == "done"
        first = page.query_id()
        follow = browser.find_element(By.ID, "follow-q")
        follow.send_keys("and what does it need from the air?" + Keys.ENTER)
        page.wait(lambda: page.query_id() not in (None, first), "the follow-up's query")
        assert page.wait_done() == "done"
        second = page.query_id()
        session = of(server_events(llm, second), "query")[0]["session"]
        assert page.params() == {
            "q": "and what does it need from the air?", "query": second, "thread": first, "session": session}

        page.reload()
        assert page.wait_done() == "done"
        page.wait(lambda: page.js("return document.querySelector('#history .turn[aria-busy]') === null"),
                  "the earlier turn to be replayed")
        assert page.texts("#history .turn-question") == ["what is photosynthesis"]
        assert page.texts("#history .turn-answer") == [answer_of(server_events(llm, first))]
        assert page.text("#question") == "and what does it need from the air?"
        assert page.answer() == answer_of(server_events(llm, second))
        assert len(requests_to(proxy, "POST /v1/queries ")) == 2
        page.shot("conversation-replayed", publish=False)

        # A new follow-up continues the same session, and the URL's thread grows.
        follow = browser.find_element(By.ID, "follow-q")
        assert follow.is_displayed()
        follow.send_keys("and where does it happen?" + Keys.ENTER)
        page.wait(lambda: page.query_id() not in (None, second), "the new follow-up's query")
        assert page.wait_done() == "done"
        third = page.query_id()
        asked = of(server_events(llm, third), "query")[0]
        assert asked["session"] == session and asked["original"] == "and where does it happen?"
        assert page.texts("#history .turn-question") == ["what is photosynthesis", "and what does it need from the air?"]
        assert page.params() == {
            "q": "and where does it happen?", "query": third, "thread": f"{first},{second}", "session": session}

        # Back shows the conversation as it was before that follow-up, replayed again.
        browser.back()
        page.wait(lambda: page.query_id() == second and page.state() == "done", "the previous page")
        assert page.texts("#history .turn-question") == ["what is photosynthesis"]
        assert len(requests_to(proxy, "POST /v1/queries ")) == 3
        page.healthy()
        assert page.console_errors() == []
    finally:
        proxy.close()


def test_an_answer_no_longer_kept_says_so_and_asks_again(browser, brief):
    emulate(browser)
    page = Page(browser, brief.base).open()
    page.ask("what is the capital of australia")
    assert page.wait_done() == "done"
    gone = page.query_id()
    # Retention is 1 s: wait until siftd answers query_expired for it.
    page.wait(lambda: expired(brief, gone), "the answer to expire", timeout=10)
    before = created(brief)

    page.reload()
    page.wait(lambda: page.state() == "gone", "the page to find the answer gone")
    page.shot("expired", publish=False)
    assert page.js("return document.getElementById('app').dataset.gone") == "query_expired"
    notice = page.text("#notices .notice.gone .advice")
    assert notice.startswith("This answer has expired"), notice
    assert page.js("return document.querySelector('#notices .notice.gone').getAttribute('role')") == "alert"
    assert page.text("#question") == "what is the capital of australia"
    assert created(brief) == before, "the refresh must not ask again by itself"
    # Ask again has the focus: Enter asks the same question, and the URL names the new answer.
    assert page.js("return document.activeElement.matches('#notices .notice.gone button.ask-again')")
    assert page.js("return document.activeElement.textContent") == "Ask again"
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    page.wait(lambda: page.query_id() not in (None, gone), "the question asked again")
    assert page.wait_done() == "done"
    again = page.query_id()
    assert created(brief) == before + 1
    assert of(server_events(brief, again), "query")[0]["original"] == "what is the capital of australia"
    assert page.params() == {"q": "what is the capital of australia", "query": again}
    assert page.text("#notices .notice.gone") is None
    assert page.answer() == answer_of(server_events(brief, again))
    page.healthy()
    assert page.console_errors(f"/v1/queries/{gone}/events") == []

    # An id siftd never issued: it says it does not know the answer, and asks again as well.
    page = Page(browser, brief.base).open("?q=what+is+photosynthesis&query=0123456789abcdef")
    page.wait(lambda: page.state() == "gone", "the unknown answer")
    assert page.js("return document.getElementById('app').dataset.gone") == "query_not_found"
    assert page.text("#notices .notice.gone .advice").startswith("Sift does not know this answer")
    browser.find_element(By.CSS_SELECTOR, "#notices .notice.gone button.ask-again").click()
    assert page.wait_done() == "done"
    assert page.text("#question") == "what is photosynthesis" and page.answer()
    page.healthy()
    assert page.console_errors("/v1/queries/0123456789abcdef/events") == []


def test_a_follow_up_no_longer_kept_is_asked_again_in_its_conversation(browser, brief):
    emulate(browser)
    page = Page(browser, brief.base).open()
    page.ask("what is photosynthesis")
    assert page.wait_done() == "done"
    first = page.query_id()
    session = of(server_events(brief, first), "query")[0]["session"]
    browser.find_element(By.ID, "follow-q").send_keys("and what does it need from the air?" + Keys.ENTER)
    page.wait(lambda: page.query_id() not in (None, first), "the follow-up's query")
    assert page.wait_done() == "done"
    second = page.query_id()
    page.wait(lambda: expired(brief, second), "both answers to expire", timeout=10)

    page.reload()
    page.wait(lambda: page.state() == "gone", "the page to find the answer gone")
    page.wait(lambda: page.js("return document.querySelector('#history .turn.gone') !== null"), "the earlier turn")
    assert page.text("#history .turn-answer") == "Sift no longer keeps this answer."
    # The session outlives its answers (30 min against 1 s): asked again, the follow-up continues it.
    browser.find_element(By.CSS_SELECTOR, "#notices .notice.gone button.ask-again").send_keys(Keys.ENTER)
    page.wait(lambda: page.query_id() not in (None, second), "the follow-up asked again")
    assert page.wait_done() == "done"
    again = page.query_id()
    asked = of(server_events(brief, again), "query")[0]
    assert asked["session"] == session and asked["original"] == "and what does it need from the air?"
    # The expired turn's id leaves the URL; the session stays.
    assert page.params() == {"q": "and what does it need from the air?", "query": again, "session": session}
    page.healthy()
    assert page.console_errors(f"/v1/queries/{first}/events", f"/v1/queries/{second}/events") == []


def test_a_replayed_answer_still_being_written_can_be_cancelled(browser, slow):
    emulate(browser)
    page = Page(browser, slow.proxied).open()
    page.ask("what is photosynthesis")
    page.wait(lambda: len(page.answer() or "") > 20, "part of the answer")
    query = page.query_id()
    page.reload()
    page.wait(lambda: page.state() == "working" and len(page.answer() or "") > 20, "the replayed answer")
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()
    assert page.wait_done() == "cancelled"
    events = server_events(slow, query)
    assert [d["outcome"] for d in of(events, "done")] == ["cancelled"]
    assert page.answer() == answer_of(events)
    assert len(requests_to(slow.proxy, f"DELETE /v1/queries/{query} ")) == 1
    page.healthy()
    assert page.console_errors() == []


def test_after_a_restart_a_follow_up_is_asked_again_on_its_own(browser, tmp_path):
    # siftd keeps queries and sessions in memory: after a restart it knows neither the answers
    # nor the conversation. The page says so, and asking again falls back to the question alone.
    emulate(browser)
    (tmp_path / "before").mkdir()
    (tmp_path / "after").mkdir()
    daemon = Daemon(tmp_path / "before")
    proxy = CuttableProxy(daemon.port)
    restarted = None
    try:
        page = Page(browser, f"http://127.0.0.1:{proxy.port}").open()
        page.ask("what is photosynthesis")
        assert page.wait_done() == "done"
        first = page.query_id()
        session = of(server_events(daemon, first), "query")[0]["session"]
        browser.find_element(By.ID, "follow-q").send_keys("and what does it need from the air?" + Keys.ENTER)
        page.wait(lambda: page.query_id() not in (None, first), "the follow-up's query")
        assert page.wait_done() == "done"
        second = page.query_id()
        daemon.stop()
        restarted = Daemon(tmp_path / "after")
        proxy.target = restarted.port

        page.reload()
        page.wait(lambda: page.state() == "gone", "the page to find the answer unknown")
        assert page.js("return document.getElementById('app').dataset.gone") == "query_not_found"
        page.wait(lambda: page.text("#history .turn-answer") == "Sift does not know this answer.", "the earlier turn")
        browser.find_element(By.CSS_SELECTOR, "#notices .notice.gone button.ask-again").send_keys(Keys.ENTER)
        page.wait(lambda: page.query_id() not in (None, second), "the question asked again")
        assert page.wait_done() == "done"
        again = page.query_id()
        asked = of(server_events(restarted, again), "query")[0]
        assert asked["original"] == "and what does it need from the air?" and asked["session"] != session
        assert page.text("#notices .notice.info .advice").startswith("Sift no longer has this conversation either")
        assert page.js("return document.getElementById('history').hidden") is True
        assert page.params() == {"q": "and what does it need from the air?", "query": again}
        # POSTs: the question, the follow-up, then after the restart the follow-up in its
        # session (refused: 404 session_not_found) and on its own.
        posts = requests_to(proxy, "POST /v1/queries ")
        assert len(posts) == 4, posts
        page.healthy()
        assert page.console_errors(
            f"/v1/queries/{first}/events", f"/v1/queries/{second}/events", "/v1/queries") == []
    finally:
        proxy.close()
        daemon.stop()
        if restarted:
            restarted.stop()


def test_a_server_that_needs_a_key_asks_for_it_once_and_keeps_it_out_of_urls(tmp_path):
    from test_security import add_key, state_dir
    state = state_dir(tmp_path)
    key = add_key(state, "browser")
    watcher = add_key(state, "watcher", "--scopes", "metrics")
    daemon = Daemon(tmp_path, {"SIFT_STATE_DIR": str(state), "SIFT_AUTH": "required"})
    driver = start_chromium()  # a profile of its own: no key stored yet
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        page = Page(driver, daemon.base).open()
        page.ask("what is photosynthesis")
        # The 401 brings up the form, once.
        page.wait(lambda: page.js("const d = document.getElementById('key-dialog'); return !!(d && d.open)"), "the key form")
        assert page.js("return document.querySelectorAll('dialog.key-dialog').length") == 1
        page.shot("browser-api-key", publish=False)
        driver.find_element(By.ID, "key-input").send_keys(key)
        driver.find_element(By.ID, "key-save").click()
        assert page.wait_done() == "done"
        assert page.answer()
        assert page.js("return localStorage.getItem('sift.apiKey')") == key

        # The next question goes with the stored key: no form.
        page.ask("what do plants need from the air")
        assert page.wait_done() == "done"
        assert page.js("return document.querySelectorAll('dialog.key-dialog').length") == 0

        # The key was in headers only: never in the page's address or a requested URL.
        urls = page.js("return [location.href, ...performance.getEntriesByType('resource').map(e => e.name)]")
        assert any("/v1/queries" in u for u in urls), urls
        assert not any(key in u for u in urls), urls
        page.healthy()
        status, _, body = daemon.get("/metrics", headers={"Authorization": f"Bearer {watcher}"})
        assert status == 200
        requests = [line for line in body.decode().splitlines() if line.startswith('sift_key_requests_total{key="browser"}')]
        assert requests and float(requests[0].rsplit(" ", 1)[1]) >= 4, requests
    finally:
        driver.quit()
        daemon.stop()
