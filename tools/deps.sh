#!/bin/sh
# Install casemail's build and test dependencies from Debian packages.
# Idempotent: when everything is present it prints one line and touches nothing.
set -eu

PKGS="build-essential pkg-config
libetpan-dev libarchive-dev libmagic-dev libturbojpeg0-dev
libavformat-dev libavcodec-dev libavutil-dev libsqlite3-dev nettle-dev libinih-dev libpcre2-dev
libsystemd-dev libseccomp-dev libxml2-dev libqpdf-dev zlib1g-dev systemd
dovecot-imapd python3-aiosmtpd syslog-ng-core
ffmpeg libheif-examples p7zip-full zip unzip libarchive-tools jq file
python3 bzip2 xz-utils libsasl2-modules openssl groff-base man-db clang libclang-rt-14-dev
strace time qpdf"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "deps: all $(echo $PKGS | wc -w) packages present"
	exit 0
fi

echo "deps: installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
