#!/usr/bin/env bash
# Install what Plaza needs on a Debian or Ubuntu machine, then stop: system packages
# through apt (with sudo when not root) and Python packages in .venv/.
# Idempotent and quick when everything is there: `make run` and `make test` call it
# every time.   Usage: platform/bootstrap.sh run|test
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}

say() { printf '\033[1mplaza:\033[0m %s\n' "$*"; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# Plaza needs Python 3.11 or newer (Debian 12 has 3.11, Ubuntu 24.04 3.12; Ubuntu 22.04
# has 3.10 as python3, and python3.11 as a package of its own). PYTHON names another one.
python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  found="not installed"
  command -v "$python" >/dev/null && found=$("$python" --version 2>&1)
  say "Plaza needs Python 3.11 or newer; $python here is: $found."
  say "On Ubuntu 22.04: sudo apt-get install python3.11 python3.11-venv, then" \
      "PYTHON=python3.11 make $mode (or run Debian 12 or Ubuntu 24.04)."
  exit 1
fi
if [ -x .venv/bin/python ] && ! .venv/bin/python -c \
    'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  say ".venv/ was made with an older Python: remove it (make clean) and run again."
  exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { say "apt needs root: install sudo or run as root."; exit 1; }
  sudo="sudo"
fi

# ---- system packages -------------------------------------------------------------
# GeoDjango loads GDAL, GEOS and PROJ through ctypes: gdal-bin brings the libraries,
# proj-data the datum grids that correct transformations need (PROJ's network is off).
wanted=(postgresql postgresql-contrib redis-server gdal-bin proj-data ca-certificates)
# Decision reports: WeasyPrint lays PDFs out with Pango (and subsets fonts with HarfBuzz);
# the PDFs, maps and charts use the DejaVu fonts, so reports build the same everywhere.
wanted+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
"$python" -c 'import ensurepip, venv' 2>/dev/null || wanted+=("$(basename "$python")-venv")
# poppler-utils: the report tests read the PDFs back with pdftotext; gettext: the
# translation tests check the catalogues with msgfmt and extract the code's texts with
# xgettext (without it they would be skipped, and a missing translation would land).
[ "$mode" = test ] && wanted+=(poppler-utils gettext)

# The browser tests' Chromium. Debian packages it (/usr/bin/chromium). Ubuntu ships it
# only as a snap: its chromium .deb is a stand-in that installs the snap, which does not
# run without snapd (containers, CI). There, and wherever apt has no real chromium, the
# headless Chromium of the npm package @sparticuz/chromium is unpacked into var/chromium/
# (see below); npm is only used to fetch it. PLAZA_CHROMIUM=deb or npm chooses.
if [ "$mode" = test ]; then
  if [ -z "${PLAZA_CHROMIUM:-}" ]; then
    ls /var/lib/apt/lists/*Packages >/dev/null 2>&1 || $sudo apt-get update -qq
    candidate=$(apt-cache policy chromium 2>/dev/null | awk '/Candidate:/ {print $2}')
    case "$candidate" in
      ""|"(none)"|*snap*) PLAZA_CHROMIUM=npm ;;
      *) PLAZA_CHROMIUM=deb ;;
    esac
  fi
  if [ "$PLAZA_CHROMIUM" = deb ]; then wanted+=(chromium)
  else command -v npm >/dev/null || wanted+=(npm); fi
fi

pg_version() {  # the PostgreSQL major version installed, or the one apt would install
  local v
  v=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
  [ -n "$v" ] || v=$(apt-cache depends postgresql 2>/dev/null \
                    | sed -n 's/.*Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | head -n 1)
  echo "$v"
}

missing=()
for p in "${wanted[@]}"; do installed "$p" || missing+=("$p"); done
v=$(pg_version)
if [ -z "$v" ] || ! installed "postgresql-$v-postgis-3" || [ ${#missing[@]} -gt 0 ]; then
  say "installing system packages: ${missing[*]:-} postgis"
  $sudo apt-get update -qq
  v=$(pg_version)
  [ -n "$v" ] || { say "apt knows no PostgreSQL package: is this Debian or Ubuntu?"; exit 1; }
  missing+=("postgresql-$v-postgis-3")
  # The postgresql package starts the distribution's own cluster where it can; Plaza
  # does not use it (it runs a private one under var/), so its policy does not matter.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# ---- Python packages --------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  say "creating the virtualenv in .venv/"
  "$python" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing Python packages from requirements.txt"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r requirements.txt
  echo "$want" > "$stamp"
fi

# ---- Chromium from the npm registry (where apt has no real chromium) ------------------
# @sparticuz/chromium (MIT; Chromium itself is BSD-licensed) carries a headless Chromium
# built to need nothing but glibc, with its NSS libraries beside it, Brotli-packed. `npm
# pack` fetches the tarball (no scripts run); the brotli module of .venv unpacks it.
if [ "$mode" = test ] && [ "$PLAZA_CHROMIUM" = npm ]; then
  version=153.0.0
  dir=var/chromium
  if [ "$(cat "$dir/.version" 2>/dev/null)" != "$version" ] || [ ! -x "$dir/chromium" ]; then
    say "unpacking a headless Chromium from the npm package @sparticuz/chromium@$version"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && npm pack --silent --ignore-scripts "@sparticuz/chromium@$version" >/dev/null)
    rm -rf "$dir"
    .venv/bin/python - "$tmp/sparticuz-chromium-$version.tgz" "$dir" <<'UNPACK'
import io, os, sys, tarfile
from pathlib import Path

import brotli

tgz, out = sys.argv[1], Path(sys.argv[2])
(out / "lib").mkdir(parents=True)
with tarfile.open(tgz) as package:
    def member(name):
        return brotli.decompress(package.extractfile(f"package/bin/{name}").read())

    binary = out / "headless_shell"
    binary.write_bytes(member("chromium.br"))
    binary.chmod(0o755)
    with tarfile.open(fileobj=io.BytesIO(member("al2023.tar.br"))) as libs:
        for lib in libs.getmembers():
            if lib.isfile() and lib.name.startswith("lib/") and "/" not in lib.name[4:]:
                (out / lib.name).write_bytes(libs.extractfile(lib).read())
wrapper = out / "chromium"
wrapper.write_text('#!/bin/sh\n'
                   '# The headless Chromium of @sparticuz/chromium, with its NSS libraries.\n'
                   'here=$(dirname "$(readlink -f "$0")")\n'
                   'LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" '
                   'exec "$here/headless_shell" "$@"\n')
wrapper.chmod(0o755)
UNPACK
    echo "$version" > "$dir/.version"
  fi
fi
