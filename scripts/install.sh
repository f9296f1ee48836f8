#!/usr/bin/env bash
# make install: puts siftd, its unit, config samples, docs and the Wikipedia
# summaries in place. Honours DESTDIR (staging root) and PREFIX; the unit is
# rewritten to name the installed paths. Never overwrites an operator's config.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BIN:?BIN: the siftd binary to install}"
PREFIX=${PREFIX:-/usr/local}
SYSCONFDIR=${SYSCONFDIR:-/etc}
UNITDIR=${UNITDIR:-$SYSCONFDIR/systemd/system}
DESTDIR=${DESTDIR:-}
DATA_DIR=${DATA_DIR:-$HOME/.local/share/siftd}

install -D -m 0755 "$BIN" "$DESTDIR$PREFIX/bin/siftd"
mkdir -p "$DESTDIR$UNITDIR"
for unit in siftd.service siftd.socket siftd@.service; do
  sed -e "s|/usr/local/bin/siftd|$PREFIX/bin/siftd|g" \
      -e "s|/usr/local/share/siftd|$PREFIX/share/siftd|g" \
      -e "s|/usr/local/share/doc/siftd|$PREFIX/share/doc/siftd|g" \
      -e "s|/etc/siftd/|$SYSCONFDIR/siftd/|g" \
      "systemd/$unit" > "$DESTDIR$UNITDIR/$unit"
  chmod 0644 "$DESTDIR$UNITDIR/$unit"
done

doc="$DESTDIR$PREFIX/share/doc/siftd"
install -D -m 0644 systemd/README.md "$doc/README.md"
for file in siftd.toml.example siftd.env.example; do install -D -m 0644 "systemd/$file" "$doc/$file"; done
for file in docs/*.md; do install -D -m 0644 "$file" "$doc/$(basename "$file")"; done
# Samples the docs refer to (docs/scaling.md: the nginx load balancer in front of siftd@ replicas).
for file in docs/examples/*; do install -D -m 0644 "$file" "$doc/examples/$(basename "$file")"; done
# dashboards/ with its subfolders (the rule tests), structure kept.
while IFS= read -r -d '' file; do
  install -D -m 0644 "$file" "$DESTDIR$PREFIX/share/siftd/$file"
done < <(find dashboards -type f -print0)
# The dashboard lint, beside them as in the repository, so it finds ../dashboards/.
install -D -m 0755 scripts/dashboard_lint.py "$DESTDIR$PREFIX/share/siftd/scripts/dashboard_lint.py"

# The config directory with the samples; an existing siftd.toml or siftd.env is left alone.
install -d -m 0755 "$DESTDIR$SYSCONFDIR/siftd"
[[ -e $DESTDIR$SYSCONFDIR/siftd/siftd.toml ]] || install -m 0644 systemd/siftd.toml.example "$DESTDIR$SYSCONFDIR/siftd/siftd.toml"
[[ -e $DESTDIR$SYSCONFDIR/siftd/siftd.env ]] || install -m 0600 systemd/siftd.env.example "$DESTDIR$SYSCONFDIR/siftd/siftd.env"

wiki="$DATA_DIR/wiki/summaries_en-us.json"
if [[ -s $wiki ]]; then
  install -D -m 0644 "$wiki" "$DESTDIR$PREFIX/share/siftd/wiki/summaries_en-us.json"
else
  echo "install: $wiki is missing (make kb-sources fetches it); siftd will index without Wikipedia" >&2
fi
echo "install: siftd in $DESTDIR$PREFIX/bin, units in $DESTDIR$UNITDIR; next: systemctl daemon-reload && systemctl enable --now siftd.socket (or siftd; or replicas siftd@8081 siftd@8082 with PostgreSQL: $PREFIX/share/doc/siftd/scaling.md)" >&2
