#!/bin/sh
# make install into a DESTDIR: every binary, man page, stock profile and
# the bash completion land where they should, and work from there.
. "$(dirname "$0")/../lib.sh"

D=$SCRATCH/dest
P=/usr/local
check "make install DESTDIR=... PREFIX=$P" make -s -C "$TOP" install \
    DESTDIR="$D" PREFIX="$P"
for b in "$BIN"/*; do
	n=$(basename "$b")
	check "$n: installed and runs" "$D$P/bin/$n" --version
	check "$n(1): installed, and mandoc reads it" mandoc -T lint -W warning \
	    "$D$P/share/man/man1/$n.1"
	check "$n: bash completion by its name" test -e \
	    "$D$P/share/bash-completion/completions/$n"
done
for m in "$TOP"/man/*.[57]; do
	check "$(basename "$m"): installed" cmp "$m" \
	    "$D$P/share/man/man${m##*.}/$(basename "$m")"
done
check_installed_data "$D$P" installed
check "nothing is installed outside DESTDIR" test -z \
    "$(find "$D" -mindepth 1 -maxdepth 1 ! -name usr)"

# The completion offers each command's options as its --help names them.
COMPL=$D$P/share/bash-completion/completions/ca-init
for b in "$BIN"/*; do
	n=$(basename "$b")
	for o in $("$b" --help | grep -o -- '--[a-z0-9-]*' | sort -u); do
		got=$(bash -c ". '$COMPL'; COMP_WORDS=($n x $o); COMP_CWORD=2;
		    _keyceremony; printf '%s\n' \"\${COMPREPLY[@]}\"" |
		    grep -cx -- "$o")
		check "$n: completion offers $o" test "$got" -ge 1
	done
done
got=$(bash -c ". '$COMPL'; COMP_WORDS=(ca-crl issue --idp ''); COMP_CWORD=3;
    _keyceremony; echo \"\${COMPREPLY[*]}\"")
check "ca-crl: --idp completes to full scope none" test "$got" = \
    "full scope none"

finish
