#!/usr/bin/env bash
# Install what the browser tests need, idempotently:
#   - Debian's chromium and fonts-noto-cjk (Japanese renders in screenshots),
#     via apt, when run as root and they are missing;
#   - axe-core 4 from npm into <repo>/.cache/axe-core, so tests can read
#     .cache/axe-core/node_modules/axe-core/axe.min.js
#   - the Nu Html Checker (vnu-jar from npm) into <repo>/.cache/vnu-jar, and a Java
#     runtime for it (apt) when none is there (tests/reliability/test_html_validity.py)
# Skippable: OPENLAB_SKIP_BROWSER=1 does nothing; OPENLAB_SKIP_APT=1 skips the
# apt part. Never fails because of a missing optional piece when not root:
# it says what it did and what is missing (the tests then skip).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AXE_PREFIX="$REPO_ROOT/.cache/axe-core"
AXE_JS="$AXE_PREFIX/node_modules/axe-core/axe.min.js"
AXE_SPEC="${OPENLAB_AXE_SPEC:-axe-core@4}"
VNU_PREFIX="$REPO_ROOT/.cache/vnu-jar"
VNU_JAR="$VNU_PREFIX/node_modules/vnu-jar/build/dist/vnu.jar"
VNU_SPEC="${OPENLAB_VNU_SPEC:-vnu-jar@26.9.27}"

log() { echo "[browser] $*" >&2; }
did=()

if [ "${OPENLAB_SKIP_BROWSER:-0}" = "1" ]; then
    log "OPENLAB_SKIP_BROWSER=1: skipping chromium, fonts and axe-core"
    exit 0
fi

pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

apt_updated=0
apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    if [ "$apt_updated" -eq 0 ]; then
        log "apt-get update"
        apt-get update -qq
        apt_updated=1
    fi
    log "apt-get install $*"
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ---------------------------------------------------------------- apt packages

missing=()
for p in chromium fonts-noto-cjk; do
    pkg_installed "$p" || missing+=("$p")
done
# npm for axe-core (nodesource's nodejs ships npm; Debian splits it out).
command -v npm >/dev/null 2>&1 || missing+=(npm)
# Java for the Nu Html Checker.
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)

if [ "${#missing[@]}" -eq 0 ]; then
    did+=("chromium, fonts-noto-cjk and npm already installed")
elif [ "${OPENLAB_SKIP_APT:-0}" = "1" ]; then
    did+=("OPENLAB_SKIP_APT=1: not installing ${missing[*]}")
elif [ "$(id -u)" -ne 0 ]; then
    did+=("not root: not installing ${missing[*]} (run as root to install)")
else
    apt_install "${missing[@]}"
    did+=("installed ${missing[*]}")
fi

if command -v chromium >/dev/null 2>&1; then
    did+=("chromium: $(command -v chromium) ($(chromium --version 2>/dev/null | head -n 1 || echo 'version unknown'))")
else
    did+=("chromium: NOT available")
fi

# ---------------------------------------------------------------- axe-core

axe_version() {
    sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' \
        "$AXE_PREFIX/node_modules/axe-core/package.json" 2>/dev/null | head -n 1
}

if [ -s "$AXE_JS" ] && [ "$(axe_version | cut -d. -f1)" = "4" ]; then
    did+=("axe-core $(axe_version) already in ${AXE_JS#"$REPO_ROOT"/}")
elif ! command -v npm >/dev/null 2>&1; then
    did+=("axe-core: npm not available, NOT installed")
else
    mkdir -p "$AXE_PREFIX"
    log "npm install ${AXE_SPEC} into ${AXE_PREFIX#"$REPO_ROOT"/}"
    npm install --prefix "$AXE_PREFIX" --no-audit --no-fund --no-save \
        --loglevel=error "$AXE_SPEC" >&2
    [ -s "$AXE_JS" ] || { log "ERROR: npm finished but ${AXE_JS} is missing"; exit 1; }
    did+=("installed axe-core $(axe_version) into ${AXE_JS#"$REPO_ROOT"/}")
fi

# ---------------------------------------------------------------- the Nu Html Checker

vnu_version() {  # its package.json is one line
    node -p "require('$VNU_PREFIX/node_modules/vnu-jar/package.json').version" 2>/dev/null || true
}

if [ -s "$VNU_JAR" ] && [ "vnu-jar@$(vnu_version)" = "$VNU_SPEC" ]; then
    did+=("vnu-jar $(vnu_version) already in ${VNU_JAR#"$REPO_ROOT"/}")
elif ! command -v npm >/dev/null 2>&1; then
    did+=("vnu-jar: npm not available, NOT installed")
else
    mkdir -p "$VNU_PREFIX"
    log "npm install ${VNU_SPEC} into ${VNU_PREFIX#"$REPO_ROOT"/}"
    # --ignore-scripts: its postinstall would fetch a Java runtime from outside; the jar
    # itself is in the package, and Java comes from apt above.
    npm install --prefix "$VNU_PREFIX" --no-audit --no-fund --no-save --ignore-scripts \
        --loglevel=error "$VNU_SPEC" >&2
    [ -s "$VNU_JAR" ] || { log "ERROR: npm finished but ${VNU_JAR} is missing"; exit 1; }
    did+=("installed vnu-jar $(vnu_version) into ${VNU_JAR#"$REPO_ROOT"/}")
fi

for line in "${did[@]}"; do
    log "$line"
done
