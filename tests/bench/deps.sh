#!/bin/sh
# make bench-deps: the Debian packages the bench's baselines need, beyond
# `make deps` (which make bench-deps runs first). Idempotent, like
# tools/deps.sh: when everything is present it prints one line.
#   mpack ripmime       extract attachments (the admin's pipeline uses ripmime)
#   libarchive-tools    bsdtar        file    file(1)
#   jpeginfo            jpeginfo -c   imagemagick   identify
#   ffmpeg              ffprobe       time    /usr/bin/time
#   dovecot-imapd python3-aiosmtpd    the IMAP drain and the receipt latency
#   linux-perf          perf record, for profiling (docs/bench.md); optional:
#                       not every kernel has a matching package
set -eu

PKGS="mpack ripmime libarchive-tools file jpeginfo imagemagick ffmpeg time
dovecot-imapd python3-aiosmtpd python3"
OPTIONAL="linux-perf"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
opt_missing=""
for p in $OPTIONAL; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		opt_missing="$opt_missing $p"
	fi
done

if [ -z "$missing" ] && [ -z "$opt_missing" ]; then
	# shellcheck disable=SC2086
	echo "bench-deps: all $(echo $PKGS $OPTIONAL | wc -w) packages present"
	exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
if [ -n "$missing" ]; then
	echo "bench-deps: installing:$missing"
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -q --no-install-recommends $missing
fi
if [ -n "$opt_missing" ]; then
	echo "bench-deps: installing (optional):$opt_missing"
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -q --no-install-recommends $opt_missing ||
		echo "bench-deps: $opt_missing not installed (optional: only for profiling)"
fi
