#!/bin/sh
# tpm2.sh: a real tpm2-pkcs11 token over a software TPM (swtpm), kept
# entirely inside one private folder, for the integration tests.
#
#   tpm2.sh start DIR           start swtpm (+ a private D-Bus and tpm2-abrmd),
#                               make a store with token "tpm", print the
#                               environment as shell lines to eval
#   tpm2.sh addtoken DIR LABEL  add another token to the same store and TPM
#   tpm2.sh env DIR             print the environment again
#   tpm2.sh unlock DIR          clear the TPM's dictionary-attack lockout
#                               (with TPM2_SH_RM=none: and flush the TPM)
#   tpm2.sh stop DIR            stop every process started for DIR, by PID
#
# Use:   eval "$(sh tests/tokens/tpm2.sh start "$DIR")"
#        pkcs11-tool --module "$TPM2_PKCS11_MODULE" --login --pin 123456 ...
#        sh tests/tokens/tpm2.sh stop "$DIR"
# or source it (from a script not named tpm2.sh) and call tpm2_start DIR,
# tpm2_addtoken DIR LABEL, tpm2_env DIR, tpm2_stop DIR: each runs in a
# subshell, so neither `set -eu` nor the variables leak into the caller.
#
# Every token has user PIN 123456 and SO PIN 87654321.  Nothing is written
# outside DIR: DIR/tpm (TPM state), DIR/store (tpm2_pkcs11.sqlite3 and its
# lock), DIR/home and DIR/tmp (HOME and TMPDIR of the helper tools), the
# sockets, logs and PID files.  `start` on a DIR whose store already exists
# restarts the daemons over the kept TPM state and store (a "reboot").
#
# Wrong PINs: every failed user or SO login (and C_SetPIN with a wrong old
# PIN) counts against the TPM's dictionary-attack counter, shared by all
# tokens.  swtpm's own limits (3 tries, then 1000 s locked, CKR_PIN_LOCKED
# even for the right PIN) would make tests depend on each other, so
# `start` sets max tries TPM2_SH_DA_MAX_TRIES (1000), one failure forgiven
# every TPM2_SH_DA_RECOVERY s (1), lockout recovery
# TPM2_SH_DA_LOCKOUT_RECOVERY s (1); set TPM2_SH_DA_MAX_TRIES=3 to test
# lockout, and `tpm2.sh unlock DIR` to end one.
#
# Why tpm2-abrmd: swtpm's TPM holds only 3 transient objects.  Straight to
# swtpm (TCTI "swtpm:...") tpm2_ptool fails at addtoken with TPM_RC 0x902
# (out of memory for object contexts), since tpm2-tools leave objects
# loaded for a resource manager to flush, and the module, too, leaves
# objects loaded on error paths and while a process holds them, so one
# failing test or two processes at once break the token for every later
# one.  So by default the token is reached through tpm2-abrmd on a private
# session bus (DIR/bus), which flushes each client's objects when it goes.
# TPM2_SH_RM=none at `start` stops abrmd after setting up and prints the
# direct swtpm TCTI instead (one client process at a time, no crashes).
# TPM2_SH_TRANSPORT=tcp puts swtpm on two free 127.0.0.1 TCP ports instead
# of the unix sockets DIR/swtpm.sock{,.ctrl} (chosen also when DIR is too
# long for a unix socket path).
#
# Debian 12 packages: swtpm tpm2-tools tpm2-abrmd libtss2-tcti-tabrmd0
# libtpm2-pkcs11-1 libtpm2-pkcs11-tools dbus-daemon.

TPM2_SH_USERPIN=123456
TPM2_SH_SOPIN=87654321

tpm2__die() {
	echo "tpm2.sh: $*" >&2
	exit 1
}

# tpm2__nap: a short pause between two polls of a bounded loop.
tpm2__nap() {
	sleep 0.05 2>/dev/null || sleep 1
}

# tpm2__module: the module path, from dpkg (or TPM2_PKCS11_MODULE if set).
tpm2__module() {
	if [ -n "${TPM2_PKCS11_MODULE:-}" ] && [ -e "$TPM2_PKCS11_MODULE" ]; then
		echo "$TPM2_PKCS11_MODULE"
		return 0
	fi
	_m=$(dpkg -L libtpm2-pkcs11-1 2>/dev/null | grep '/pkcs11/libtpm2_pkcs11\.so$' | head -n 1) || :
	[ -n "$_m" ] && [ -e "$_m" ] || _m=$(dpkg -L libtpm2-pkcs11-1 2>/dev/null |
	    grep '/libtpm2_pkcs11\.so\.1$' | head -n 1) || :
	if [ -z "$_m" ] || [ ! -e "$_m" ]; then
		tpm2__die "no tpm2-pkcs11 module (apt-get install libtpm2-pkcs11-1)"
	fi
	echo "$_m"
}

# tpm2__q VALUE: VALUE quoted for the shell.
tpm2__q() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# tpm2__dir DIR: DIR made absolute (it must exist).
tpm2__dir() {
	[ -n "${1:-}" ] || tpm2__die "no DIR given"
	(cd "$1" && pwd -P) || tpm2__die "no folder $1"
}

# tpm2__private DIR: the environment of the helper tools, all inside DIR.
tpm2__private() {
	HOME=$1/home
	TMPDIR=$1/tmp
	XDG_RUNTIME_DIR=$1/run
	XDG_CONFIG_HOME=$1/home/.config
	XDG_CACHE_HOME=$1/home/.cache
	XDG_DATA_HOME=$1/home/.local/share
	TPM2_PKCS11_STORE=$1/store
	TPM2_PKCS11_BACKEND=esysdb
	DBUS_SESSION_BUS_ADDRESS=unix:path=$1/bus
	export HOME TMPDIR XDG_RUNTIME_DIR XDG_CONFIG_HOME XDG_CACHE_HOME \
	    XDG_DATA_HOME TPM2_PKCS11_STORE TPM2_PKCS11_BACKEND \
	    DBUS_SESSION_BUS_ADDRESS
	unset TPM2_PKCS11_TCTI TPM2TOOLS_TCTI TCTI TPM2_PKCS11_LOG_LEVEL
	TSS2_LOG=all+NONE
	export TSS2_LOG
}

# tpm2__direct DIR: the TCTI straight to swtpm (from DIR/transport).
tpm2__direct() {
	read -r _tr _port <"$1/transport" || tpm2__die "no $1/transport"
	case $_tr in
	unix) echo "swtpm:path=$1/swtpm.sock" ;;
	tcp) echo "swtpm:host=127.0.0.1,port=$_port" ;;
	*) tpm2__die "bad $1/transport" ;;
	esac
}

TPM2_SH_TABRMD=tabrmd:bus_type=session

# tpm2__da DIR TCTI: clear any lockout, set the dictionary-attack limits.
tpm2__da() {
	tpm2_dictionarylockout -T "$2" -c >>"$1/tools.log" 2>&1 || :
	tpm2_dictionarylockout -T "$2" -s -n "${TPM2_SH_DA_MAX_TRIES:-1000}" \
	    -t "${TPM2_SH_DA_RECOVERY:-1}" -l "${TPM2_SH_DA_LOCKOUT_RECOVERY:-1}" \
	    >>"$1/tools.log" 2>&1 ||
	    { cat "$1/tools.log" >&2; tpm2__die "tpm2_dictionarylockout failed"; }
}

# tpm2__running PID: PID is a live process, not a zombie left for init.
tpm2__running() {
	kill -0 "$1" 2>/dev/null || return 1
	[ -r "/proc/$1/stat" ] || return 0
	_st=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[ "$_st" != Z ] && [ "$_st" != X ]
}

# tpm2__alive PID NAME: PID is a live process called NAME (not a PID
# reused since).  Only once NAME has been exec'd: a child just forked is
# still called sh.
tpm2__alive() {
	tpm2__running "$1" || return 1
	[ -r "/proc/$1/comm" ] || return 0
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]
}

# tpm2__kill PIDFILE NAME: stop the process NAME whose PID is in PIDFILE,
# and wait (bounded) for it to be gone; SIGKILL after 5 s.
tpm2__kill() {
	[ -f "$1" ] || return 0
	_pid=$(cat "$1")
	case $_pid in '' | *[!0-9]*) rm -f "$1"; return 0 ;; esac
	if tpm2__alive "$_pid" "$2"; then
		kill -TERM "$_pid" 2>/dev/null || :
		_i=0
		while tpm2__alive "$_pid" "$2" && [ $_i -lt 100 ]; do
			tpm2__nap
			_i=$((_i + 1))
		done
		if tpm2__alive "$_pid" "$2"; then
			echo "tpm2.sh: $2 ($_pid) still there after SIGTERM; SIGKILL" >&2
			kill -KILL "$_pid" 2>/dev/null || :
			_i=0
			while tpm2__alive "$_pid" "$2" && [ $_i -lt 100 ]; do
				tpm2__nap
				_i=$((_i + 1))
			done
		fi
		tpm2__alive "$_pid" "$2" && tpm2__die "$2 ($_pid) will not stop"
	fi
	wait "$_pid" 2>/dev/null || :
	rm -f "$1"
}

# tpm2__freeport: an even port P in 20000..59998 with P and P+1 unused.
tpm2__freeport() {
	_n=0
	while [ $_n -lt 50 ]; do
		_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		_p=$((20000 + (_r % 20000) * 2))
		if ! command -v ss >/dev/null 2>&1 ||
		    [ -z "$(ss -Hltn "( sport = :$_p or sport = :$((_p + 1)) )" 2>/dev/null)" ]; then
			echo "$_p"
			return 0
		fi
		_n=$((_n + 1))
	done
	tpm2__die "no free TCP port"
}

# tpm2__swtpm DIR: start swtpm over DIR/tpm and wait until it answers.
tpm2__swtpm() {
	_tr=${TPM2_SH_TRANSPORT:-unix}
	# sun_path holds 107 bytes; the control socket is DIR/swtpm.sock.ctrl
	[ "$_tr" = unix ] && [ ${#1} -gt 88 ] && _tr=tcp
	_try=0
	while :; do
		_try=$((_try + 1))
		rm -f "$1/swtpm.sock" "$1/swtpm.sock.ctrl"
		if [ "$_tr" = unix ]; then
			echo unix >"$1/transport"
			set -- "$1" --server "type=unixio,path=$1/swtpm.sock" \
			    --ctrl "type=unixio,path=$1/swtpm.sock.ctrl"
		else
			_port=$(tpm2__freeport)
			echo "tcp $_port" >"$1/transport"
			set -- "$1" --server "type=tcp,port=$_port,bindaddr=127.0.0.1" \
			    --ctrl "type=tcp,port=$((_port + 1)),bindaddr=127.0.0.1"
		fi
		swtpm socket --tpm2 --tpmstate "dir=$1/tpm" "$2" "$3" "$4" "$5" \
		    --flags not-need-init,startup-clear \
		    --log "file=$1/swtpm.log,level=1" \
		    </dev/null >>"$1/swtpm.out" 2>&1 &
		_pid=$!
		echo "$_pid" >"$1/swtpm.pid"
		set -- "$1"
		_tcti=$(tpm2__direct "$1")
		_i=0
		while [ $_i -lt 200 ]; do
			tpm2__running "$_pid" || break
			if tpm2_getrandom -T "$_tcti" 4 >/dev/null 2>&1; then
				# startup-clear was sent by swtpm; this is a no-op then
				tpm2_startup -c -T "$_tcti" >/dev/null 2>&1 || :
				return 0
			fi
			tpm2__nap
			_i=$((_i + 1))
		done
		tpm2__kill "$1/swtpm.pid" swtpm
		# a TCP port taken meanwhile: try other ports
		[ "$_tr" = tcp ] && [ $_try -lt 5 ] && continue
		cat "$1/swtpm.out" "$1/swtpm.log" >&2 2>/dev/null || :
		tpm2__die "swtpm did not come up"
	done
}

# tpm2__bus DIR: start a private D-Bus session bus at DIR/bus.
tpm2__bus() {
	[ ${#1} -le 100 ] || tpm2__die "DIR too long for a unix socket: $1"
	rm -f "$1/bus"
	cat >"$1/dbus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$1/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
	dbus-daemon --config-file="$1/dbus.conf" --nofork --nopidfile --nosyslog \
	    </dev/null >>"$1/dbus.log" 2>&1 &
	_pid=$!
	echo "$_pid" >"$1/dbus.pid"
	_i=0
	while [ $_i -lt 200 ]; do
		tpm2__running "$_pid" || break
		[ -S "$1/bus" ] && return 0
		tpm2__nap
		_i=$((_i + 1))
	done
	cat "$1/dbus.log" >&2 || :
	tpm2__die "dbus-daemon did not come up"
}

# tpm2__abrmd DIR: start tpm2-abrmd on DIR/bus, over swtpm.
tpm2__abrmd() {
	_root=
	[ "$(id -u)" = 0 ] && _root=--allow-root
	tpm2-abrmd --session --tcti="$(tpm2__direct "$1")" --flush-all ${_root:+"$_root"} \
	    --max-connections="${TPM2_SH_MAX_CONNECTIONS:-100}" \
	    --logger=stdout </dev/null >>"$1/abrmd.log" 2>&1 &
	_pid=$!
	echo "$_pid" >"$1/abrmd.pid"
	_i=0
	while [ $_i -lt 200 ]; do
		tpm2__running "$_pid" || break
		tpm2_getrandom -T "$TPM2_SH_TABRMD" 4 >/dev/null 2>&1 && return 0
		tpm2__nap
		_i=$((_i + 1))
	done
	cat "$1/abrmd.log" >&2 || :
	tpm2__die "tpm2-abrmd did not come up"
}

# tpm2__addtoken DIR LABEL: tpm2_ptool addtoken (abrmd must be up).
tpm2__addtoken() {
	_pid=$(cat "$1/primary-id" 2>/dev/null) || tpm2__die "no $1/primary-id"
	TPM2TOOLS_TCTI=$TPM2_SH_TABRMD tpm2_ptool addtoken --pid="$_pid" \
	    --label="$2" --userpin="$TPM2_SH_USERPIN" --sopin="$TPM2_SH_SOPIN" \
	    --path "$1/store" >>"$1/ptool.log" 2>&1 ||
	    { cat "$1/ptool.log" >&2; tpm2__die "tpm2_ptool addtoken $2 failed"; }
}

# tpm2__printenv DIR: the caller's environment, as shell lines.
tpm2__printenv() {
	if [ "$(cat "$1/rm")" = none ]; then
		_tcti=$(tpm2__direct "$1")
	else
		_tcti=$TPM2_SH_TABRMD
	fi
	for _kv in "TPM2_PKCS11_MODULE=$(tpm2__module)" \
	    "TPM2_PKCS11_STORE=$1/store" \
	    "TPM2_PKCS11_TCTI=$_tcti" \
	    "TPM2TOOLS_TCTI=$_tcti" \
	    "TPM2_PKCS11_LOG_LEVEL=0" \
	    "TPM2_PKCS11_BACKEND=esysdb" \
	    "TSS2_LOG=all+NONE" \
	    "DBUS_SESSION_BUS_ADDRESS=unix:path=$1/bus"; do
		[ "$(cat "$1/rm")" = none ] && case $_kv in DBUS_*) continue ;; esac
		echo "export ${_kv%%=*}=$(tpm2__q "${_kv#*=}")"
	done
}

tpm2_start() (
	set -eu
	[ -n "${1:-}" ] || tpm2__die "usage: tpm2.sh start DIR"
	mkdir -p "$1"
	_d=$(tpm2__dir "$1")
	set -- "$_d"
	for _c in swtpm tpm2_getrandom tpm2_ptool tpm2-abrmd dbus-daemon; do
		command -v "$_c" >/dev/null 2>&1 ||
		    tpm2__die "$_c missing (apt-get install swtpm tpm2-tools tpm2-abrmd libtss2-tcti-tabrmd0 libtpm2-pkcs11-1 libtpm2-pkcs11-tools dbus-daemon)"
	done
	for _n in swtpm:swtpm dbus:dbus-daemon abrmd:tpm2-abrmd; do
		[ -f "$1/${_n%%:*}.pid" ] && tpm2__alive "$(cat "$1/${_n%%:*}.pid")" "${_n#*:}" &&
		    tpm2__die "already running in $1 (tpm2.sh stop $1)"
	done
	rm -f "$1/swtpm.pid" "$1/dbus.pid" "$1/abrmd.pid"
	mkdir -p "$1/tpm" "$1/store" "$1/home" "$1/tmp" "$1/run"
	chmod 700 "$1/run"
	tpm2__private "$1"
	echo "${TPM2_SH_RM:-abrmd}" >"$1/rm"
	# shellcheck disable=SC2064
	trap "tpm2__stop $(tpm2__q "$1")" EXIT
	tpm2__swtpm "$1"
	tpm2__da "$1" "$(tpm2__direct "$1")"
	tpm2__bus "$1"
	tpm2__abrmd "$1"
	if [ ! -s "$1/store/tpm2_pkcs11.sqlite3" ] || [ ! -s "$1/primary-id" ]; then
		TPM2TOOLS_TCTI=$TPM2_SH_TABRMD tpm2_ptool init --path "$1/store" \
		    >"$1/ptool.init" 2>>"$1/ptool.log" ||
		    { cat "$1/ptool.init" "$1/ptool.log" >&2; tpm2__die "tpm2_ptool init failed"; }
		sed -n 's/^id: *\([0-9][0-9]*\)$/\1/p' "$1/ptool.init" >"$1/primary-id"
		[ -s "$1/primary-id" ] || tpm2__die "tpm2_ptool init gave no id"
		tpm2__addtoken "$1" tpm
	fi
	if [ "$(cat "$1/rm")" = none ]; then
		tpm2__kill "$1/abrmd.pid" tpm2-abrmd
		tpm2__kill "$1/dbus.pid" dbus-daemon
	fi
	trap - EXIT
	tpm2__printenv "$1" >"$1/env"
	cat "$1/env"
)

tpm2_addtoken() (
	set -eu
	if [ -z "${1:-}" ] || [ -z "${2:-}" ]; then
		tpm2__die "usage: tpm2.sh addtoken DIR LABEL"
	fi
	_d=$(tpm2__dir "$1")
	set -- "$_d" "$2"
	[ -s "$1/env" ] || tpm2__die "not started: $1"
	tpm2__private "$1"
	if [ "$(cat "$1/rm")" = none ]; then
		# a resource manager just for tpm2_ptool
		# shellcheck disable=SC2064
		trap "tpm2__kill $(tpm2__q "$1/abrmd.pid") tpm2-abrmd; tpm2__kill $(tpm2__q "$1/dbus.pid") dbus-daemon" EXIT
		tpm2__bus "$1"
		tpm2__abrmd "$1"
	fi
	tpm2__addtoken "$1" "$2"
)

tpm2_unlock() (
	set -eu
	_d=$(tpm2__dir "${1:-}")
	[ -s "$_d/env" ] || tpm2__die "not started: $_d"
	tpm2__private "$_d"
	if [ "$(cat "$_d/rm")" = none ]; then
		# no resource manager: also flush what earlier clients left
		# loaded (only while no client is connected)
		for _f in -t -l -s; do
			tpm2_flushcontext -T "$(tpm2__direct "$_d")" $_f >>"$_d/tools.log" 2>&1 || :
		done
		tpm2__da "$_d" "$(tpm2__direct "$_d")"
	else
		tpm2__da "$_d" "$TPM2_SH_TABRMD"
	fi
)

tpm2_env() (
	set -eu
	_d=$(tpm2__dir "${1:-}")
	[ -s "$_d/env" ] || tpm2__die "not started: $_d"
	cat "$_d/env"
)

# tpm2__stop DIR: stop abrmd, the bus and swtpm (in that order).
tpm2__stop() {
	tpm2__kill "$1/abrmd.pid" tpm2-abrmd
	tpm2__kill "$1/dbus.pid" dbus-daemon
	tpm2__kill "$1/swtpm.pid" swtpm
	rm -f "$1/bus" "$1/swtpm.sock" "$1/swtpm.sock.ctrl"
}

tpm2_stop() (
	set -eu
	[ -d "${1:-}" ] || exit 0
	_d=$(tpm2__dir "$1")
	tpm2__stop "$_d"
)

case ${0##*/} in
tpm2.sh)
	set -eu
	_cmd=${1:-}
	[ $# -gt 0 ] && shift
	case $_cmd in
	start) tpm2_start "$@" ;;
	addtoken) tpm2_addtoken "$@" ;;
	env) tpm2_env "$@" ;;
	unlock) tpm2_unlock "$@" ;;
	stop) tpm2_stop "$@" ;;
	*)
		echo "usage: tpm2.sh start DIR | addtoken DIR LABEL | env DIR | unlock DIR | stop DIR" >&2
		exit 2
		;;
	esac
	;;
esac
