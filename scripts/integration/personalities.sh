# shellcheck shell=bash
# Suite personalities: setcap and getcap symlinks to fcap (what the other
# suites put first on PATH) write and print what libcap 2.66 does.

suite_personalities() {
	local d=$WORK/personalities
	mkdir -p "$d"
	cp /usr/bin/true "$d/fcap-made"
	cp /usr/bin/true "$d/libcap-made"
	cp /usr/bin/true "$d/plain"
	check "setcap symlink sets cap_net_raw+ep" "$SHIMS/setcap" cap_net_raw+ep "$d/fcap-made"
	if [ ! -x /usr/sbin/setcap ]; then
		skip "compared with libcap" "libcap2-bin is not installed"
		return
	fi
	/usr/sbin/setcap cap_net_raw+ep "$d/libcap-made"
	same "same xattr as libcap's setcap" "$(xattr_hex "$d/fcap-made")" "$(xattr_hex "$d/libcap-made")"
	same "getcap -v prints what libcap prints" \
		"$(cd "$d" && "$SHIMS/getcap" -v fcap-made plain 2>&1; echo "exit $?")" \
		"$(cd "$d" && /usr/sbin/getcap -v fcap-made plain 2>&1; echo "exit $?")"
}
