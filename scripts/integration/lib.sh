# shellcheck shell=bash
# Helpers shared by the integration suites; sourced by run.

PASSED=0 FAILED=0 SKIPPED=0
# CLEANUP holds shell commands run in reverse order on exit.
CLEANUP=()

# ok NAME / bad NAME DETAIL / skip NAME REASON record one check.
ok() { PASSED=$((PASSED + 1)); echo "  ok    $1"; }
bad() {
	FAILED=$((FAILED + 1))
	echo "  FAIL  $1"
	[ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/        | /'
}
skip() { SKIPPED=$((SKIPPED + 1)); echo "  skip  $1: $2"; }

# check NAME CMD... passes when CMD succeeds.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name" "command: $*"; fi
}

# same NAME GOT WANT passes when the two strings are equal.
same() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "got:  $2"$'\n'"want: $3"; fi
}

# status NAME WANT CMD... passes when CMD exits with status WANT.
status() {
	local name=$1 want=$2 got
	shift 2
	"$@"
	got=$?
	same "$name (exit $want)" "$got" "$want"
}

# runf CMD... runs CMD and sets RC, OUT and ERR (its exit status,
# standard output and standard error).
# shellcheck disable=SC2034 # RC, OUT and ERR are read by the suites
runf() {
	local o=$WORK/.out e=$WORK/.err
	"$@" >"$o" 2>"$e"
	RC=$?
	OUT=$(cat "$o")
	ERR=$(cat "$e")
}

# has NAME TEXT PART passes when TEXT contains PART.
has() {
	if [[ $2 == *"$3"* ]]; then ok "$1"; else bad "$1" "want it to contain: $3"$'\n'"got: $2"; fi
}

# run_suite NAME runs suite_NAME and prints its time.
run_suite() {
	local t0=$SECONDS
	echo "== $1"
	"suite_$1"
	echo "   ($1: $((SECONDS - t0))s)"
}

# on_exit CMD queues CMD for cleanup.
on_exit() { CLEANUP+=("$1"); }

cleanup() {
	local i
	for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUP[i]}" || echo "integration: cleanup failed: ${CLEANUP[i]}" >&2
	done
	rm -rf "$WORK"
}

# install_missing installs, with apt-get, the tools the suites drive.
install_missing() {
	local need=()
	command -v ping >/dev/null || need+=(iputils-ping)
	command -v ansible-playbook >/dev/null || need+=(ansible)
	command -v bindfs >/dev/null || need+=(bindfs)
	command -v fusermount3 >/dev/null || need+=(fuse3)
	command -v setcap >/dev/null || need+=(libcap2-bin)
	command -v rpmbuild >/dev/null || need+=(rpm)
	[ -x /usr/bin/python3 ] || need+=(python3)
	[ ${#need[@]} -gt 0 ] || return 0
	local t0=$SECONDS
	echo "integration: installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	timeout 180 apt-get update -qq -o DPkg::Lock::Timeout=120 >/dev/null ||
		echo "integration: apt-get update failed" >&2
	timeout 420 apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=120 \
		"${need[@]}" >/dev/null ||
		echo "integration: apt-get install ${need[*]} failed; the suites that need them skip" >&2
	echo "integration: installed in $((SECONDS - t0))s"
}

# make_shims puts setcap and getcap symlinks to $FCAP in $SHIMS, the
# directory the clients find first on PATH.
make_shims() {
	SHIMS=$WORK/shims
	mkdir -p "$SHIMS"
	ln -s "$FCAP" "$SHIMS/setcap"
	ln -s "$FCAP" "$SHIMS/getcap"
	ln -s "$FCAP" "$SHIMS/fcap"
	export SHIMS
}

# xattr_hex FILE prints FILE's raw security.capability in hex, or "none".
xattr_hex() {
	/usr/bin/python3 - "$1" <<'PY'
import os, sys
try:
    print(os.getxattr(sys.argv[1], "security.capability", follow_symlinks=False).hex())
except OSError:
    print("none")
PY
}

# xattr_restore FILE HEX puts back a value xattr_hex printed ("none"
# removes it). It uses neither fcap nor libcap, so a broken fcap under test
# cannot leave the system changed.
xattr_restore() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import errno, os, sys
path, value = sys.argv[1], sys.argv[2]
if value == "none":
    try:
        os.removexattr(path, "security.capability", follow_symlinks=False)
    except OSError as e:
        if e.errno != errno.ENODATA:
            raise
else:
    os.setxattr(path, "security.capability", bytes.fromhex(value), follow_symlinks=False)
PY
}

# mode FILE prints FILE's permission bits in octal (e.g. 4755).
mode() { stat -c %a "$1"; }

# traced LOG CMD... runs CMD recording every execve in LOG (when strace
# is installed), so a suite can prove which setcap a client ran.
traced() {
	local log=$1
	shift
	if command -v strace >/dev/null; then
		strace -f --seccomp-bpf -qq -e trace=execve -e signal=none -o "$log" "$@"
	else
		: >"$log"
		"$@"
	fi
}

# ran_shim WHO TOOL LOG checks that LOG shows WHO executing fcap's TOOL
# ($SHIMS/TOOL), not libcap's.
ran_shim() {
	local who=$1 tool=$2 log=$3
	if ! command -v strace >/dev/null; then
		skip "$who ran fcap's $tool" "strace is not installed"
	elif grep -q "execve(\"$SHIMS/$tool\"" "$log"; then
		ok "$who ran fcap's $tool"
	else
		bad "$who ran fcap's $tool" "$(grep -E 'setcap|getcap' "$log" | head -5)"
	fi
}
