# A complete mapigate stack in one directory and one network namespace:
# Samba AD DC with the mapiproxy module, MariaDB, Dovecot (IMAP + LMTP), an
# SMTP entry point that delivers to Dovecot, and the engine. Sourced.
#
# Inputs (environment, all with defaults):
#   MG_DIR     data directory (everything the stack writes lives below it)
#   MG_NETNS   network namespace name ("" = run on the host's loopback)
#   MG_REALM MG_DOMAIN MG_HOST MG_ADMINPASS MG_DEMO_USER MG_DEMO_PASSWORD
# shellcheck shell=bash

: "${MG_DIR:?MG_DIR must be set}"
MG_NETNS=${MG_NETNS-mapigate}
MG_REALM=${MG_REALM:-MAPIGATE.TEST}
MG_DOMAIN=${MG_DOMAIN:-MAPIGATE}
MG_HOST=${MG_HOST:-dc1}
MG_ADMINPASS=${MG_ADMINPASS:-Admin-Passw0rd1}
MG_DEMO_USER=${MG_DEMO_USER:-demo}
MG_DEMO_PASSWORD=${MG_DEMO_PASSWORD:-Demo-Passw0rd1}
MG_DB_USER=openchange
MG_DB_PASS='openchange$123'      # the seed guide's password, '$' included
MG_DB_NAME=openchange
MG_MASTER_USER=mapigate-master
MG_IP=127.0.0.1
MG_IMAP_PORT=143
MG_SMTP_PORT=25
MG_LMTP_PORT=24

MG_REALM_LC=$(echo "$MG_REALM" | tr '[:upper:]' '[:lower:]')
MG_BASEDN=$(echo "$MG_REALM_LC" | sed 's/^/DC=/; s/\./,DC=/g')
MG_SMB_CONF=$MG_DIR/samba/etc/smb.conf
MG_KRB5=$MG_DIR/krb5.conf
MG_RUN=$MG_DIR/run
MG_LOGS=$MG_DIR/log
MG_ENGINE_SOCK=$MG_RUN/engine.sock

ns() { if [ -n "$MG_NETNS" ]; then ip netns exec "$MG_NETNS" "$@"; else "$@"; fi; }

# ---- process bookkeeping: every process we start is a session leader whose
# pid we record; we stop exactly those process groups.
_start() {  # name logfile cmd...
  local name=$1 log=$2; shift 2
  if _alive "$name"; then return 0; fi
  if [ -n "$MG_NETNS" ]; then
    setsid ip netns exec "$MG_NETNS" "$@" >>"$log" 2>&1 < /dev/null &
  else
    setsid "$@" >>"$log" 2>&1 < /dev/null &
  fi
  echo $! > "$MG_RUN/$name.pid"
  disown $! 2>/dev/null || true
}
_pid() { cat "$MG_RUN/$1.pid" 2>/dev/null || true; }
_alive() { local p; p=$(_pid "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
_group_alive() { kill -0 -- "-$1" 2>/dev/null; }
_stop() {  # name
  local p i; p=$(_pid "$1"); [ -n "$p" ] || return 0
  if _group_alive "$p"; then
    kill -TERM -- "-$p" 2>/dev/null
    for i in $(seq 1 100); do _group_alive "$p" || break; sleep 0.1; done
    if _group_alive "$p"; then kill -KILL -- "-$p" 2>/dev/null; sleep 0.3; fi
  fi
  rm -f "$MG_RUN/$1.pid"
}
_wait_for() {  # description seconds cmd...
  local what=$1 secs=$2 i; shift 2
  for i in $(seq 1 $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}
_tcp_open() { ns bash -c "exec 3<>/dev/tcp/$MG_IP/$1" 2>/dev/null; }

stack_netns_up() {
  [ -n "$MG_NETNS" ] || return 0
  ip netns list | grep -qw "^$MG_NETNS" || ip netns add "$MG_NETNS" || mg_die "cannot create network namespace $MG_NETNS"
  ip -n "$MG_NETNS" link set lo up
}
stack_netns_down() {
  [ -n "$MG_NETNS" ] || return 0
  ip netns list | grep -qw "^$MG_NETNS" && ip netns del "$MG_NETNS"
  return 0
}

# ---- Samba AD DC
stack_provision_dc() {
  [ -f "$MG_DIR/samba/private/sam.ldb" ] && return 0
  mkdir -p "$MG_DIR/samba/etc" "$MG_RUN/samba" "$MG_LOGS"
  : > "$MG_DIR/samba/empty.conf"
  mg_log "provisioning Samba AD DC $MG_HOST.$MG_REALM_LC (domain $MG_DOMAIN)"
  samba-tool domain provision -s "$MG_DIR/samba/empty.conf" --targetdir="$MG_DIR/samba" \
    --realm="$MG_REALM" --domain="$MG_DOMAIN" --server-role=dc --dns-backend=SAMBA_INTERNAL \
    --adminpass="$MG_ADMINPASS" --host-name="$MG_HOST" --use-rfc2307 \
    --option="interfaces=lo" --option="bind interfaces only=yes" \
    --option="pid directory=$MG_RUN/samba" --option="ncalrpc dir=$MG_RUN/samba/ncalrpc" \
    --option="winbindd socket directory=$MG_RUN/samba/winbindd" \
    --option="ntp signd socket directory=$MG_RUN/samba/ntp_signd" \
    --option="log file=$MG_LOGS/samba.log" --option="dns forwarder=127.0.0.2" \
    > "$MG_LOGS/provision.log" 2>&1 || { tail -20 "$MG_LOGS/provision.log"; mg_die "samba-tool domain provision failed"; }
  mv "$MG_DIR/samba/etc/smb.conf" "$MG_DIR/samba/etc/smb.conf.provisioned"
  # The seed guides' lines, verbatim, then the sandbox specifics, at the top
  # of [global].
  cat > "$MG_DIR/samba/etc/mapigate.conf.part" <<CONF
	# --- mapigate (lines as in the SOGo/OpenChange guides) ---
	dcerpc endpoint servers = +epmapper, +mapiproxy
	dcerpc_mapiproxy:server = true
	dcerpc_mapiproxy:interfaces = exchange_emsmdb, exchange_nsp, exchange_ds_rfr
	mapistore:namedproperties = mysql
	namedproperties:mysql_user = $MG_DB_USER
	namedproperties:mysql_pass = $MG_DB_PASS
	namedproperties:mysql_host = $MG_IP
	namedproperties:mysql_db = $MG_DB_NAME
	mapistore:indexing_backend = mysql://$MG_DB_USER:$MG_DB_PASS@$MG_IP/$MG_DB_NAME
	mapiproxy:openchangedb = mysql://$MG_DB_USER:$MG_DB_PASS@$MG_IP/$MG_DB_NAME
	# --- mail on Dovecot: the gateway logs in as the master user ---
	mapistore:imap_server = $MG_IP:$MG_IMAP_PORT
	mapistore:imap_master_user = $MG_MASTER_USER
	mapistore:imap_master_password_file = $MG_DIR/dovecot/conf/master-password
	# --- sandbox specifics ---
	mapiproxy:engine_socket = $MG_ENGINE_SOCK
	ldap server require strong auth = no
CONF
  awk -v part="$MG_DIR/samba/etc/mapigate.conf.part" '
    { print }
    /^\[global\]/ { while ((getline l < part) > 0) print l }
  ' "$MG_DIR/samba/etc/smb.conf.provisioned" > "$MG_SMB_CONF"
  cat > "$MG_KRB5" <<KRB
[libdefaults]
	default_realm = $MG_REALM
	dns_lookup_realm = false
	dns_lookup_kdc = false
[realms]
	$MG_REALM = {
		kdc = $MG_IP
		admin_server = $MG_IP
	}
[domain_realm]
	.$MG_REALM_LC = $MG_REALM
	$MG_REALM_LC = $MG_REALM
KRB
  samba-tool domain passwordsettings set -s "$MG_SMB_CONF" --complexity=off >/dev/null
}

stack_create_demo_user() {
  local u=$MG_DEMO_USER
  if ! samba-tool user show "$u" -s "$MG_SMB_CONF" >/dev/null 2>&1; then
    samba-tool user create "$u" "$MG_DEMO_PASSWORD" -s "$MG_SMB_CONF" --given-name=Demo --surname=User \
      --mail-address="$u@$MG_REALM_LC" >/dev/null || mg_die "cannot create demo user"
  fi
  # Exchange objects for the organization and the demo mailbox, when the
  # provisioning tools are available.
  local prov="$MG_SRC/provision/openchange_provision" newuser="$MG_SRC/provision/openchange_newuser"
  if [ -x "$prov" ]; then
    "$MG_PY" "$prov" -s "$MG_SMB_CONF" --standalone >>"$MG_LOGS/provision.log" 2>&1 \
      || mg_die "openchange_provision --standalone failed (see $MG_LOGS/provision.log)"
    "$MG_PY" "$newuser" -s "$MG_SMB_CONF" --create "$u" >>"$MG_LOGS/provision.log" 2>&1 \
      || mg_die "openchange_newuser --create $u failed (see $MG_LOGS/provision.log)"
  fi
}

stack_start_samba() {
  _alive samba && return 0
  _start samba "$MG_LOGS/samba.stdout" samba -i -M single -s "$MG_SMB_CONF" --debug-stdout
}

# ---- MariaDB
stack_start_mariadb() {
  local d=$MG_DIR/mariadb
  mkdir -p "$d" "$MG_RUN" "$MG_LOGS"
  if [ ! -d "$d/data/mysql" ]; then
    mariadb-install-db --no-defaults --datadir="$d/data" --user=root --auth-root-authentication-method=normal \
      --skip-test-db > "$MG_LOGS/mariadb-install.log" 2>&1 || { tail "$MG_LOGS/mariadb-install.log"; mg_die "mariadb-install-db failed"; }
  fi
  if ! _alive mariadb; then
    _start mariadb "$MG_LOGS/mariadb.log" mariadbd --no-defaults --datadir="$d/data" --user=root \
      --socket="$MG_RUN/mysqld.sock" --port=3306 --bind-address="$MG_IP" --pid-file="$MG_RUN/mysqld.pid" \
      --skip-name-resolve --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=2
  fi
  _wait_for mariadb 60 mariadb-admin --no-defaults --socket="$MG_RUN/mysqld.sock" -uroot ping \
    || { tail -20 "$MG_LOGS/mariadb.log"; mg_die "MariaDB did not start"; }
  mariadb --no-defaults --socket="$MG_RUN/mysqld.sock" -uroot <<SQL || mg_die "cannot create the database"
CREATE DATABASE IF NOT EXISTS \`$MG_DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER IF NOT EXISTS '$MG_DB_USER'@'127.0.0.1' IDENTIFIED BY '$MG_DB_PASS';
CREATE USER IF NOT EXISTS '$MG_DB_USER'@'localhost' IDENTIFIED BY '$MG_DB_PASS';
GRANT ALL ON \`$MG_DB_NAME\`.* TO '$MG_DB_USER'@'127.0.0.1';
GRANT ALL ON \`$MG_DB_NAME\`.* TO '$MG_DB_USER'@'localhost';
SQL
}

# openchangedb schema (the engine also applies pending migrations at start).
stack_provision_openchangedb() {
  [ -x "$MG_SRC/provision/openchange_provision" ] || return 0
  "$MG_PY" "$MG_SRC/provision/openchange_provision" -s "$MG_SMB_CONF" --openchangedb \
    --openchangedb-uri "mysql://$MG_DB_USER:$MG_DB_PASS@$MG_IP/$MG_DB_NAME?unix_socket=$MG_RUN/mysqld.sock" \
    >>"$MG_LOGS/provision.log" 2>&1 || mg_die "openchange_provision --openchangedb failed (see $MG_LOGS/provision.log)"
}

# ---- Dovecot: users authenticate against the Samba directory over LDAP (as
# the Arch OpenChange guide sets it up); the gateway logs in as a master user
# with SASL authorization identity, never with the user's password.
stack_config_dovecot() {
  local d=$MG_DIR/dovecot
  mkdir -p "$d/run" "$d/mail" "$d/conf"
  id mgvmail >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin mgvmail
  chown mgvmail:mgvmail "$d/mail"
  if [ ! -f "$d/conf/master-users" ]; then
    local mp; mp=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    echo "$mp" > "$d/conf/master-password"; chmod 600 "$d/conf/master-password"
    echo "$MG_MASTER_USER:$(doveadm pw -s SHA512-CRYPT -p "$mp")" > "$d/conf/master-users"
  fi
  cat > "$d/conf/dovecot-ldap.conf.ext" <<LDAP
hosts = $MG_IP
auth_bind = yes
auth_bind_userdn = %n@$MG_REALM_LC
base = $MG_BASEDN
ldap_version = 3
LDAP
  cat > "$d/conf/dovecot.conf" <<DOVE
base_dir = $d/run
state_dir = $d/state
instance_name = mapigate-$(basename "$MG_DIR")
listen = $MG_IP
protocols = imap lmtp
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_master_user_separator = *
log_path = $MG_LOGS/dovecot.log
mail_location = maildir:$d/mail/%n/Maildir
mail_uid = mgvmail
mail_gid = mgvmail
first_valid_uid = 1
mail_plugins = acl
namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
}
passdb {
  driver = passwd-file
  args = $d/conf/master-users
  master = yes
}
passdb {
  driver = ldap
  args = $d/conf/dovecot-ldap.conf.ext
}
userdb {
  driver = static
  # master_user=%u: a master login acts with the user's own ACL rights
  args = uid=mgvmail gid=mgvmail home=$d/mail/%n allow_all_users=yes master_user=%u
}
service imap-login {
  inet_listener imap {
    address = $MG_IP
    port = $MG_IMAP_PORT
  }
}
service lmtp {
  inet_listener lmtp {
    address = $MG_IP
    port = $MG_LMTP_PORT
  }
}
protocol imap {
  mail_plugins = \$mail_plugins imap_acl
}
plugin {
  acl = vfile
}
DOVE
  mkdir -p "$d/state"
}
stack_stop_dovecot() { _stop dovecot; }
stack_start_dovecot() {
  stack_config_dovecot
  _alive dovecot || _start dovecot "$MG_LOGS/dovecot.stdout" dovecot -F -c "$MG_DIR/dovecot/conf/dovecot.conf"
  _wait_for dovecot 30 _tcp_open "$MG_IMAP_PORT" || { tail -20 "$MG_LOGS/dovecot.log" "$MG_LOGS/dovecot.stdout" 2>/dev/null; mg_die "Dovecot did not start"; }
}

# ---- SMTP entry point (accepts mail on :25 and delivers to Dovecot's LMTP)
stack_start_smtp() {
  _alive smtp || _start smtp "$MG_LOGS/smtp.log" "$MG_PY" "$MG_SRC/tools/lib/smtp_to_lmtp.py" \
    --listen "$MG_IP:$MG_SMTP_PORT" --lmtp "$MG_IP:$MG_LMTP_PORT" --domain "$MG_REALM_LC"
  _wait_for smtp 20 _tcp_open "$MG_SMTP_PORT" || { tail "$MG_LOGS/smtp.log"; mg_die "SMTP service did not start"; }
}

# ---- the engine
stack_start_engine() {
  local engine=$MG_SRC/mapigate-engine
  [ -x "$engine" ] || engine=$(command -v mapigate-engine) || mg_die "mapigate-engine is not built"
  _alive engine || _start engine "$MG_LOGS/engine.log" "$engine" -s "$MG_SMB_CONF" -F -d info
  _wait_for engine 20 test -S "$MG_ENGINE_SOCK" || { tail "$MG_LOGS/engine.log"; mg_die "engine did not start"; }
}
stack_stop_engine() { _stop engine; }

# Readiness is proven by calling the module (a module that fails to load
# silently removes all of Samba's RPC), with a third-party client.
stack_ping() {
  ns env KRB5_CONFIG="$MG_KRB5" "$MG_PY" "$MG_SRC/tests/integration/mgclient.py" ping \
    --host "$MG_IP" --user "$MG_DEMO_USER" --password "$MG_DEMO_PASSWORD" --domain "$MG_DOMAIN"
}

# A logon to the demo mailbox with the project's own client: EcDoConnectEx,
# RopLogon (first logon creates the mailbox) and the folder tree.
stack_prove_mailbox() {
  local dn out
  dn=$(stack_env | sed -n "s/^DEMO_USER_DN='\(.*\)'$/\1/p")
  [ -n "$dn" ] || mg_die "the demo user has no legacyExchangeDN (openchange_newuser failed?)"
  out=$(ns "$MG_SRC/mapigate-client" -H "$MG_IP" -U "$MG_DEMO_USER%$MG_DEMO_PASSWORD" -W "$MG_DOMAIN" \
        --dn "$dn" folders 2>&1) || { echo "$out" | tail -5; mg_die "mapigate-client could not open the demo mailbox"; }
  echo "$out" | grep -q "/Top of Information Store/Inbox" || { echo "$out" | tail -5; mg_die "the demo mailbox has no Inbox"; }
}

stack_up() {
  mkdir -p "$MG_DIR" "$MG_RUN" "$MG_LOGS"
  chmod 755 "$MG_DIR"   # Dovecot's mail processes (uid mgvmail) traverse it
  stack_netns_up
  stack_provision_dc
  stack_create_demo_user
  stack_start_mariadb
  stack_provision_openchangedb
  stack_start_dovecot
  stack_start_smtp
  stack_start_engine
  stack_start_samba
  _wait_for samba 60 stack_ping || { tail -30 "$MG_LOGS/samba.stdout"; mg_die "Samba with the mapiproxy module did not answer"; }
  stack_prove_mailbox
}

stack_down() {
  local n
  for n in samba engine smtp dovecot mariadb; do _stop "$n"; done
  stack_netns_down
}

stack_status() {
  local n rc=0
  for n in samba engine smtp dovecot mariadb; do
    if _alive "$n"; then printf '%-8s running (pid %s)\n' "$n" "$(_pid $n)"; else printf '%-8s stopped\n' "$n"; rc=1; fi
  done
  return $rc
}

stack_env() {
  local dn=""
  # LDIF folds long lines (continuations start with a space): unfold first.
  dn=$(ldbsearch -H "$MG_DIR/samba/private/sam.ldb" "(sAMAccountName=$MG_DEMO_USER)" legacyExchangeDN 2>/dev/null \
       | awk '/^ / { line = line substr($0, 2); next } { if (line != "") print line; line = $0 } END { print line }' \
       | sed -n "s/^legacyExchangeDN: //p" || true)
  cat <<ENV
NETNS=$MG_NETNS
DC_IP=$MG_IP
DC_HOSTNAME=$MG_HOST.$MG_REALM_LC
REALM=$MG_REALM
DOMAIN=$MG_DOMAIN
NETBIOS=$(echo "$MG_HOST" | tr '[:lower:]' '[:upper:]')
BASE_DN=$MG_BASEDN
SMB_CONF=$MG_SMB_CONF
KRB5_CONFIG=$MG_KRB5
ADMIN_PASSWORD=$MG_ADMINPASS
DEMO_USER=$MG_DEMO_USER
DEMO_PASSWORD=$MG_DEMO_PASSWORD
DEMO_MAIL=$MG_DEMO_USER@$MG_REALM_LC
DEMO_USER_DN='$dn'
IMAP_HOST=$MG_IP
IMAP_PORT=$MG_IMAP_PORT
IMAP_MASTER_USER=$MG_MASTER_USER
IMAP_MASTER_PASSWORD_FILE=$MG_DIR/dovecot/conf/master-password
SMTP_HOST=$MG_IP
SMTP_PORT=$MG_SMTP_PORT
MARIADB_URI='mysql://$MG_DB_USER:$MG_DB_PASS@$MG_IP/$MG_DB_NAME'
MARIADB_SOCKET=$MG_RUN/mysqld.sock
ENGINE_SOCKET=$MG_ENGINE_SOCK
DATA_DIR=$MG_DIR
LOG_DIR=$MG_LOGS
ENV
}

stack_stop_samba() { _stop samba; }
stack_stop_mariadb() { _stop mariadb; }
stack_wait_ready() { _wait_for samba 60 stack_ping; }
stack_engine_pid() { _pid engine; }
stack_kill_engine() {  # as a crash would: SIGKILL, no clean shutdown
  local p; p=$(_pid engine); [ -n "$p" ] && kill -KILL -- "-$p" 2>/dev/null; sleep 0.3; rm -f "$MG_RUN/engine.pid"
}
