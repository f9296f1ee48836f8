// The browser client's files. Plain HTML, CSS and an ES module: no framework,
// no build step. Kept as Swift literals so the daemon is one self-contained binary.

enum BrowserAssets {
    static let indexHTML = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        <title>Sift</title>
        <link rel="stylesheet" href="/app.css">
        <script type="module" src="/app.js"></script>
        </head>
        <body>
        <header><h1>Sift</h1><p class="tagline">Ask a question; watch the answer being built from its sources.</p></header>
        <main>
          <form id="ask" role="search">
            <label for="q" class="visually-hidden">Question</label>
            <input id="q" name="q" type="search" placeholder="what is photosynthesis" autocomplete="off" required maxlength="2000">
            <button id="go" type="submit">Ask</button>
            <button id="stop" type="button" disabled>Cancel</button>
          </form>
          <ol id="steps" aria-live="polite" aria-label="Progress"></ol>
          <div id="notices" role="status" aria-live="polite"></div>
          <section aria-labelledby="answer-h"><h2 id="answer-h">Answer</h2><p id="answer" aria-live="off"></p></section>
          <section aria-labelledby="sources-h"><h2 id="sources-h">Sources</h2><ol id="sources"></ol></section>
          <p id="figures"></p>
        </main>
        </body>
        </html>
        """#

    static let appCSS = #"""
        :root { font-family: system-ui, sans-serif; line-height: 1.5; --muted: #666; --accent: #2458c6; --hl: #fff3b0; }
        @media (prefers-color-scheme: dark) { :root { --muted: #aaa; --accent: #8fb0ff; --hl: #5a4d00; } }
        body { max-width: 52rem; margin: 0 auto; padding: 1rem; }
        h1 { margin: 0; } .tagline { color: var(--muted); margin-top: 0; }
        form { display: flex; gap: .5rem; flex-wrap: wrap; }
        input[type=search] { flex: 1 1 16rem; font-size: 1.1rem; padding: .4rem; }
        button { font-size: 1rem; padding: .4rem .9rem; }
        #steps { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .3rem 1rem; color: var(--muted); }
        #steps li.active { color: inherit; font-weight: 600; }
        #steps li .ms { font-variant-numeric: tabular-nums; margin-left: .3rem; }
        #answer { white-space: pre-wrap; font-size: 1.1rem; min-height: 1.5rem; }
        a.cite { text-decoration: none; font-size: .8em; vertical-align: super; color: var(--accent); }
        #sources li { margin-bottom: .6rem; } #sources li.hl { background: var(--hl); }
        #sources .meta { color: var(--muted); font-size: .85rem; }
        #notices p { margin: .3rem 0; } #notices .error { color: #c0392b; } #notices .warning { color: #b9770e; }
        #figures { color: var(--muted); font-size: .85rem; font-variant-numeric: tabular-nums; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
        """#

    static let appJS = #"""
        // Sift's minimal streaming client. Every server string is set with textContent.
        const $ = (id) => document.getElementById(id);
        let source = null;
        let pending = "";
        let scheduled = false;

        function el(tag, text, cls) {
          const node = document.createElement(tag);
          if (text !== undefined) node.textContent = text;
          if (cls) node.className = cls;
          return node;
        }

        // Appends answer text in animation-frame batches; [n] becomes a link to source n.
        function flush() {
          scheduled = false;
          const answer = $("answer");
          const parts = pending.split(/(\[\d+\])/);
          // Keep an incomplete trailing "[12" for the next frame.
          const tail = parts.length && /\[\d*$/.test(parts[parts.length - 1]) ? parts.pop() : "";
          pending = tail;
          for (const part of parts) {
            const m = /^\[(\d+)\]$/.exec(part);
            if (m) {
              const a = el("a", part, "cite");
              a.href = "#source-" + m[1];
              a.addEventListener("click", () => highlight(m[1]));
              answer.append(a);
            } else if (part) {
              answer.append(document.createTextNode(part));
            }
          }
        }

        function highlight(n) {
          for (const li of document.querySelectorAll("#sources li.hl")) li.classList.remove("hl");
          const li = $("source-" + n);
          if (li) li.classList.add("hl");
        }

        function step(stage, message, ms) {
          for (const li of document.querySelectorAll("#steps li.active")) li.classList.remove("active");
          const li = el("li", message, "active");
          li.dataset.stage = stage;
          li.append(el("span", ms.toFixed(1) + " ms", "ms"));
          $("steps").append(li);
        }

        function notice(kind, text) { $("notices").append(el("p", text, kind)); }

        function addSource(s) {
          const li = el("li");
          li.id = "source-" + s.n;
          const link = el("a", s.title || s.url);
          if (/^https?:\/\//.test(s.url)) { link.href = s.url; link.rel = "noopener noreferrer"; link.target = "_blank"; }
          li.append(link, el("div", (s.collection ? s.collection + " · " : "") + s.providers.join(", "), "meta"), el("div", s.snippet));
          li.value = s.n;
          $("sources").append(li);
        }

        function finish() {
          if (source) { source.close(); source = null; }
          $("go").disabled = false;
          $("stop").disabled = true;
          if (pending) flush();
        }

        function ask(q) {
          finish();
          for (const id of ["steps", "notices", "answer", "sources", "figures"]) $(id).replaceChildren();
          pending = "";
          $("go").disabled = true;
          $("stop").disabled = false;
          source = new EventSource("/v1/answer/stream?q=" + encodeURIComponent(q));
          const on = (type, fn) => source.addEventListener(type, (e) => fn(JSON.parse(e.data)));
          on("status", (d) => step(d.stage, d.message, d.elapsed_ms));
          on("query", (d) => { if (d.focus) notice("info", "About: " + d.focus); });
          on("source", addSource);
          on("ranked", (d) => step("ranked", d.passages.length + " passages ranked", d.elapsed_ms));
          // Compare-mode lanes (deltas with a model) are not shown yet; the merged answer is.
          on("delta", (d) => { if (d.model) return; pending += d.text; if (!scheduled) { scheduled = true; requestAnimationFrame(flush); } });
          on("lane", (d) => step("lane", d.model + ": " + d.state, d.elapsed_ms));
          on("warning", (d) => notice("warning", d.message));
          on("error", (d) => notice("error", d.message));
          on("metrics", (d) => {
            $("figures").textContent = `first status ${d.first_status_ms} ms · first source ${d.first_source_ms ?? "–"} ms · first word ${d.first_delta_ms ?? "–"} ms · total ${d.total_ms} ms`;
          });
          on("done", (d) => { step("done", "Done (" + d.outcome + ")", d.elapsed_ms); finish(); });
          source.onerror = () => { if (source) { notice("error", "The connection to Sift was lost. Ask again."); finish(); } };
        }

        document.addEventListener("DOMContentLoaded", () => {
          $("ask").addEventListener("submit", (e) => { e.preventDefault(); const q = $("q").value.trim(); if (q) ask(q); });
          $("stop").addEventListener("click", () => { notice("warning", "Cancelled."); finish(); });
          const q = new URLSearchParams(location.search).get("q");
          if (q) { $("q").value = q; ask(q); }
        });
        """#
}
