# shellcheck shell=bash
# Suite apply: an image tree loses its capabilities in a tar copy made
# without --xattrs; `fcap apply --root` restores them from fcap's dump and
# from libcap's `getcap -r` (both are manifests), idempotently, and paths
# that try to leave the root change nothing outside it.

suite_apply() {
	local d=$WORK/image
	mkdir -p "$d/img/usr/bin" "$d/img/usr/lib/helper"
	ln -s usr/bin "$d/img/bin"
	for f in usr/bin/ping usr/bin/dumpcap usr/bin/plain usr/lib/helper/ptp; do
		cp /usr/bin/true "$d/img/$f"
	done
	"$FCAP" set cap_net_raw=ep "$d/img/usr/bin/ping" cap_net_admin,cap_net_raw=eip "$d/img/usr/bin/dumpcap" \
		'cap_chown=i cap_net_raw+p' "$d/img/usr/lib/helper/ptp"
	(cd "$d/img" && "$FCAP" get -r .) >"$d/fcap.list"
	(cd "$d/img" && /usr/sbin/getcap -r .) | sort >"$d/libcap.list"
	same "fcap get -r and getcap -r list the same" "$(sort "$d/fcap.list")" "$(cat "$d/libcap.list")"

	mkdir "$d/copy"
	tar -C "$d/img" -cf - . | tar -C "$d/copy" -xf -
	same "a tar copy lost the capabilities" "$(cd "$d/copy" && /usr/sbin/getcap -r .)" ""

	runf "$FCAP" apply --check --root "$d/copy" "$d/fcap.list"
	same "--check reports 3 drifts (exit 1)" "$RC:$(printf '%s\n' "$OUT" | grep -c ': has none, want ')" "1:3"
	runf "$FCAP" apply --root "$d/copy" "$d/fcap.list"
	same "apply --root restores them (exit 0, 3 changes)" "$RC:$(printf '%s\n' "$OUT" | grep -c ': set ')" "0:3"
	same "libcap's getcap agrees with the original" "$(cd "$d/copy" && /usr/sbin/getcap -r . | sort)" "$(cat "$d/libcap.list")"
	runf "$FCAP" apply --root "$d/copy" "$d/fcap.list"
	same "a second run changes nothing" "$RC:$OUT:$ERR" "0::"
	runf "$FCAP" apply --root "$d/copy" "$d/libcap.list"
	same "libcap's dump is a manifest that agrees" "$RC:$OUT:$ERR" "0::"

	apply_escapes "$d"
}

# apply_escapes DIR tries to leave the root through "..", a symlink to /
# and an absolute symlink; the target outside must stay untouched.
apply_escapes() {
	local d=$1
	cp /usr/bin/true "$d/outside"
	ln -s / "$d/copy/host"
	ln -s "$d" "$d/copy/abs"
	{
		echo "/../outside cap_sys_admin=ep"
		echo "usr/../../outside cap_sys_admin=ep"
		echo "/host$d/outside cap_sys_admin=ep"
		echo "/abs/outside cap_sys_admin=ep"
	} >"$d/escape.list"
	runf "$FCAP" apply --root "$d/copy" "$d/escape.list"
	same "escapes are refused (exit 1, 4 errors)" "$RC:$(printf '%s\n' "$ERR" | grep -c '^fcap: open ')" "1:4"
	runf "$FCAP" apply --root "$d/copy" --root-symlinks "$d/escape.list"
	same "... also with --root-symlinks" "$RC:$(printf '%s\n' "$ERR" | grep -c '^fcap: open ')" "1:4"
	same "the file outside the root is untouched" "$(xattr_hex "$d/outside")" "none"
}
