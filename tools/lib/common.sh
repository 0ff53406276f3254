# Shared shell functions for tools/sandbox and tools/test. Sourced, not run.
# shellcheck shell=bash

MG_SRC=${MG_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
MG_PY=/usr/bin/python3   # Debian's python: sees python3-samba, impacket, exchangelib
# Service binaries live in sbin directories that a non-login shell may lack.
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

# Debian 12 packages the build, the sandbox and the tests need.
MG_PACKAGES=(
  build-essential autoconf automake libtool pkg-config g++ clang libclang-rt-14-dev
  ldb-tools samba samba-ad-dc samba-ad-provision samba-dsdb-modules samba-dev winbind ldap-utils krb5-user smbclient python3-samba
  libtalloc-dev libtevent-dev libldb-dev libmariadb-dev libldap-dev libssl-dev
  libical-dev libgmime-3.0-dev libboost-dev cpputest
  mariadb-server mariadb-client dovecot-imapd dovecot-lmtpd dovecot-ldap
  python3-impacket python3-exchangelib python3-pymysql python3-aiosmtpd
  iproute2 procps psmisc
)

mg_log() { printf '[mapigate] %s\n' "$*" >&2; }
mg_die() { printf '[mapigate] ERROR: %s\n' "$*" >&2; exit 1; }

mg_install_packages() {
  local missing=()
  local p
  for p in "${MG_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    mg_log "installing Debian packages: ${missing[*]}"
    [ "$(id -u)" = 0 ] || mg_die "run as root to install packages"
    export DEBIAN_FRONTEND=noninteractive
    # Package scripts must not start the system's own samba/mariadb/dovecot.
    local prc=/usr/sbin/policy-rc.d created=0
    if [ ! -e "$prc" ]; then printf '#!/bin/sh\nexit 101\n' > "$prc"; chmod 755 "$prc"; created=1; fi
    apt-get update -qq || mg_log "apt-get update failed; trying with the current package lists"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || { [ $created = 1 ] && rm -f "$prc"; mg_die "apt-get install failed"; }
    [ $created = 1 ] && rm -f "$prc"
  fi
  return 0
}

# Build and install (module into Samba's modules directory, programs into /usr/local).
mg_build_install() {
  cd "$MG_SRC" || mg_die "no source tree"
  if [ ! -x configure ] || [ configure.ac -nt configure ]; then
    autoreconf -fi >/dev/null || mg_die "autoreconf failed"
  fi
  if [ ! -f Makefile ] || [ configure -nt Makefile ]; then
    ./configure -q || mg_die "configure failed (see config.log)"
  fi
  make -j"$(nproc)" >/dev/null || { make 2>&1 | tail -40; mg_die "build failed"; }
  make install >/dev/null || mg_die "make install failed"
}
