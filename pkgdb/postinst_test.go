package pkgdb

import (
	"strings"
	"testing"

	"fcap/manifest"
	"fcap/model"
)

// iputilsPing is Debian 12's iputils-ping postinst, as shipped.
const iputilsPing = `#!/bin/sh

set -e

PROGRAM=$(dpkg-divert --truename /bin/ping)

if [ "$1" = configure ]; then
    # If we have setcap installed, try setting cap_net_raw+ep,
    # which allows us to install our binaries without the setuid
    # bit.
    if command -v setcap > /dev/null; then
        if setcap cap_net_raw+ep $PROGRAM; then
            chmod u-s $PROGRAM
        else
            echo "Setcap failed on $PROGRAM, falling back to setuid" >&2
            chmod u+s $PROGRAM
        fi
    else
        echo "Setcap is not installed, falling back to setuid" >&2
        chmod u+s $PROGRAM
    fi
fi



exit 0

# Local variables:
# mode: shell-script
# end:
`

// iproute2 is Debian 12's iproute2 postinst, in substance: setcap only
// when a debconf question was answered yes.
const iproute2 = `#!/bin/sh
set -e
. /usr/share/debconf/confmodule
case "$1" in
    configure)
        if command -v setcap > /dev/null; then
            db_get iproute2/setcaps
            if test "$RET" = "true"; then
                if ! setcap "cap_dac_override,cap_sys_admin,cap_net_admin=ep" /bin/ip; then
                   echo "Setcap failed on /bin/ip, ip vrf exec will not be runnable by non-root" >&2
                fi
            else
                if getcap /bin/ip | grep -qs "/bin/ip"; then
                    if ! setcap "-r" /bin/ip; then
                       echo "Setcap -r failed" >&2
                    fi
                fi
            fi
        fi
    ;;
    abort-upgrade|abort-remove|abort-deconfigure)
    ;;
esac
exit 0
`

func TestReadScript(t *testing.T) {
	tests := []struct {
		name    string
		script  string
		divert  map[string]string
		entries string // manifest lines, one per entry
		unread  string // reasons, one per line (substrings)
	}{
		{"iputils-ping", iputilsPing, nil, "/bin/ping cap_net_raw=ep [fallback=setuid]", ""},
		{"iputils-ping with ping diverted", iputilsPing, map[string]string{"/bin/ping": "/bin/ping.real"},
			"/bin/ping.real cap_net_raw=ep [fallback=setuid]", ""},
		{"iproute2's debconf question", iproute2, nil, "",
			`it runs only when test "$RET" = "true" holds, which the script decides when it runs (it would declare /bin/ip cap_dac_override,cap_net_admin,cap_sys_admin=ep)`},
		{"mtr-tiny: && and a fallback in else", `
if command -v setcap > /dev/null && setcap cap_net_raw+ep /usr/bin/mtr-packet; then
    :
else
    chmod u+s /usr/bin/mtr-packet
fi`, nil, "/usr/bin/mtr-packet cap_net_raw=ep [fallback=setuid]", ""},
		{"kwin: upper case, no fallback", `setcap "CAP_SYS_RESOURCE=+ep" /usr/bin/kwin_wayland || echo "Failed to set capabilities" >&2`, nil,
			"/usr/bin/kwin_wayland cap_sys_resource=ep", ""},
		{"a loop and the stdin form", `
for f in /bin/ping /bin/ping6; do
    if ! dpkg-statoverride --list $f > /dev/null 2>&1; then
        if getcap $f > /dev/null 2>&1; then
            if echo "cap_net_raw+p" | setcap -q - $f; then
                chmod -s $f
            fi
        fi
    fi
done`, nil, "/bin/ping cap_net_raw=p\n/bin/ping6 cap_net_raw=p", ""},
		{"fping: dpkg-statoverride as the fallback", `
case "$1" in
configure)
    if [ "$(uname -s)" = "Linux" ]; then
        if ! setcap cap_net_raw+ep /usr/bin/fping; then
            if ! dpkg-statoverride --list /usr/bin/fping >/dev/null; then
                dpkg-statoverride --update --add root root 4755 /usr/bin/fping
            fi
        fi
    fi
    ;;
esac`, nil, "/usr/bin/fping cap_net_raw=ep [fallback=setuid]", ""},
		{"wireshark: a symbolic setuid mode", `
PROGRAM=$(dpkg-divert --truename /usr/bin/dumpcap)
if [ "$1" = configure ]; then
  if setcap cap_net_raw,cap_net_admin=eip "$PROGRAM"; then
    chmod u=rwx,g=rx,o=r "$PROGRAM"
  else
    chmod u=rwxs,g=rx,o=r "$PROGRAM"
  fi
fi`, nil, "/usr/bin/dumpcap cap_net_admin,cap_net_raw=eip [fallback=setuid]", ""},
		{"variables of variables", "BIN=/usr/lib/foo\nHELPER=\"${BIN}/helper\"\nsetcap 'cap_net_bind_service=+ep' $HELPER\n", nil,
			"/usr/lib/foo/helper cap_net_bind_service=ep", ""},
		{"two pairs in one call, and -n", "setcap cap_kill=p /a cap_chown+ep /b\nsetcap -n 1000 cap_net_raw=ep /ns\n", nil,
			"/a cap_kill=p\n/b cap_chown=ep\n/ns cap_net_raw=ep [rootid=1000]", ""},
		{"verify and remove declare nothing", "setcap -v cap_net_raw+ep /bin/ping\nsetcap -r /bin/ip\n", nil, "", ""},
		{"comments and here-documents are not commands", `# setcap cap_sys_admin+ep /bin/sh
cat > /etc/x <<EOF
setcap cap_sys_admin+ep /bin/sh
EOF
cat <<-'END'
	setcap cap_setuid+ep /bin/bash
	END
echo "setcap cap_sys_admin+ep /bin/dash"
`, nil, "", ""},
		{"a variable set at run time", ". /usr/share/debconf/confmodule\ndb_get foo/caps\nCAPS=$RET\nsetcap \"$CAPS\" /usr/bin/foo\n", nil, "",
			"$CAPS is not a literal: $RET is not assigned in the script"},
		{"a variable assigned twice", "P=/a\n[ -e /b ] && P=/b\nsetcap cap_kill=p $P\n", nil, "", "$P is assigned more than one value"},
		{"the script's arguments", "setcap cap_kill=p \"$2\"\nfor f; do setcap cap_kill=p $f; done\n", nil, "",
			"$2 is only known when the script runs\n$f iterates over the script's arguments"},
		{"a command's output", "setcap cap_kill=p $(readlink -f /usr/bin/foo)\n", nil, "", "$(readlink -f /usr/bin/foo) is a command's output"},
		{"bad capability text", "setcap cap_bogus=ep /usr/bin/foo\n", nil, "", `unknown capability "cap_bogus"`},
		{"a relative path", "setcap cap_kill=p foo\n", nil, "", `the path "foo" is not absolute`},
		{"an odd number of arguments", "setcap cap_kill=p\n", nil, "", "setcap needs CAPS FILE pairs"},
		{"stdin from elsewhere", "setcap - /usr/bin/foo < /etc/caps\n", nil, "", "setcap reads the capabilities from standard input"},
		{"on upgrades from old versions only", "if dpkg --compare-versions \"$2\" lt 1.2; then setcap cap_kill=p /usr/bin/foo; fi\n", nil, "",
			`it runs only when dpkg --compare-versions "$2" lt 1.2 holds`},
		{"only when aborting", "case \"$1\" in abort-upgrade) setcap cap_kill=p /usr/bin/foo ;; esac\n", nil, "",
			`it runs only when case "$1" in abort-upgrade) holds`},
		{"a line continuation", "setcap \\\n  cap_kill=p \\\n  /usr/bin/foo\n", nil, "/usr/bin/foo cap_kill=p", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			truename := func(p string) string {
				if to, ok := tt.divert[p]; ok {
					return to
				}
				return p
			}
			entries, unread := readScript(tt.script, "pkg.postinst", truename, model.LastNamed)
			var lines []string
			for _, e := range entries {
				lines = append(lines, manifest.FormatEntry(e, model.LastNamed))
				if e.File != "pkg.postinst" || e.Line == 0 {
					t.Errorf("entry %s without its place (%s:%d)", e.Path, e.File, e.Line)
				}
			}
			if got := strings.Join(lines, "\n"); got != tt.entries {
				t.Errorf("entries:\n%s\nwant:\n%s", got, tt.entries)
			}
			var want []string
			if tt.unread != "" {
				want = strings.Split(tt.unread, "\n")
			}
			if len(unread) != len(want) {
				t.Fatalf("unread: %+v, want %d", unread, len(want))
			}
			for i, u := range unread {
				if !strings.Contains(u.Reason, want[i]) || u.Line == 0 || u.Command == "" {
					t.Errorf("unread %d: %+v, want the reason to contain %q", i, u, want[i])
				}
			}
		})
	}
}
