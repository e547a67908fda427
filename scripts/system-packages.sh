#!/usr/bin/env bash
# Debian/Ubuntu packages the gateway and its tests need. Installs what is missing when run as root.
set -euo pipefail
packages=(python3 python3-venv python3-dev build-essential redis-server postgresql chromium fonts-wqy-microhei nodejs
          kamailio baresip sip-tester espeak-ng sox  # this line: the SIP hotline, its test peers and prompts
          dovecot-imapd  # the IMAP server the mail channel's tests start as their own process
          pgbouncer)  # the pooler in transaction mode the store's tests put between the gateway and PostgreSQL
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v npm >/dev/null || missing+=(npm)  # Debian ships npm apart from nodejs; other builds bundle it
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
# kamailio's package starts a system service on 5060; the gateway runs its own dispatcher instead
if [[ " ${missing[*]} " == *" kamailio "* ]] && command -v systemctl >/dev/null; then systemctl disable --now kamailio 2>/dev/null || true; fi
# dovecot-imapd's package may start a system service on 143/993; the tests run their own on a free port
if [[ " ${missing[*]} " == *" dovecot-imapd "* ]] && command -v systemctl >/dev/null; then systemctl disable --now dovecot 2>/dev/null || true; fi
# pgbouncer's package may start a system service on 6432; the tests run their own on a free port
if [[ " ${missing[*]} " == *" pgbouncer "* ]] && command -v systemctl >/dev/null; then systemctl disable --now pgbouncer 2>/dev/null || true; fi
# Debian starts a system Redis and PostgreSQL on install; the tests start their own Redis and use
# PostgreSQL at 127.0.0.1:5432 when it accepts trust logins, else scripts/test-postgres.sh starts one.
