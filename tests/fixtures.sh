# Sourced by tests/e2e-*.sh: make sure the generated fixture mails exist.
# Both functions set $fx to the fixture directory: $CASEMAIL_FIXTURES when
# set (tests/run.sh shares one per run), else $work/fixtures. A corpus is
# generated only when its .complete file lacks the generator's digest.
#   ensure_fixtures        fixtures/gen.py       → $fx/mail, $fx/media
#   ensure_rules_fixtures  fixtures/gen_rules.py → $fx/rules
#   ensure_hostile_fixtures fixtures/gen_hostile.py → $fx/hostile
_ensure_corpus() { # _ensure_corpus MODULE COMPLETE_FILE
	local py=/usr/bin/python3 top digest
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	fx=${CASEMAIL_FIXTURES:-$work/fixtures}
	digest=$(PYTHONDONTWRITEBYTECODE=1 "$py" -c 'import sys, importlib; sys.path.insert(0, sys.argv[1]); print(importlib.import_module(sys.argv[2]).generator_digest())' \
		"$top/fixtures" "$1") || { echo "Bail out! cannot load fixtures/$1.py"; exit 1; }
	if [ "$(cat "$fx/$2" 2>/dev/null)" != "$digest" ]; then
		"$py" "$top/fixtures/$1.py" "$fx" >&2 || { echo "Bail out! fixtures/$1.py failed"; exit 1; }
	fi
}
ensure_fixtures() { _ensure_corpus gen .complete; }
ensure_rules_fixtures() { _ensure_corpus gen_rules rules/.complete; }
ensure_hostile_fixtures() { _ensure_corpus gen_hostile hostile/.complete; }
