#!/usr/bin/env python3
"""Downloads one file of a PyPI release, checked against the index's sha256.

    pypi-fetch.py PROJECT FILENAME DEST_DIR

`pip download` would build an sdist's metadata (and its build dependencies)
before handing it over; this asks the simple index (PEP 691 JSON) for the
file's URL and hash instead, and prints the path it wrote.
"""
import hashlib
import json
import os
import sys
import urllib.request

project, filename, dest = sys.argv[1:4]
target = os.path.join(dest, filename)
index = os.environ.get("SIFT_PYPI_SIMPLE", "https://pypi.org/simple")
request = urllib.request.Request(
    f"{index}/{project}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
with urllib.request.urlopen(request, timeout=120) as response:
    files = json.load(response)["files"]
entry = next((f for f in files if f["filename"] == filename), None)
if entry is None:
    sys.exit(f"pypi-fetch: {project} has no file {filename} on {index}")
expected = entry["hashes"]["sha256"]


def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


if not (os.path.exists(target) and digest(target) == expected):
    os.makedirs(dest, exist_ok=True)
    partial = target + ".part"
    print(f"pypi-fetch: downloading {filename}", file=sys.stderr)
    with urllib.request.urlopen(entry["url"], timeout=600) as response, open(partial, "wb") as out:
        while block := response.read(1 << 20):
            out.write(block)
    if digest(partial) != expected:
        os.unlink(partial)
        sys.exit(f"pypi-fetch: {filename} does not match the index's sha256 {expected}")
    os.replace(partial, target)
print(target)
