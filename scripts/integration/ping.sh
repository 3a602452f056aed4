# shellcheck shell=bash
# Suite ping: Debian's iputils-ping postinst, run for real by
# dpkg-reconfigure with fcap's setcap first on PATH, must leave ping with
# cap_net_raw and without the setuid bit, and nobody must be able to ping.
# ping's original mode and capabilities are put back on exit.

suite_ping() {
	local postinst=/var/lib/dpkg/info/iputils-ping.postinst prog real
	if [ ! -f "$postinst" ] || ! command -v dpkg-reconfigure >/dev/null; then
		skip "iputils-ping postinst" "iputils-ping is not installed"
		return
	fi
	prog=$(dpkg-divert --truename /bin/ping)
	real=$(readlink -f "$prog")
	save_ping "$real"

	# As unpacked from a package whose postinst fell back once: setuid
	# root and no capabilities.
	xattr_restore "$real" none && chmod 4755 "$real"
	nobody_cannot_ping "$real"
	chmod 4755 "$real"

	local log=$WORK/ping-postinst.trace out
	out=$(PATH="$SHIMS:$PATH" traced "$log" dpkg-reconfigure -fnoninteractive iputils-ping 2>&1)
	same "dpkg-reconfigure iputils-ping succeeds quietly" "$?:$out" "0:"
	ran_shim "the postinst" setcap "$log"
	ping_converted "$real"

	out=$(PATH="$SHIMS:$PATH" dpkg-reconfigure -fnoninteractive iputils-ping 2>&1)
	same "running the postinst again succeeds quietly" "$?:$out" "0:"
	ping_converted "$real"
}

# save_ping FILE queues the restoration of FILE's mode and capabilities.
save_ping() {
	local file=$1 m value
	m=$(mode "$file")
	value=$(xattr_hex "$file")
	on_exit "xattr_restore '$file' '$value' && chmod $m '$file'"
	echo "   (saved $file: mode $m, security.capability $value)"
}

# nobody_cannot_ping FILE shows that without capabilities or setuid,
# nobody cannot ping here, so that the later success is the capability's.
nobody_cannot_ping() {
	local range
	read -r -a range </proc/sys/net/ipv4/ping_group_range
	if [ "${range[0]}" -le 65534 ] && [ "${range[1]}" -ge 65534 ]; then
		skip "nobody cannot ping without capabilities" "ping_group_range ${range[*]} lets nobody use ICMP sockets"
		return
	fi
	chmod 0755 "$1"
	if as_nobody "$1" -c1 -W2 127.0.0.1 >/dev/null 2>&1; then
		bad "nobody cannot ping without capabilities" "ping succeeded with neither caps nor setuid"
	else
		ok "nobody cannot ping without capabilities"
	fi
}

# ping_converted FILE checks the postinst's result.
ping_converted() {
	same "libcap's getcap sees cap_net_raw=ep" "$(/usr/sbin/getcap "$1")" "$1 cap_net_raw=ep"
	same "ping lost its setuid bit" "$(mode "$1")" "755"
	local out rc
	out=$(as_nobody "$1" -c1 -W2 127.0.0.1 2>&1)
	rc=$?
	same "nobody can ping 127.0.0.1 (exit status)" "$rc" "0"
	[ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/        | /'
}

# as_nobody runs a program as uid and gid 65534 with no groups.
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}
