# smtpsink.sh: a real SMTP server for tests (aiosmtpd), to be sourced.
#
#   . tests/smtpsink.sh
#   smtpsink_start DIR [PORT [aiosmtpd options…]]   PORT empty or 0: a free one
#   smtpsink_port DIR                     the port it listens on
#   smtpsink_mode DIR ok|tempfail|permfail|tempfail-data|permfail-data
#   smtpsink_count DIR                    messages in DIR/maildir
#   smtpsink_stop DIR
#
# The server is aiosmtpd under Debian's /usr/bin/python3 (the python3 on
# PATH may lack python3-aiosmtpd) with tests/smtpsink_handler.py, which
# stores mail like aiosmtpd.handlers.Mailbox in the Maildir DIR/maildir
# and refuses with 4xx/5xx as DIR/mode says (see that file). Extra
# options go to aiosmtpd, e.g. --tlscert C --tlskey K for STARTTLS or
# --smtpscert C --smtpskey K for implicit TLS. State in DIR: pid, port,
# mode, log, sink.log (the server's stderr). A sink whose test died
# without stopping it ends by itself after SMTPSINK_TTL seconds (600).

SMTPSINK_PY=${SMTPSINK_PY:-/usr/bin/python3}
SMTPSINK_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

smtpsink_free_port() {
	"$SMTPSINK_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Is something accepting connections on 127.0.0.1:$1?
smtpsink_answers() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

smtpsink_start() {
	local dir=$1 port=${2:-0} fixed=${2:-0} i
	shift 2 2>/dev/null || shift $#
	mkdir -p "$dir/maildir/tmp" "$dir/maildir/new" "$dir/maildir/cur" || return 1
	[ -f "$dir/mode" ] || echo ok >"$dir/mode"
	for i in 1 2 3 4 5; do
		[ "$port" != 0 ] || port=$(smtpsink_free_port) || return 1
		PYTHONPATH="$SMTPSINK_LIB${PYTHONPATH:+:$PYTHONPATH}" \
			timeout "${SMTPSINK_TTL:-600}" \
			"$SMTPSINK_PY" -m aiosmtpd -n -l "127.0.0.1:$port" \
			-c smtpsink_handler.Sink "$@" "$dir" \
			</dev/null >>"$dir/sink.log" 2>&1 &
		echo $! >"$dir/pid"
		echo "$port" >"$dir/port"
		# up to 10 s for the port to answer
		for _ in $(seq 100); do
			if smtpsink_answers "$port"; then
				return 0
			fi
			smtpsink_alive "$(cat "$dir/pid")" || break
			sleep 0.1
		done
		smtpsink_stop "$dir"
		[ "$fixed" = 0 ] || break   # a fixed port: no second try
		port=0
	done
	echo "smtpsink: aiosmtpd did not start, see $dir/sink.log" >&2
	return 1
}

smtpsink_port() {
	cat "$1/port"
}

smtpsink_mode() {
	echo "$2" >"$1/mode"
}

smtpsink_count() {
	find "$1/maildir/new" "$1/maildir/cur" -type f 2>/dev/null | wc -l
}

# Running and not a zombie (the sink's parent shell is gone, and whoever
# inherits it may be slow to reap it).
smtpsink_alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

smtpsink_stop() {
	local dir=$1 pid
	[ -f "$dir/pid" ] || return 0
	pid=$(cat "$dir/pid")
	rm -f "$dir/pid"
	kill "$pid" 2>/dev/null || return 0
	for _ in $(seq 100); do
		smtpsink_alive "$pid" || return 0
		sleep 0.05
	done
	kill -9 "$pid" 2>/dev/null
	return 0
}
