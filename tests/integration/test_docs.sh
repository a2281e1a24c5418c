#!/bin/sh
# Every binary has a man page whose SYNOPSIS its --help prints, and every
# man page is clean under mandoc's linter.
. "$(dirname "$0")/../lib.sh"

# One line, single spaces, "a | b" as "a|b", no "usage: ".
norm() {
	tr '\n' ' ' | sed 's/^usage: //; s/  */ /g; s/ | /|/g; s/^ //; s/ $//'
}

for m in "$TOP"/man/*.[0-9]; do
	check "$(basename "$m"): mandoc -T lint finds nothing" \
	    mandoc -T lint -W warning "$m"
done

for b in "$BIN"/*; do
	name=$(basename "$b")
	page=$TOP/man/$name.1
	if [ ! -f "$page" ]; then
		not_ok "$name: has a man page"
		continue
	fi
	ok "$name: has a man page"
	mandoc -T ascii -O width=1000 "$page" | sed "s/.\x08//g" >"$SCRATCH/$name.txt"
	syn=$(awk '/^SYNOPSIS/ { on = 1; next } /^[A-Z]/ { on = 0 } on' \
	    "$SCRATCH/$name.txt" | norm)
	help=$("$b" --help | norm)
	if [ -n "$syn" ] && [ "$syn" = "$help" ]; then
		ok "$name: --help prints the SYNOPSIS"
	else
		not_ok "$name: --help prints the SYNOPSIS"
		echo "#   man:  $syn"
		echo "#   help: $help"
	fi
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" FILES \
	    EXAMPLES "SEE ALSO"; do
		check "$name(1) has $s" grep -qx "$s" "$SCRATCH/$name.txt"
	done
	v=$("$b" --version)
	check "$name: --version names the tool and version" \
	    test "${v%% (*}" = "$name $(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")"
	"$b" --no-such-option >/dev/null 2>&1
	check "$name: an unknown option exits 2" test $? -eq 2
done

for f in ca-transcript ca-directory ca-profile ca-audit-report ca-key-backup \
    ca-windows; do
	check "format $f has a section-5 page" test -f "$TOP/man/$f.5"
done

finish
