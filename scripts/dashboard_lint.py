#!/usr/bin/env python3
"""Lints dashboards/siftd.json and the rules Prometheus loaded against a live
Prometheus that scrapes a live siftd.

    python3 scripts/dashboard_lint.py --prometheus http://127.0.0.1:9090 \\
        --metrics http://127.0.0.1:8080/metrics

What it requires, expression by expression (template variables substituted
first; see `substitute`):

- every dashboard target and template-variable query parses in Prometheus and
  returns data: at least one series, and for a panel at least one finite value
  (NaN alone is an empty panel);
- every recording rule is healthy, its expression parses and returns at least
  one finite value, and its recorded series exists in Prometheus;
- every alert rule is healthy and its expression parses; alert conditions are
  not expected to hold (a healthy daemon fires nothing), so instead each vector
  selector inside the expression must return at least one series; every alert
  has `for:`, a severity label (critical, warning or info), summary and
  description annotations, and runbook_url `dashboards/runbook.md#<alert name in
  lower case>` whose anchor is a heading of dashboards/runbook.md;
- every metric name any of these uses is a sample name in siftd's /metrics
  (histograms as `_bucket`, `_sum`, `_count`), a series Prometheus makes itself
  (`up`, `scrape_*`, `ALERTS`), or a recording rule whose own expression
  resolves to such names.

A siftd that does not use a feature (no language model, no web provider) has
no data for it: `allow_empty` names the panels (by title), rules (by name) and
metrics that may then be empty or missing, each with the reason. Everything
else is still checked for them (parsing, health, the alerts' metadata), and a
name in `allow_empty` that is none of these is a problem itself.

`lint()` returns the problems as strings, empty when all is well; the command
prints them and exits 1 when there are any. Standard library only.
"""
import argparse
import json
import math
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
DASHBOARD = os.path.join(ROOT, "dashboards", "siftd.json")
RUNBOOK = os.path.join(ROOT, "dashboards", "runbook.md")
RUNBOOK_URL_PREFIX = "dashboards/runbook.md#"

# Series Prometheus writes itself, not siftd.
PROMETHEUS_SERIES = {
    "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling",
    "scrape_series_added", "ALERTS", "ALERTS_FOR_STATE",
}
SEVERITIES = {"critical", "warning", "info"}

# What Grafana puts in for its built-in variables. $__rate_interval is
# max(4 × scrape interval, $__interval + scrape interval): 1m for the usual 15 s.
BUILTINS = {
    "__rate_interval": "1m", "__interval": "15s", "__interval_ms": "15000", "__range": "1h", "__range_s": "3600",
    "__range_ms": "3600000",
}


# ---------------------------------------------------------------- PromQL lexing

AGGREGATIONS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile",
}
KEYWORDS = {"and", "or", "unless", "atan2", "bool", "offset", "inf", "nan"}
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}

_TOKEN = re.compile(r"""
    (?P<space>\s+|\#[^\n]*)
  | (?P<string>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`)
  | (?P<number>0[xX][0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?(?:ms|[smhdwy])?(?:[0-9]+(?:ms|[smhdwy]))*)
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<punct>[(){}\[\],@])
  | (?P<op>=~|!~|!=|==|>=|<=|[-+*/%^=<>])
""", re.X)


def tokens(expr):
    """PromQL tokens as (kind, text, start, end); raises ValueError on a character PromQL has no use for."""
    out, pos = [], 0
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m:
            raise ValueError(f"unexpected {expr[pos]!r} at {pos} in {expr!r}")
        if m.lastgroup != "space":
            out.append((m.lastgroup, m.group(), m.start(), m.end()))
        pos = m.end()
    return out


def _closing(toks, i):
    """Index of the bracket closing the one at toks[i]."""
    pairs = {"(": ")", "{": "}", "[": "]"}
    opening, depth = toks[i][1], 0
    for j in range(i, len(toks)):
        if toks[j][1] == opening:
            depth += 1
        elif toks[j][1] == pairs[opening]:
            depth -= 1
            if depth == 0:
                return j
    raise ValueError("unbalanced brackets")


def selectors(expr):
    """The vector selectors of `expr` as (metric name or None, selector text), in order.

    A metric name is an identifier that is not a function call, an aggregation,
    a keyword or a label name inside braces or a grouping list."""
    toks = tokens(expr)
    found, i = [], 0
    while i < len(toks):
        kind, text, start, end = toks[i]
        following = toks[i + 1][1] if i + 1 < len(toks) else None
        if kind == "ident" and text.lower() in GROUPING:
            i += 1
            if i < len(toks) and toks[i][1] == "(":
                i = _closing(toks, i) + 1
            continue
        if kind == "ident" and (following == "(" or text in AGGREGATIONS or text.lower() in KEYWORDS):
            i += 1
            continue
        if kind == "ident" or (kind == "punct" and text == "{"):
            name = text if kind == "ident" else None
            j = i + 1 if kind == "ident" else i
            stop = end
            if j < len(toks) and toks[j][1] == "{":
                close = _closing(toks, j)
                stop = toks[close][3]
                if name is None:
                    m = re.search(r'__name__\s*=\s*"([^"]*)"', expr[toks[j][2]:stop])
                    name = m.group(1) if m else None
                j = close + 1
            found.append((name, expr[start:stop]))
            i = j
            continue
        if kind == "punct" and text == "[":
            i = _closing(toks, i) + 1
            continue
        i += 1
    return found


def metric_names(expr):
    return {name for name, _ in selectors(expr) if name}


# ------------------------------------------------------------------ the lint

def http_get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


class PrometheusAPI:
    def __init__(self, base, fetch):
        self.base = base.rstrip("/")
        self.fetch = fetch

    def get(self, path, params=()):
        url = self.base + path + ("?" + urllib.parse.urlencode(list(params)) if params else "")
        try:
            body = self.fetch(url)
        except urllib.error.HTTPError as error:
            body = error.read()
        answer = json.loads(body)
        if answer.get("status") != "success":
            raise QueryError(f'{answer.get("errorType", "error")}: {answer.get("error", answer)}')
        return answer["data"]

    def query(self, expr):
        return self.get("/api/v1/query", [("query", expr)])


class QueryError(Exception):
    pass


def has_series(data):
    return data["resultType"] in ("vector", "matrix") and bool(data["result"]) or data["resultType"] in ("scalar", "string")


def has_finite_value(data):
    if data["resultType"] == "scalar":
        values = [data["result"][1]]
    elif data["resultType"] == "vector":
        values = [sample["value"][1] for sample in data["result"]]
    elif data["resultType"] == "matrix":
        values = [value for series in data["result"] for _, value in series["values"]]
    else:
        return True
    return any(math.isfinite(float(v)) for v in values)


def exported_names(metrics_text):
    """Sample names in a Prometheus text exposition."""
    names = set()
    for line in metrics_text.splitlines():
        if line and not line.startswith("#"):
            names.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group())
    return names


def runbook_anchors(markdown):
    """GitHub-style anchors of the Markdown headings."""
    anchors = set()
    for line in markdown.splitlines():
        m = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            text = re.sub(r"[`*_]", "", m.group(1)).strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return anchors


def _regex_escape(value):
    return re.sub(r"([\\^$.|?*+()\[\]{}])", r"\\\1", value)


def substitute(expr, variables):
    """Puts template variables into `expr` the way Grafana's Prometheus data source
    does: $name, ${name}, ${name:raw} and [[name]]; several values as (a|b)."""
    def value(name):
        if name in BUILTINS:
            return BUILTINS[name]
        if name not in variables:
            raise KeyError(name)
        return variables[name]

    expr = re.sub(r"\$\{(\w+)(?::\w+)?\}", lambda m: value(m.group(1)), expr)
    expr = re.sub(r"\[\[(\w+)\]\]", lambda m: value(m.group(1)), expr)
    return re.sub(r"\$(\w+)", lambda m: value(m.group(1)), expr)


def _variable_query(variable):
    query = variable.get("query")
    return query.get("query", "") if isinstance(query, dict) else (query or "")


def _resolve_variable(api, variable, query):
    """The values a query variable offers, by Grafana's Prometheus variable functions."""
    m = re.fullmatch(r"\s*label_values\(\s*(?:(.+?)\s*,\s*)?(\w+)\s*\)\s*", query, re.S)
    if m:
        selector, label = m.groups()
        if selector:
            series = api.get("/api/v1/series", [("match[]", selector), ("start", str(time.time() - 3600))])
            values = sorted({s[label] for s in series if label in s})
        else:
            values = api.get(f"/api/v1/label/{label}/values")
        return values, ([selector] if selector else [])
    m = re.fullmatch(r"\s*query_result\((.+)\)\s*", query, re.S)
    if m:
        data = api.query(m.group(1))
        return [json.dumps(s["metric"]) for s in data["result"]], [m.group(1)]
    raise QueryError(f"unsupported variable query {query!r} (label_values or query_result)")


def _panels(panels):
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


def lint(prometheus_url, siftd_metrics_url, dashboard=DASHBOARD, runbook=RUNBOOK, allow_empty=None, fetch=http_get):
    """Problems found, as strings; empty when the dashboard and the rules are sound.

    `allow_empty` maps a panel title, a rule name or a metric name to the
    reason it may have no data (a feature the linted siftd does not use); `fetch(url) -> bytes` does the HTTP
    GETs (replace it to reach a Prometheus in another network namespace)."""
    allow_empty = dict(allow_empty or {})
    problems = []
    api = PrometheusAPI(prometheus_url, fetch)
    exported = exported_names(fetch(siftd_metrics_url).decode())
    if not exported:
        return [f"{siftd_metrics_url} has no samples"]
    with open(dashboard) as f:
        board = json.load(f)
    with open(runbook) as f:
        anchors = runbook_anchors(f.read())

    rules = [rule for group in api.get("/api/v1/rules")["groups"] for rule in group["rules"]]
    if not rules:
        problems.append("Prometheus has loaded no rules (rule_files: dashboards/siftd.rules.yml)")
    recorded = {rule["name"]: rule["query"] for rule in rules if rule["type"] == "recording"}
    uses = []  # (where, expression) whose metric names must exist

    # Template variables, in order: later ones may use earlier ones.
    variables = {}
    for variable in board.get("templating", {}).get("list", []):
        name, kind = variable["name"], variable.get("type")
        where = f"variable ${name}"
        if kind == "datasource":
            if variable.get("query") != "prometheus":
                problems.append(f"{where}: a data source variable of type {variable.get('query')!r}, not prometheus")
            variables[name] = name
            continue
        if kind != "query":
            continue
        try:
            query = substitute(_variable_query(variable), variables)
            values, exprs = _resolve_variable(api, variable, query)
        except (QueryError, KeyError) as error:
            problems.append(f"{where}: {error}")
            continue
        uses += [(where, e) for e in exprs]
        if variable.get("regex"):
            pattern = re.compile(variable["regex"])
            values = [v for v in values if pattern.search(v)]
        if not values:
            problems.append(f"{where}: {query!r} offers no value")
            continue
        if variable.get("includeAll") and variable.get("allValue"):
            variables[name] = variable["allValue"]
        elif len(values) == 1:
            variables[name] = _regex_escape(values[0]) if variable.get("multi") or variable.get("includeAll") else values[0]
        else:
            variables[name] = "(" + "|".join(_regex_escape(v) for v in values) + ")"

    # Panels.
    known = set()
    for panel in _panels(board.get("panels", [])):
        if panel.get("type") == "row":
            continue
        title = panel.get("title", f"panel {panel.get('id')}")
        known.add(title)
        if panel.get("datasource", {}).get("uid") != "${datasource}":
            problems.append(f"panel {title!r}: its data source is not ${{datasource}}")
        if panel.get("type") in ("timeseries", "stat", "gauge", "bargauge") and not panel.get(
                "fieldConfig", {}).get("defaults", {}).get("unit"):
            problems.append(f"panel {title!r}: no unit")
        targets = panel.get("targets", [])
        if not targets:
            problems.append(f"panel {title!r}: no query")
        for target in targets:
            where = f"panel {title!r} query {target.get('refId', '?')}"
            try:
                expr = substitute(target.get("expr", ""), variables)
            except KeyError as error:
                problems.append(f"{where}: unknown variable ${error.args[0]}")
                continue
            uses.append((where, expr))
            try:
                data = api.query(expr)
            except QueryError as error:
                problems.append(f"{where}: {error}")
                continue
            if title in allow_empty:
                continue
            if not has_series(data):
                problems.append(f"{where}: no data for {expr}")
            elif not has_finite_value(data):
                problems.append(f"{where}: only NaN for {expr}")

    # Rules.
    for rule in rules:
        kind, name, expr = rule["type"], rule["name"], rule["query"]
        where = f"{'recording rule' if kind == 'recording' else 'alert'} {name}"
        uses.append((where, expr))
        known.add(name)
        if rule.get("health") not in ("ok", "unknown"):
            problems.append(f"{where}: health {rule.get('health')}: {rule.get('lastError')}")
        try:
            data = api.query(expr)
        except QueryError as error:
            problems.append(f"{where}: {error}")
            continue
        if kind == "recording":
            if name in allow_empty:
                continue
            if not has_series(data) or not has_finite_value(data):
                problems.append(f"{where}: its expression returns no finite value: {expr}")
            try:
                if not has_series(api.query(name)):
                    problems.append(f"{where}: Prometheus has not recorded it")
            except QueryError as error:
                problems.append(f"{where}: {error}")
            continue
        for _, selector in selectors(expr) if name not in allow_empty else ():
            try:
                if not has_series(api.query(selector)):
                    problems.append(f"{where}: the selector {selector} returns no series")
            except QueryError as error:
                problems.append(f"{where}: {selector}: {error}")
        if not rule.get("duration"):
            problems.append(f"{where}: no for:")
        if rule.get("labels", {}).get("severity") not in SEVERITIES:
            problems.append(f"{where}: severity label {rule.get('labels', {}).get('severity')!r} is not one of {sorted(SEVERITIES)}")
        annotations = rule.get("annotations", {})
        for key in ("summary", "description"):
            if not annotations.get(key, "").strip():
                problems.append(f"{where}: no {key} annotation")
        url = annotations.get("runbook_url", "")
        if url != RUNBOOK_URL_PREFIX + name.lower():
            problems.append(f"{where}: runbook_url {url!r} is not {RUNBOOK_URL_PREFIX + name.lower()!r}")
        elif name.lower() not in anchors:
            shown = os.path.relpath(runbook, ROOT) if os.path.abspath(runbook).startswith(ROOT + os.sep) else runbook
            problems.append(f"{where}: {shown} has no heading for #{name.lower()}")

    # Metric names, with recording rules resolved to what they read.
    def sources(metric, seen=()):
        if metric in recorded and metric not in seen:
            return set().union(*(sources(m, seen + (metric,)) for m in metric_names(recorded[metric])))
        return {metric}

    missing = {}
    for where, expr in uses:
        try:
            names = metric_names(expr)
        except ValueError as error:
            problems.append(f"{where}: {error}")
            continue
        known.update(names)
        for name in names:
            if ":" in name and name not in recorded:
                missing.setdefault(f"{name} (no such recording rule)", []).append(where)
                continue
            for source in sources(name):
                known.add(source)
                if source not in exported and source not in PROMETHEUS_SERIES and source not in allow_empty:
                    missing.setdefault(f"{source} (not in {siftd_metrics_url})", []).append(where)
    for name, wheres in sorted(missing.items()):
        problems.append(f"metric {name}, used by {', '.join(sorted(set(wheres)))}")
    for name in allow_empty:
        if name not in known:
            problems.append(f"allow_empty names {name!r}, which is no panel, rule or metric the dashboard or the rules use")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prometheus", required=True, help="Prometheus base URL, e.g. http://127.0.0.1:9090")
    parser.add_argument("--metrics", required=True, help="siftd's /metrics URL, e.g. http://127.0.0.1:8080/metrics")
    parser.add_argument("--dashboard", default=DASHBOARD)
    parser.add_argument("--runbook", default=RUNBOOK)
    parser.add_argument("--allow-empty", action="append", default=[], metavar="TITLE=REASON",
                        help="a panel title, rule name or metric name that may have no data, and why (repeatable)")
    args = parser.parse_args(argv)
    allow = {}
    for item in args.allow_empty:
        title, _, reason = item.partition("=")
        if not reason.strip():
            parser.error(f"--allow-empty {item!r}: give a reason after '='")
        allow[title] = reason
    problems = lint(args.prometheus, args.metrics, args.dashboard, args.runbook, allow)
    for problem in problems:
        print(problem)
    print(f"dashboard-lint: {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
