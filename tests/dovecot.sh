# Sourced by tests (bash): a private Dovecot IMAP server in a directory.
#
#   dovecot_start DIR [PORT] [tls] [USER:PASS ...]
#       Write DIR/dovecot.conf (Maildir under DIR/mail/USER, passwd-file
#       DIR/users with test:test, the USER:PASS arguments and the
#       space-separated USER:PASS words of $DOVECOT_USERS), start
#       `dovecot -c DIR/dovecot.conf` and wait until it answers.
#       PORT empty or 0: a random free high port (retried if taken).
#       The port is written to DIR/port and set in $DOVECOT_PORT.
#       "tls": tests/testca.sh DIR/tls makes a CA and a server certificate
#       for 127.0.0.1/localhost; ssl = required, STARTTLS on the plain port,
#       implicit TLS (imaps) on DIR/imaps_port ($DOVECOT_IMAPS_PORT); clients
#       trust DIR/tls/ca.pem.
#       $DOVECOT_EXTRA_CONF, when set, is appended to the configuration
#       (e.g. "imap_capability = IMAP4rev1 IDLE UIDPLUS" to hide MOVE).
#       Returns non-zero (message on stderr) when Dovecot does not come up.
#   dovecot_stop DIR     stop it and every session it serves (clients see
#                        the connection close), waiting for the exit.
#   dovecot_kill DIR     SIGKILL the master and its children: a crash.
#   imap_append DIR USER FOLDER FILE "DD-Mon-YYYY HH:MM:SS +0800" [FLAGS]
#       APPEND FILE (bytes as given; use CRLF line ends for byte-exact
#       FETCH results) with that INTERNALDATE and optional flags
#       ("\\Seen $x"), creating FOLDER when missing. Prints the new UID.
#   imap_create DIR USER FOLDER      CREATE FOLDER (fine if it exists).
#   imap_list_keywords DIR USER FOLDER
#       One line per message: "UID FLAG FLAG ..." (flags as the server
#       lists them, e.g. "3 \Seen $casemail-done"), ascending UIDs.
# Dovecot runs as root with its own base_dir/state_dir, login and
# internal processes as nobody, the mail tree chowned to nobody:nogroup,
# DIR and its parents made searchable (o+x) where we own them (mktemp -d
# makes 0700 directories, in which auth fails). auth_failure_delay is 0,
# but Dovecot still delays logins from an address after a failed one
# (anvil's auth penalty, seconds): put wrong-password tests last.
# Connections from 127.0.0.1 count as secured, so plain-text LOGIN works
# even with tls. Helpers use /usr/bin/python3 (Debian's, with imaplib)
# and read the port and password from DIR.

_dovecot_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

_dovecot_conf() {
	local dir=$1 port=$2 tls=$3 imaps_port=$4
	cat <<EOF
protocols = imap
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/state
disable_plaintext_auth = no
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = $dir/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$dir/mail/%u
}
mail_location = maildir:$dir/mail/%u
first_valid_uid = 0
default_login_user = nobody
default_internal_user = nobody
log_path = $dir/dovecot.log
mail_max_userip_connections = 100
service anvil {
  chroot =
}
EOF
	if [ "$tls" = tls ]; then
		cat <<EOF
ssl = required
ssl_cert = <$dir/tls/server.pem
ssl_key = <$dir/tls/server.key
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps_port
    ssl = yes
  }
}
EOF
	else
		cat <<EOF
ssl = no
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
}
EOF
	fi
	[ -z "${DOVECOT_EXTRA_CONF:-}" ] || printf '%s\n' "$DOVECOT_EXTRA_CONF"
}

# Dovecot's auth and imap processes run as nobody: DIR and every parent
# must be searchable by others. mktemp -d makes 0700 directories, so add
# o+x (search only, no listing) where we own a directory that lacks it.
_dovecot_open_path() {
	local d=$1 mode
	while [ -n "$d" ] && [ "$d" != / ]; do
		mode=$(stat -c %A "$d" 2>/dev/null) || return 1
		if [ "${mode:9:1}" != x ] && [ "${mode:9:1}" != t ] && [ -O "$d" ]; then
			chmod o+x "$d" || return 1
		fi
		d=$(dirname "$d")
	done
}

# Wait until 127.0.0.1:$1 accepts a connection (up to ~10 s).
_dovecot_wait_port() {
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

dovecot_start() {
	local dir=${1:?usage: dovecot_start DIR [PORT] [tls] [USER:PASS...]} port=${2:-0}
	local tls="" imaps_port="" fixed=1 u
	shift
	if [ "$port" = tls ]; then port=0; else [ $# -gt 0 ] && shift; fi
	if [ "${1:-}" = tls ]; then tls=tls; shift; fi
	command -v dovecot >/dev/null || { echo "dovecot_start: dovecot not installed" >&2; return 1; }
	mkdir -p "$dir/run" "$dir/state" "$dir/mail" || return 1
	dir=$(cd "$dir" && pwd)
	_dovecot_open_path "$dir" || { echo "dovecot_start: cannot open $dir to nobody" >&2; return 1; }
	: >"$dir/users"
	for u in test:test "$@" ${DOVECOT_USERS:-}; do
		printf '%s:{PLAIN}%s::::\n' "${u%%:*}" "${u#*:}" >>"$dir/users"
	done
	if [ "$tls" = tls ]; then
		bash "$_dovecot_top/tests/testca.sh" "$dir/tls" || return 1
	fi
	chown -R nobody:nogroup "$dir/mail"
	[ "$port" != 0 ] || fixed=0
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		if [ $fixed = 0 ]; then
			port=$((20000 + RANDOM % 40000))
		fi
		imaps_port=$((port + 1))
		_dovecot_conf "$dir" "$port" "$tls" "$imaps_port" >"$dir/dovecot.conf"
		if dovecot -c "$dir/dovecot.conf" 2>"$dir/start.err"; then
			if _dovecot_wait_port "$port"; then
				echo "$port" >"$dir/port"
				DOVECOT_PORT=$port
				if [ "$tls" = tls ]; then
					echo "$imaps_port" >"$dir/imaps_port"
					DOVECOT_IMAPS_PORT=$imaps_port
				else
					rm -f "$dir/imaps_port"
				fi
				return 0
			fi
			dovecot_stop "$dir"
		fi
		# only a taken port is worth another try
		if [ $fixed = 1 ] || ! grep -q "in use" "$dir/start.err" "$dir/dovecot.log" 2>/dev/null; then
			break
		fi
		: >"$dir/dovecot.log"
	done
	echo "dovecot_start: Dovecot did not start:" >&2
	cat "$dir/start.err" >&2
	tail -5 "$dir/dovecot.log" >&2 2>/dev/null
	return 1
}

# Pid of the running master, or nothing (status 1).
_dovecot_pid() {
	local pid
	pid=$(cat "$1/run/master.pid" 2>/dev/null) || return 1
	_dovecot_alive "$pid" && echo "$pid"
}

# Is the process there and not a zombie (pid 1 of a container may be
# slow to reap the daemonized master)?
_dovecot_alive() {
	local st
	[ -n "$1" ] || return 1
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $st in Z*) return 1 ;; esac
	return 0
}

# Dovecot's master exits on SIGTERM but leaves running imap sessions (and
# its log process) behind: a "stop" must end them too, or clients never
# notice the outage. Children are listed before the master goes (they are
# re-parented afterwards) and signalled by pid.
dovecot_stop() {
	local dir=${1:?usage: dovecot_stop DIR} pid children child
	pid=$(_dovecot_pid "$dir") || return 0
	children=$(ps -o pid= --ppid "$pid")
	kill "$pid" 2>/dev/null
	_dovecot_wait_gone 5 "$pid" || kill -KILL "$pid" 2>/dev/null
	for child in $children; do
		_dovecot_alive "$child" && kill "$child" 2>/dev/null
	done
	# shellcheck disable=SC2086
	_dovecot_wait_gone 2 $children || for child in $children; do
		_dovecot_alive "$child" && kill -KILL "$child" 2>/dev/null
	done
	return 0
}

# _dovecot_wait_gone SECONDS PID...: 0 once none of them is alive.
_dovecot_wait_gone() {
	local n=$(($1 * 20)) p alive
	shift
	while [ "$n" -gt 0 ]; do
		alive=0
		for p in "$@"; do
			_dovecot_alive "$p" && alive=1
		done
		[ $alive = 0 ] && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

dovecot_kill() {
	local dir=${1:?usage: dovecot_kill DIR} pid child
	pid=$(_dovecot_pid "$dir") || return 0
	kill -STOP "$pid" 2>/dev/null    # no restarts while its children die
	for child in $(ps -o pid= --ppid "$pid"); do
		kill -KILL "$child" 2>/dev/null
	done
	kill -KILL "$pid" 2>/dev/null
	return 0
}

# The python side: connect as USER (plain port, or imaps with the test CA).
_dovecot_py='
import imaplib, re, ssl, sys

def connect(d, user):
    pw = None
    for line in open(d + "/users"):
        u, _, rest = line.rstrip("\n").partition(":")
        if u == user:
            pw = rest.split(":")[0].replace("{PLAIN}", "", 1)
    if pw is None:
        sys.exit("no user %s in %s/users" % (user, d))
    try:
        port = int(open(d + "/imaps_port").read())
        ctx = ssl.create_default_context(cafile=d + "/tls/ca.pem")
        m = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx)
    except FileNotFoundError:
        m = imaplib.IMAP4("127.0.0.1", int(open(d + "/port").read()))
    m.login(user, pw)
    return m

def quote(folder):
    return "\"" + folder.replace("\\", "\\\\").replace("\"", "\\\"") + "\""

def create(m, folder):
    if folder.upper() != "INBOX":
        m.create(quote(folder))  # NO when it exists: fine

cmd, d, user, folder = sys.argv[1:5]
m = connect(d, user)
if cmd == "append":
    path, date = sys.argv[5:7]
    flags = "(" + sys.argv[7] + ")" if len(sys.argv) > 7 and sys.argv[7] else None
    create(m, folder)
    data = open(path, "rb").read()
    typ, resp = m.append(quote(folder), flags, "\"" + date + "\"", data)
    if typ != "OK":
        sys.exit("APPEND failed: %r" % resp)
    r = re.search(rb"APPENDUID \d+ (\d+)", resp[0] or b"")
    print(r.group(1).decode() if r else "")
elif cmd == "create":
    create(m, folder)
elif cmd == "list":
    typ, resp = m.select(quote(folder), readonly=True)
    if typ != "OK":
        sys.exit("SELECT failed: %r" % resp)
    if int(resp[0]) > 0:
        typ, resp = m.uid("FETCH", "1:*", "(FLAGS)")
        rows = []
        for item in resp:
            if isinstance(item, tuple):
                item = item[0]
            r = re.search(rb"UID (\d+)", item or b"")
            f = re.search(rb"FLAGS \(([^)]*)\)", item or b"")
            if r:
                fl = [x for x in (f.group(1) if f else b"").decode().split() if x != "\\Recent"]
                rows.append((int(r.group(1)), " ".join(fl)))
        for uid, flags in sorted(rows):
            print(("%d %s" % (uid, flags)).rstrip())
m.logout()
'

imap_append() {
	[ $# -ge 5 ] || { echo "usage: imap_append DIR USER FOLDER FILE DATE [FLAGS]" >&2; return 2; }
	/usr/bin/python3 -c "$_dovecot_py" append "$@"
}

imap_create() {
	[ $# -eq 3 ] || { echo "usage: imap_create DIR USER FOLDER" >&2; return 2; }
	/usr/bin/python3 -c "$_dovecot_py" create "$@"
}

imap_list_keywords() {
	[ $# -eq 3 ] || { echo "usage: imap_list_keywords DIR USER FOLDER" >&2; return 2; }
	/usr/bin/python3 -c "$_dovecot_py" list "$@"
}
