#!/bin/sh
# A real openCryptoki soft token ("swtok", IBM SoftTok) for the tests.
#
#   eval "$(tests/tokens/opencryptoki.sh start DIR)"   # prints OCK_* below
#   ...tests against "$OCK_MODULE", slot "$OCK_SLOT"...
#   tests/tokens/opencryptoki.sh stop DIR
#
# openCryptoki's paths are fixed when it is built (Debian 12, 3.8.1):
# the soft token lives in /var/lib/opencryptoki/swtok, the slot daemon
# pkcsslotd reads /etc/opencryptoki/opencryptoki.conf and keeps
# /run/pkcsslotd.{pid,socket}, a SysV shared memory segment, lock files
# under /run/lock/opencryptoki, and the soft token library keeps
# /dev/shm/var.lib.opencryptoki.swtok.  So "start" saves all of that
# into DIR/saved, starts its own pkcsslotd (foreground, -f; its PID in
# DIR/pkcsslotd.pid, its output in DIR/pkcsslotd.log) and makes a fresh
# token; "stop" stops that daemon by PID and puts everything back as
# it was.  A start after a run that never stopped (the test was killed)
# first finishes that run's stop.
#
# Printed for eval (single-quoted):
#   OCK_MODULE    the PKCS#11 module (libopencryptoki.so)
#   OCK_SLOT      the slot of the soft token
#   OCK_LABEL     its label          (env OCK_LABEL, default ock)
#   OCK_USER_PIN  its user PIN       (env OCK_USER_PIN, default 123456)
#   OCK_SO_PIN    its SO PIN         (env OCK_SO_PIN, default 87654321)
#   OCK_PID       the pkcsslotd serving it
#   OCK_OWN_DAEMON 1 when this script started that pkcsslotd, 0 when it
#                 found one running (e.g. started by the package) and
#                 only uses it: then stop leaves it running.
#   OCK_TOKDIR    the token folder (/var/lib/opencryptoki/swtok)
# PINs are 4 to 8 characters.  87654321 is openCryptoki's own default
# SO PIN: with it the token keeps CKF_SO_PIN_TO_BE_CHANGED and every SO
# operation but C_SetPIN/C_InitPIN answers CKR_PIN_EXPIRED; give
# OCK_SO_PIN another value to get a usable SO (it is set after init).
# C_SetPIN answers CKR_PIN_INVALID for a new PIN equal to the old one or
# to the default (SO 87654321, user 12345678).
# OCK_SLOT (default 3, the soft token's slot in Debian's own
# configuration) chooses the slot when this script starts the daemon.
#
# Must run as root (pkcsslotd insists on euid 0).  A non-root user of
# the token needs to be in group pkcs11 (the socket, the shared memory
# and the token folder are root:pkcs11, 0770/0660) in a session started
# after joining it.  Installs the Debian package opencryptoki when it is
# missing (OCK_NO_INSTALL=1 to forbid that).
set -eu

TOKDIR=${OCK_TOKDIR:-/var/lib/opencryptoki/swtok}
CONF=/etc/opencryptoki/opencryptoki.conf
LOCKDIR=/run/lock/opencryptoki
PIDFILE=/run/pkcsslotd.pid
SOCKET=/run/pkcsslotd.socket
SHMFILE=/dev/shm/var.lib.opencryptoki.swtok
LOGDIR=/var/log/opencryptoki
SLOTD=/usr/sbin/pkcsslotd
PKCSCONF=/usr/sbin/pkcsconf
MARK=/run/opencryptoki-test.dir
DEFAULT_SO_PIN=87654321

LABEL=${OCK_LABEL:-ock}
USER_PIN=${OCK_USER_PIN:-123456}
SO_PIN=${OCK_SO_PIN:-$DEFAULT_SO_PIN}
SLOT=${OCK_SLOT:-3}
TRIES=${OCK_WAIT_TRIES:-200}	# times 0.05 s, for start and for stop

say() { echo "opencryptoki.sh: $*" >&2; }
die() { say "$*"; exit 1; }
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# alive PID: PID is a running (not zombie) pkcsslotd.
alive() {
	[ -n "$1" ] && [ -r "/proc/$1/comm" ] || return 1
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = pkcsslotd ] || return 1
	st=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[ "$st" != Z ]
}

# running_slotd: the PIDs of running pkcsslotd processes.
running_slotd() {
	for d in /proc/[0-9]*; do
		p=${d#/proc/}
		if alive "$p"; then echo "$p"; fi
	done
}

# shmkey: the SysV key pkcsslotd uses, ftok("/usr/sbin/pkcsslotd", 'b').
shmkey() {
	# shellcheck disable=SC2046
	set -- $(stat -L -c '%d %i' "$SLOTD")
	printf '0x62%02x%04x' $(($1 & 255)) $(($2 & 65535))
}

module_path() {
	m=$(dpkg -L opencryptoki libopencryptoki0 2>/dev/null |
	    grep '/pkcs11/libopencryptoki\.so$' | head -n 1) || true
	if [ -z "$m" ] || [ ! -e "$m" ]; then
		for m in /usr/lib/*/pkcs11/libopencryptoki.so; do break; done
	fi
	[ -e "$m" ] || die "libopencryptoki.so not found"
	echo "$m"
}

install_if_missing() {
	[ -x "$SLOTD" ] && [ -x "$PKCSCONF" ] && return 0
	[ "${OCK_NO_INSTALL:-0}" = 1 ] && die "opencryptoki is not installed"
	say "installing opencryptoki"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends opencryptoki >&2 || {
		apt-get update -q >&2
		apt-get install -y -q --no-install-recommends opencryptoki >&2
	}
	[ -x "$SLOTD" ] || die "opencryptoki did not install"
}

# conf_slot FILE: the slot whose stdll is the soft token's.
conf_slot() {
	awk '/^[ \t]*slot[ \t]+[0-9]+/ { s = $2 }
	    /stdll[ \t]*=[ \t]*(libpkcs11_sw|PKCS11_SW)\.so/ { print s; exit }' \
	    "$1"
}

# pconf ARGS...: pkcsconf, which exits 0 even when a call fails, so its
# output decides.
pconf() {
	out=$("$PKCSCONF" "$@" 2>&1 </dev/null) || { say "$out"; return 1; }
	case $out in
	*Error*|*Incorrect*) say "pkcsconf $1: $out"; return 1 ;;
	esac
	printf '%s\n' "$out"
}

# Paths that a run may create; stop removes those that were not there.
# The tpm ones: a pkcsslotd found running has Debian's configuration,
# whose slot 0 (TPM 1.2, no tcsd here) every client loads as well.
me=$(id -un)
created_paths="$LOCKDIR $LOCKDIR/LCK..APIlock $LOCKDIR/swtok
$LOCKDIR/swtok/LCK..swtok $LOGDIR $SOCKET
$LOCKDIR/tpm $LOCKDIR/tpm/$me $LOCKDIR/tpm/$me/LCK..tpm
/var/lib/opencryptoki/tpm/$me /var/lib/opencryptoki/tpm/$me/TOK_OBJ
/dev/shm/var.lib.opencryptoki.tpm.$me"

# do_stop DIR: run it in a subshell from do_start (sh functions share
# their variables).
do_stop() {
	d=$1
	s=$d/saved
	pid=$(cat "$d/pkcsslotd.pid" 2>/dev/null || true)
	if [ -n "$pid" ] && [ -f "$d/own" ] && alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		i=0
		while alive "$pid" && [ $i -lt "$TRIES" ]; do
			sleep 0.05
			i=$((i + 1))
		done
		if alive "$pid"; then
			# it will not exit while clients are registered
			say "pkcsslotd $pid ignored SIGTERM; killing it"
			kill -KILL "$pid" 2>/dev/null || true
			i=0
			while alive "$pid" && [ $i -lt 100 ]; do
				sleep 0.05
				i=$((i + 1))
			done
		fi
		alive "$pid" && die "pkcsslotd $pid does not stop"
	fi
	rm -f "$d/pkcsslotd.pid" "$d/own"
	[ -d "$s" ] || { rm -f "$MARK"; return 0; }
	if [ -f "$s/own" ]; then
		# after a SIGKILL the daemon leaves these behind
		k=$(shmkey)
		if ipcs -m 2>/dev/null | grep -qi "^$k "; then
			ipcrm -M "$k" 2>/dev/null || true
		fi
		rm -f "$SOCKET"
		[ -f "$s/opencryptoki.conf" ] && cp -p "$s/opencryptoki.conf" "$CONF"
		rm -f "$PIDFILE"
		[ -f "$s/pkcsslotd.pid" ] && cp -p "$s/pkcsslotd.pid" "$PIDFILE"
	fi
	# the token folder and the library's shared memory
	rm -rf "$TOKDIR"
	[ -d "$s/swtok" ] && cp -a "$s/swtok" "$TOKDIR"
	rm -f "$SHMFILE"
	[ -f "$s/shm" ] && cp -p "$s/shm" "$SHMFILE"
	# what did not exist before, newest first
	if [ -f "$s/absent" ]; then
		sed '1!G;h;$!d' "$s/absent" | while read -r p; do
			if [ -d "$p" ] && [ ! -L "$p" ]; then
				find "$p" -depth -type f -name 'LCK..*' -delete \
				    2>/dev/null || true
				rmdir "$p" 2>/dev/null || true
			else
				rm -f "$p"
			fi
		done
	fi
	rm -rf "$s"
	rm -f "$MARK"
}

do_start() {
	d=$1
	s=$d/saved
	[ "$(id -u)" = 0 ] || die "must run as root (pkcsslotd needs it)"
	case $USER_PIN in ????|?????|??????|???????|????????) ;;
	*) die "OCK_USER_PIN must be 4 to 8 characters" ;; esac
	case $SO_PIN in ????|?????|??????|???????|????????) ;;
	*) die "OCK_SO_PIN must be 4 to 8 characters" ;; esac
	[ ${#LABEL} -le 32 ] || die "OCK_LABEL is longer than 32"
	install_if_missing
	mkdir -p "$d"
	d=$(cd "$d" && pwd)
	s=$d/saved
	# a run that never stopped: finish it first
	if [ -f "$MARK" ]; then
		old=$(cat "$MARK")
		opid=$(cat "$old/pkcsslotd.pid" 2>/dev/null || true)
		if [ "$old" != "$d" ] && [ -f "$old/own" ] && alive "$opid"; then
			die "the soft token is in use by a run in $old (pkcsslotd" \
			    "$opid); stop that first"
		fi
		say "finishing the earlier run in $old"
		(do_stop "$old")
	fi
	if [ -d "$s" ]; then (do_stop "$d"); fi
	mkdir -p "$s"
	echo "$d" >"$MARK"

	others=$(running_slotd)
	[ -d "$TOKDIR" ] && cp -a "$TOKDIR" "$s/swtok"
	[ -f "$SHMFILE" ] && cp -p "$SHMFILE" "$s/shm"
	for p in $created_paths; do
		[ -e "$p" ] || echo "$p" >>"$s/absent"
	done
	if [ -n "$others" ]; then
		# one started elsewhere (the package's init script): use it
		# shellcheck disable=SC2086
		set -- $others
		pid=$1
		own=0
		slot=$(conf_slot "$CONF")
		[ -n "$slot" ] || die "pkcsslotd $pid is running with no soft token"
		say "using the running pkcsslotd $pid"
	else
		own=1
		touch "$s/own"
		slot=$SLOT
		cp -p "$CONF" "$s/opencryptoki.conf"
		[ -f "$PIDFILE" ] && cp -p "$PIDFILE" "$s/pkcsslotd.pid"
		rm -f "$PIDFILE" "$SOCKET"
		[ -d "$(dirname "$CONF")" ] || die "$CONF: no such folder"
		# only the soft token: no TPM, CCA or other slot is tried
		printf 'version opencryptoki-3.1\n\nslot %s\n{\nstdll = %s\n}\n' \
		    "$slot" libpkcs11_sw.so >"$CONF"
	fi
	# a fresh token folder, as the package makes it
	rm -rf "$TOKDIR"
	mkdir -p "$TOKDIR/TOK_OBJ"
	chown root:pkcs11 "$TOKDIR" "$TOKDIR/TOK_OBJ"
	chmod 0770 "$TOKDIR" "$TOKDIR/TOK_OBJ"
	rm -f "$SHMFILE"

	if [ $own = 1 ]; then
		"$SLOTD" -f </dev/null >"$d/pkcsslotd.log" 2>&1 &
		pid=$!
		echo "$pid" >"$d/pkcsslotd.pid"
		touch "$d/own"
		# ready once it has written its PID file: that is after the
		# socket, the shared memory and the signal handlers
		i=0
		while [ $i -lt "$TRIES" ]; do
			if [ -S "$SOCKET" ] && [ "$(cat "$PIDFILE" 2>/dev/null)" = "$pid" ]
			then
				break
			fi
			# (it is our child: a dead one stays a zombie until we exit)
			st=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$pid/stat" 2>/dev/null) ||
			    break
			[ "$st" != Z ] || break
			sleep 0.05
			i=$((i + 1))
		done
		if ! [ -S "$SOCKET" ] || ! alive "$pid"; then
			sed 's/^/  pkcsslotd: /' "$d/pkcsslotd.log" >&2 || true
			(do_stop "$d") || true
			die "pkcsslotd did not start"
		fi
		# it has read the configuration: give back the original
		cp -p "$s/opencryptoki.conf" "$CONF"
	else
		echo "$pid" >"$d/pkcsslotd.pid"
	fi

	# The fresh token's SO PIN is openCryptoki's default.
	if ! printf '%s\n' "$LABEL" | "$PKCSCONF" -c "$slot" -I \
	    -S "$DEFAULT_SO_PIN" >"$d/init.log" 2>&1 ||
	    grep -q -e Error -e Incorrect "$d/init.log" ||
	    ! pconf -c "$slot" -u -S "$DEFAULT_SO_PIN" -n "$USER_PIN" \
	    >/dev/null ||
	    { [ "$SO_PIN" != "$DEFAULT_SO_PIN" ] && ! pconf -c "$slot" -P \
	    -S "$DEFAULT_SO_PIN" -n "$SO_PIN" >/dev/null; }; then
		cat "$d/init.log" >&2 || true
		(do_stop "$d") || true
		die "could not initialise the token in slot $slot"
	fi
	info=$(pconf -t -c "$slot") || { (do_stop "$d") || true; die "no token info"; }
	case $info in
	*"Label: $LABEL "*) ;;
	*) say "$info"; (do_stop "$d") || true; die "the token did not take label $LABEL" ;;
	esac
	if ! printf '%s\n' "$info" | grep -Eq '[(|]TOKEN_INITIALIZED[|]' ||
	    ! printf '%s\n' "$info" | grep -Eq '[(|]USER_PIN_INITIALIZED[|]'; then
		say "$info"
		(do_stop "$d") || true
		die "the token is not initialised"
	fi

	echo "OCK_MODULE=$(q "$(module_path)")"
	echo "OCK_SLOT=$(q "$slot")"
	echo "OCK_LABEL=$(q "$LABEL")"
	echo "OCK_USER_PIN=$(q "$USER_PIN")"
	echo "OCK_SO_PIN=$(q "$SO_PIN")"
	echo "OCK_PID=$(q "$pid")"
	echo "OCK_OWN_DAEMON=$own"
	echo "OCK_TOKDIR=$(q "$TOKDIR")"
}

[ $# -eq 2 ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
case $1 in
start) do_start "$2" ;;
stop)
	[ "$(id -u)" = 0 ] || die "must run as root"
	[ -d "$2" ] || exit 0
	do_stop "$(cd "$2" && pwd)"
	;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
