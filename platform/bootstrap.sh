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
python3 -c 'import ensurepip, venv' 2>/dev/null || wanted+=(python3-venv)
# poppler-utils: the report tests read the PDFs back with pdftotext; gettext: the
# translation tests check the catalogues with msgfmt and extract the code's texts with
# xgettext (without it they would be skipped, and a missing translation would land).
[ "$mode" = test ] && wanted+=(chromium poppler-utils gettext)

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
  python3 -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing Python packages from requirements.txt"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r requirements.txt
  echo "$want" > "$stamp"
fi
