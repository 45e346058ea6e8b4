#!/bin/bash
# The pipeline an admin would script to check one submission, for `make
# bench` (baseline 2, docs/bench.md): one process per file.
#
#   tests/bench/admin.sh MAIL WORKDIR
#
#   ripmime        writes the attachments of MAIL to WORKDIR/att (munpack
#                  loses attachments here: it does not decode RFC 2047/2231
#                  names, so QQ Mail's long encoded-words collapse into one
#                  truncated name that each attachment overwrites, and it
#                  skips mutt's filename*= parts)
#   file           the type of every file (--mime-type)
#   bsdtar -x      every archive into FILE.d/, whose files are looked at in
#                  turn (nested archives too)
#   jpeginfo -c    every JPEG: size and a full decode (identify for other
#                  images)
#   ffprobe        every video: container, streams, duration, rotation
#
# Prints one line "files=N jpeg=N video=N archive=N failed=N" and removes
# WORKDIR/att at the end, as casemailctl check removes its work directory.
set -u
mail=$1
work=$2
files=0 jpeg=0 video=0 archive=0 failed=0

walk() {
	local list f t
	# the list first: walking a directory while unpacking into it would
	# see the new files twice
	mapfile -d '' list < <(find "$1" -type f -print0)
	for f in "${list[@]}"; do
		files=$((files + 1))
		t=$(file -b --mime-type "$f")
		case $t in
		application/zip | application/x-7z-compressed | application/vnd.rar | \
		application/x-rar | application/x-tar | application/gzip | \
		application/x-bzip2 | application/x-xz)
			archive=$((archive + 1))
			mkdir "$f.d" && bsdtar -xf "$f" -C "$f.d" 2>/dev/null || failed=$((failed + 1))
			walk "$f.d"
			;;
		image/jpeg)
			jpeg=$((jpeg + 1))
			jpeginfo -c "$f" >/dev/null 2>&1 || failed=$((failed + 1))
			;;
		image/*)
			identify "$f" >/dev/null 2>&1 || failed=$((failed + 1))
			;;
		video/*)
			video=$((video + 1))
			ffprobe -v error -show_format -show_streams "$f" >/dev/null 2>&1 ||
				failed=$((failed + 1))
			;;
		esac
	done
}

rm -rf "$work/att"
mkdir -p "$work/att"
ripmime -i "$mail" -d "$work/att" --no-nameless >/dev/null 2>&1 || failed=$((failed + 1))
walk "$work/att"
rm -rf "$work/att"
echo "files=$files jpeg=$jpeg video=$video archive=$archive failed=$failed"
