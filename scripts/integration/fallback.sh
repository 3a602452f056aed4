# shellcheck shell=bash
# Suite fallback: on bindfs --xattr-none, a filesystem that refuses every
# extended attribute, `fcap apply --fallback-setuid` sets the setuid bit of
# root-owned files instead (exit 3) where the mount honours setuid bits,
# and refuses others and every file on a nosuid mount (bindfs's default,
# where a setuid bit would do nothing either); the Debian postinst
# snippet in docs/PACKAGING.md falls back the same way, and on a normal
# filesystem sets the capability and strips the setuid bit.

suite_fallback() {
	if ! command -v bindfs >/dev/null; then
		skip "setuid fallback" "bindfs is not installed (apt-get install bindfs fuse3)"
		return
	fi
	if [ ! -e /dev/fuse ]; then
		skip "setuid fallback" "no /dev/fuse"
		return
	fi
	local d=$WORK/noxattr
	mkdir -p "$d/src" "$d/mnt"
	cp /usr/bin/true "$d/src/prog"
	cp /usr/bin/true "$d/src/user"
	cp /usr/bin/true "$d/src/pkg"
	chown 65534:65534 "$d/src/user"
	mkdir -p "$d/nosuid"
	if ! bindfs --xattr-none -o suid "$d/src" "$d/mnt" || ! bindfs --xattr-none "$d/src" "$d/nosuid"; then
		bad "mount bindfs --xattr-none"
		return
	fi
	on_exit "umount '$d/mnt'; umount '$d/nosuid'"
	fallback_nosuid "$d"
	fallback_apply "$d"
	fallback_postinst "$d"
}

# fallback_nosuid DIR: on bindfs's default nosuid mount a setuid bit does
# nothing, so --fallback-setuid refuses and changes nothing.
fallback_nosuid() {
	local d=$1
	printf '%s cap_net_raw=ep\n' "$d/nosuid/prog" >"$d/nosuid.list"
	runf "$FCAP" apply --fallback-setuid "$d/nosuid.list"
	same "nosuid mount: --fallback-setuid refuses (exit 1)" "$RC" 1
	has "... saying why" "$ERR" "mounted nosuid"
	same "... and the mode is unchanged" "$(mode "$d/src/prog")" 755
}

# fallback_apply DIR drives fcap apply on the bindfs mount.
fallback_apply() {
	local d=$1
	printf '%s cap_net_raw=ep\n' "$d/mnt/prog" >"$d/root.list"
	printf '%s cap_net_raw=ep\n' "$d/mnt/user" >"$d/user.list"

	runf "$FCAP" apply "$d/root.list"
	same "without --fallback-setuid: failure (exit 1)" "$RC" 1
	has "... naming the cause" "$ERR" "filesystem does not support file capabilities"
	same "... and the mode is unchanged" "$(mode "$d/src/prog")" 755

	runf "$FCAP" apply --fallback-setuid "$d/root.list"
	same "--fallback-setuid: fell back (exit 3)" "$RC" 3
	same "... the setuid bit is set" "$(mode "$d/src/prog")" 4755
	same "... the change is reported" "$OUT" "$d/mnt/prog: set the setuid bit, mode 4755 (was 0755)"
	has "... with a warning on stderr" "$ERR" "warning: $d/mnt/prog: the filesystem cannot store cap_net_raw=ep"

	runf "$FCAP" apply --fallback-setuid "$d/root.list"
	same "again: still exit 3" "$RC" 3
	same "... and nothing changes" "$OUT" ""
	runf "$FCAP" apply --check --fallback-setuid "$d/root.list"
	same "--check --fallback-setuid: exit 3, no drift" "$RC:$OUT" "3:"

	runf "$FCAP" apply --fallback-setuid "$d/user.list"
	same "a file not owned by root: refused (exit 1)" "$RC" 1
	has "... saying why" "$ERR" "owned by uid 65534, not root"
	same "... and its mode is unchanged" "$(mode "$d/src/user")" 755
}

# fallback_postinst DIR runs the docs/PACKAGING.md postinst snippet on a
# file that cannot store capabilities and on one that can.
fallback_postinst() {
	local d=$1
	local snippet=$d/postinst
	awk '/<!-- postinst:begin -->/ {f = 1; next} /<!-- postinst:end -->/ {f = 0} f' \
		"$TOP/docs/PACKAGING.md" | sed '/^```/d' >"$snippet.in"
	if ! grep -q '^PROGRAM=' "$snippet.in"; then
		bad "docs/PACKAGING.md has the postinst snippet"
		return
	fi
	ok "docs/PACKAGING.md has the postinst snippet"

	chmod 0755 "$d/src/pkg"
	sed "s|^PROGRAM=.*|PROGRAM=$d/mnt/pkg|" "$snippet.in" >"$snippet"
	runf env PATH="$SHIMS:$PATH" sh "$snippet" configure
	same "postinst on a filesystem without xattrs: exit 0" "$RC" 0
	same "... fell back to setuid" "$(mode "$d/src/pkg")" 4755
	has "... with fcap's warning" "$ERR" "warning: $d/mnt/pkg"

	local real=$d/real
	cp /usr/bin/true "$real"
	chmod 4755 "$real"
	sed "s|^PROGRAM=.*|PROGRAM=$real|" "$snippet.in" >"$snippet"
	runf env PATH="$SHIMS:$PATH" sh "$snippet" configure
	same "postinst on a normal filesystem: exit 0, quiet" "$RC:$OUT:$ERR" "0::"
	same "... cap_net_raw=ep set" "$(/usr/sbin/getcap "$real")" "$real cap_net_raw=ep"
	same "... setuid bit stripped" "$(mode "$real")" 755
}
