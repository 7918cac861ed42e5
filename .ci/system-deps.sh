#!/usr/bin/env bash
# Installs the Debian packages the demo and the tests run for real (Prometheus and promtool,
# the DejaVu fonts the PDF report embeds, poppler-utils for PDF checks, Chromium for page
# screenshots, PostgreSQL's server for the PostgreSQL ledger's tests) when what they provide is
# missing.
# Usage: .ci/system-deps.sh PACKAGE...   (known: prometheus prometheus-alertmanager fonts-dejavu-core poppler-utils chromium postgresql)
set -euo pipefail

# What each package provides: a command, or a file (a path, which may be a glob pattern: Debian
# keeps PostgreSQL's server binaries, initdb among them, off PATH in a versioned folder).
declare -A provides=([prometheus]=promtool [poppler-utils]=pdftotext [chromium]=chromium
  [fonts-dejavu-core]=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
  [postgresql]='/usr/lib/postgresql/*/bin/initdb')
missing=()
for pkg in "$@"; do
  what=${provides[$pkg]:-$pkg}
  if [[ $what == /* ]]; then
    compgen -G "$what" >/dev/null || missing+=("$pkg")
  else
    command -v "$what" >/dev/null 2>&1 || missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "slo-ledger: missing system packages: ${missing[*]}" >&2
  echo "  install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "slo-ledger: missing ${missing[*]} and no apt-get here; install them with your package manager" >&2
  exit 1
fi
echo "slo-ledger: installing ${missing[*]} with apt-get …" >&2
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
