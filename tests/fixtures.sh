# Sourced by tests/e2e-*.sh: make sure the generated fixture mails exist.
# Sets $fx to the directory (reuses $CASEMAIL_FIXTURES when it holds the
# output of the current generator, else generates into it or into $work).
ensure_fixtures() {
	local py=/usr/bin/python3 top digest
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	fx=${CASEMAIL_FIXTURES:-$work/fixtures}
	digest=$(PYTHONDONTWRITEBYTECODE=1 "$py" -c 'import sys; sys.path.insert(0, sys.argv[1]); import gen; print(gen.generator_digest())' \
		"$top/fixtures") || { echo "Bail out! cannot load fixtures/gen.py"; exit 1; }
	if [ "$(cat "$fx/.complete" 2>/dev/null)" != "$digest" ]; then
		"$py" "$top/fixtures/gen.py" "$fx" >&2 || { echo "Bail out! fixtures/gen.py failed"; exit 1; }
	fi
}
