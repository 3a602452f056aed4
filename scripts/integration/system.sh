# shellcheck shell=bash
# Suite system: declared capabilities for a whole system, with the real
# package managers of this machine. A package built with dpkg-deb (no
# postinst) whose binary /etc/fcap.d declares cap_net_bind_service=ep
# keeps it across dpkg -i of version 1, 2 (upgrade) and 1 again
# (downgrade) while fcap's dpkg hook is installed, and loses it without
# the hook. A package that ships a vendor drop-in and runs the
# docs/PACKAGING.md postinst gets its capability at every version without
# any hook. An rpm built with %caps(cap_net_raw=ep), installed into a
# scratch root, shows in fcap baseline, and so does iputils-ping's
# postinst on this system. audit --baseline of / with a fresh baseline
# exits 0 under --fail-on low and reports a new setuid file and a changed
# capability. Everything is put back: packages purged, hook and drop-ins
# removed.

ITEST=fcap-itest
VTEST=fcap-itest-vendor

suite_system() {
	if ! command -v dpkg-deb >/dev/null || ! command -v dpkg >/dev/null; then
		skip "system" "dpkg is not installed"
		return
	fi
	local d=$WORK/system
	mkdir -p "$d"
	on_exit "system_cleanup"
	system_hook "$d"
	system_vendor "$d"
	system_rpm "$d"
	system_baseline
	system_audit "$d"
}

# system_cleanup undoes everything the suite may have left.
system_cleanup() {
	"$FCAP" install-hooks --remove --for dpkg >/dev/null
	rm -f /etc/fcap.d/$ITEST.conf
	rmdir /etc/fcap.d 2>/dev/null || true
	for p in $ITEST $VTEST; do
		if dpkg-query -W "$p" >/dev/null 2>&1; then
			dpkg_locked --purge "$p" >/dev/null
		fi
	done
}

# dpkg_locked ARGS... runs dpkg, waiting while another process holds its
# lock (other work on this machine may be running apt).
dpkg_locked() {
	local i err=$WORK/dpkg.err
	for i in $(seq 90); do
		if dpkg "$@" >>"$WORK/dpkg.log" 2>"$err"; then
			return 0
		fi
		if ! grep -q 'lock' "$err"; then
			cat "$err" >&2
			return 1
		fi
		sleep 2
	done
	cat "$err" >&2
	return 1
}

# build_deb DIR NAME VERSION [POSTINST] [DROPIN] builds NAME_VERSION_all.deb
# holding /usr/bin/NAME (a copy of true), and the postinst and the vendor
# drop-in /usr/lib/fcap.d/NAME.conf when given; prints its path.
build_deb() {
	local d=$1 name=$2 version=$3 postinst=${4:-} dropin=${5:-}
	local tree=$d/$name-$version
	mkdir -p "$tree/DEBIAN" "$tree/usr/bin"
	cp /usr/bin/true "$tree/usr/bin/$name"
	cat >"$tree/DEBIAN/control" <<-CONTROL
		Package: $name
		Version: $version
		Architecture: all
		Maintainer: fcap integration tests <root@localhost>
		Description: fcap integration test package
		 A program that declares a file capability.
	CONTROL
	if [ -n "$postinst" ]; then
		cp "$postinst" "$tree/DEBIAN/postinst"
		chmod 0755 "$tree/DEBIAN/postinst"
	fi
	if [ -n "$dropin" ]; then
		mkdir -p "$tree/usr/lib/fcap.d"
		printf '%s\n' "$dropin" >"$tree/usr/lib/fcap.d/$name.conf"
	fi
	dpkg-deb --root-owner-group --build "$tree" "$d/${name}_${version}_all.deb" >/dev/null &&
		echo "$d/${name}_${version}_all.deb"
}

# caps_of FILE prints FILE's capabilities as libcap's getcap does, or
# "none".
caps_of() {
	local out
	out=$(/usr/sbin/getcap "$1" 2>/dev/null)
	echo "${out#"$1" }" | grep . || echo none
}

# system_hook DIR: the dpkg hook puts the declared capability back after
# install, upgrade and downgrade; without it dpkg leaves none.
system_hook() {
	local d=$1 v1 v2 bin=/usr/bin/$ITEST
	v1=$(build_deb "$d" $ITEST 1.0) && v2=$(build_deb "$d" $ITEST 2.0) || {
		bad "dpkg-deb builds $ITEST 1.0 and 2.0"
		return
	}
	mkdir -p /etc/fcap.d
	echo "$bin cap_net_bind_service=ep" >/etc/fcap.d/$ITEST.conf

	check "dpkg -i $ITEST 1.0 without the hook" dpkg_locked -i "$v1"
	same "... the binary has no capability" "$(caps_of $bin)" none

	runf "$FCAP" install-hooks --for dpkg --log "$d/fcap.log"
	same "install-hooks --for dpkg" "$RC:$OUT" "0:installed /etc/dpkg/dpkg.cfg.d/fcap (dpkg)"
	local step deb
	for step in "reinstall 1.0:$v1" "upgrade to 2.0:$v2" "downgrade to 1.0:$v1"; do
		deb=${step#*:}
		check "dpkg -i ($step) with the hook" dpkg_locked -i "$deb"
		same "... $bin has cap_net_bind_service=ep" "$(caps_of $bin)" "cap_net_bind_service=ep"
	done
	same "the hook logged each restore" "$(grep -c "$bin: set cap_net_bind_service=ep (was none)" "$d/fcap.log")" 3

	runf "$FCAP" install-hooks --remove --for dpkg
	same "install-hooks --remove" "$RC:$OUT" "0:removed /etc/dpkg/dpkg.cfg.d/fcap"
	check "dpkg -i $ITEST 2.0 after the hook is removed" dpkg_locked -i "$v2"
	same "... the binary has no capability" "$(caps_of $bin)" none
	check "dpkg --purge $ITEST" dpkg_locked --purge $ITEST
	rm -f /etc/fcap.d/$ITEST.conf
}

# system_vendor DIR: a package ships /usr/lib/fcap.d/NAME.conf and the
# docs/PACKAGING.md postinst; no hook is installed.
system_vendor() {
	local d=$1 bin=/usr/bin/$VTEST v1 v2 postinst=$d/vendor-postinst
	awk '/<!-- dropin-postinst:begin -->/ {f = 1; next} /<!-- dropin-postinst:end -->/ {f = 0} f' \
		"$TOP/docs/PACKAGING.md" | sed '/^```/d' >"$postinst"
	if ! grep -q 'fcap apply --system' "$postinst"; then
		bad "docs/PACKAGING.md has the drop-in postinst"
		return
	fi
	ok "docs/PACKAGING.md has the drop-in postinst"
	local dropin="$bin cap_net_bind_service=ep [fallback=setuid]"
	v1=$(build_deb "$d" $VTEST 1.0 "$postinst" "$dropin") && v2=$(build_deb "$d" $VTEST 2.0 "$postinst" "$dropin") || {
		bad "dpkg-deb builds $VTEST 1.0 and 2.0"
		return
	}
	local step deb
	for step in "install 1.0:$v1" "upgrade to 2.0:$v2" "downgrade to 1.0:$v1"; do
		deb=${step#*:}
		PATH="$SHIMS:$PATH" runf dpkg_locked -i "$deb"
		same "dpkg -i ($step) runs the postinst quietly" "$RC:$ERR" "0:"
		same "... $bin has cap_net_bind_service=ep" "$(caps_of $bin)" "cap_net_bind_service=ep"
	done
	same "the drop-in is root's, 0644" "$(stat -c '%U %a' /usr/lib/fcap.d/$VTEST.conf)" "root 644"
	check "dpkg --purge $VTEST" dpkg_locked --purge $VTEST
	same "... removes its drop-in" "$(ls /usr/lib/fcap.d/$VTEST.conf 2>/dev/null)" ""
}

# system_rpm DIR: FILECAPS of an rpm built with %caps appear in the
# derived baseline.
system_rpm() {
	local d=$1
	if ! command -v rpmbuild >/dev/null; then
		skip "rpm %caps in fcap baseline" "rpmbuild is not installed (apt-get install rpm)"
		return
	fi
	local top=$d/rpm root=$d/rpmroot
	mkdir -p "$top" "$root"
	cat >"$top/fcap-itest.spec" <<-'SPEC'
		Name: fcap-itest
		Version: 1.0
		Release: 1
		Summary: fcap integration test package
		License: MIT
		BuildArch: noarch
		%description
		A file with capabilities.
		%install
		mkdir -p %{buildroot}/usr/bin
		printf '#!/bin/sh\nexit 0\n' > %{buildroot}/usr/bin/fcap-itest-ping
		%files
		%attr(0755,root,root) %caps(cap_net_raw=ep) /usr/bin/fcap-itest-ping
	SPEC
	if ! rpmbuild -bb --define "_topdir $top" --nodeps "$top/fcap-itest.spec" >"$d/rpmbuild.log" 2>&1; then
		bad "rpmbuild with %caps" "$(tail -5 "$d/rpmbuild.log")"
		return
	fi
	runf rpm --root "$root" -i --nodeps --nosignature "$top"/RPMS/noarch/fcap-itest-1.0-1.noarch.rpm
	same "rpm -i into a scratch root" "$RC" 0
	same "... rpm set the capability" "$(caps_of "$root/usr/bin/fcap-itest-ping")" "cap_net_raw=ep"
	runf "$FCAP" baseline --root "$root"
	has "fcap baseline lists its FILECAPS" "$OUT" $'# fcap-itest (rpm %caps)\n/usr/bin/fcap-itest-ping cap_net_raw=ep'
}

# system_baseline: on this system, fcap baseline reads iputils-ping's
# postinst.
system_baseline() {
	if [ ! -e /var/lib/dpkg/info/iputils-ping.postinst ]; then
		skip "fcap baseline lists iputils-ping" "iputils-ping is not installed"
		return
	fi
	runf "$FCAP" baseline
	same "fcap baseline exits 0" "$RC" 0
	has "... lists iputils-ping's cap_net_raw with its setuid fallback" "$OUT" \
		$'# iputils-ping (dpkg postinst, /var/lib/dpkg/info/iputils-ping.postinst:'
	has "... as a manifest line" "$OUT" $'\n/bin/ping cap_net_raw=ep [fallback=setuid]\n'
	runf sh -c "'$FCAP' baseline 2>/dev/null | '$FCAP' apply --check -"
	same "... which this system matches (apply --check)" "$RC:$OUT" "0:"
}

# system_audit DIR: audit of / against a baseline written just before
# finds nothing above info; a new setuid file and a changed capability
# are reported. Other work on this machine may create privileged files in
# /tmp meanwhile, so the first check may be tried three times.
system_audit() {
	local d=$1 base=$d/base.list i
	cp /usr/bin/true "$d/capped"
	"$FCAP" set cap_net_raw=ep "$d/capped"
	for i in 1 2 3; do
		"$FCAP" audit --write-baseline "$base" / >/dev/null 2>"$d/audit.err"
		runf "$FCAP" audit --baseline "$base" --fail-on low /
		[ "$RC" = 0 ] && break
	done
	same "audit --baseline of / with a fresh baseline, --fail-on low (exit 0)" "$RC" 0
	[ "$RC" = 0 ] || printf '%s\n' "$OUT" | grep -v 'expected by' | head -20
	has "... every finding expected" "$OUT" "as expected)"

	cp /usr/bin/true "$d/new-setuid"
	chmod 4755 "$d/new-setuid"
	"$FCAP" set cap_net_admin,cap_net_raw=ep "$d/capped"
	runf "$FCAP" audit --baseline "$base" --fail-on low /
	same "after a new setuid file and a changed capability: exit 1" "$RC" 1
	has "... the new setuid file is reported" "$OUT" "  $d/new-setuid: setid, mode 4755"$'\n'"      setuid root: every user"
	has "... the changed capability is reported" "$OUT" "  $d/capped: caps, mode 0755, caps cap_net_admin,cap_net_raw=ep"
	has "... with what the baseline expects" "$OUT" "expects cap_net_raw=ep, mode 0755, owner 0:0"
	rm -f "$d/new-setuid" "$d/capped"
}
