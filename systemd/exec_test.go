package systemd

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"fcap/model"
	"fcap/model/cred"
	"fcap/model/execve"
)

// fakeDB is a user database: alice (1001) is a member of audio and video.
type fakeDB struct{}

var (
	fakeUsers  = map[string]User{"alice": {"alice", 1001, 1001}, "www-data": {"www-data", 33, 33}}
	fakeGroups = map[string]uint32{"alice": 1001, "audio": 29, "video": 44, "www-data": 33, "staff": 50}
)

func (fakeDB) UserByName(n string) (User, error) {
	if u, ok := fakeUsers[n]; ok {
		return u, nil
	}
	return User{}, fmt.Errorf("user %s: %w", n, ErrNoEntry)
}

func (fakeDB) UserByID(uid uint32) (User, error) {
	for _, u := range fakeUsers {
		if u.UID == uid {
			return u, nil
		}
	}
	return User{}, fmt.Errorf("uid %d: %w", uid, ErrNoEntry)
}

func (fakeDB) GroupByName(n string) (uint32, error) {
	if g, ok := fakeGroups[n]; ok {
		return g, nil
	}
	return 0, fmt.Errorf("group %s: %w", n, ErrNoEntry)
}

func (fakeDB) GroupByID(gid uint32) error {
	for _, g := range fakeGroups {
		if g == gid {
			return nil
		}
	}
	return fmt.Errorf("gid %d: %w", gid, ErrNoEntry)
}

func (fakeDB) GroupList(user string, gid uint32) ([]uint32, error) {
	if user == "alice" {
		return []uint32{gid, 29, 44}, nil
	}
	return []uint32{gid}, nil
}

func (fakeDB) SynthesizesNobody() bool { return true }

const last = model.CapCheckpointRestore

// hostBounding is a bounding set without cap_sys_resource, as these
// tests' manager has.
var hostBounding = model.UpTo(last) &^ model.SetOf(model.CapSysResource)

func caps(names ...string) model.Set {
	var s model.Set
	for _, n := range names {
		c, ok := model.LookupName(n)
		if !ok {
			panic(n)
		}
		s |= model.SetOf(c)
	}
	return s
}

// start loads a [Service] section and computes its first command's state.
func start(t *testing.T, service string) (Service, error) {
	t.Helper()
	u, err := Parse("test.service", []byte("[Service]\n"+service+"\n"))
	if err != nil {
		return Service{}, err
	}
	e, err := u.Exec()
	if err != nil {
		return Service{}, err
	}
	return e.Start(e.ExecStart[0], Manager(hostBounding), fakeDB{}, last)
}

func mustStart(t *testing.T, service string) Service {
	t.Helper()
	s, err := start(t, service)
	if err != nil {
		t.Fatalf("%s:\n%v", service, err)
	}
	return s
}

// after is the state once the service's process executes a file without
// capabilities or set-id bits.
func after(t *testing.T, s Service) cred.State {
	t.Helper()
	r := execve.Predict(s.State, execve.Target{Mode: 0o755}, last)
	if r.Err != "" {
		t.Fatalf("exec fails: %s", r.Err)
	}
	return r.Child
}

// manPage is a sentence of systemd.exec(5) (systemd 252) and the units
// that show it.
type manPage struct {
	quote string
	check func(t *testing.T)
}

func runManPage(t *testing.T, rows []manPage) {
	for _, r := range rows {
		t.Run(r.quote, r.check)
	}
}

func ids(s cred.State) string {
	return fmt.Sprintf("%d/%d/%d/%d %d/%d/%d/%d %v", s.UID, s.EUID, s.SUID, s.FSUID, s.GID, s.EGID, s.SGID, s.FSGID, s.Groups)
}

func wantIDs(t *testing.T, s cred.State, want string) {
	t.Helper()
	if got := ids(s); got != want {
		t.Errorf("ids %s, want %s", got, want)
	}
}

func wantStartError(t *testing.T, err error, status int) {
	t.Helper()
	var se *StartError
	if !errors.As(err, &se) || se.Status != status {
		t.Errorf("got %v, want a StartError with status %d", err, status)
	}
}

func wantUnitError(t *testing.T, err error, msg string) {
	t.Helper()
	var ue *UnitError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), msg) {
		t.Errorf("got %v, want a UnitError saying %q", err, msg)
	}
}

func TestUserAndGroupAsSystemdExecDescribes(t *testing.T) {
	runManPage(t, []manPage{
		{"User=, Group=: Takes a single user or group name, or a numeric ID as argument", func(t *testing.T) {
			for _, u := range []string{"alice", "1001"} {
				wantIDs(t, mustStart(t, "User="+u+"\nExecStart=/bin/true").State, "1001/1001/1001/1001 1001/1001/1001/1001 [29 44 1001]")
			}
			wantIDs(t, mustStart(t, "Group=50\nExecStart=/bin/true").State, "0/0/0/0 50/50/50/50 []")
		}},
		{`For system services ... the default is "root"`, func(t *testing.T) {
			wantIDs(t, mustStart(t, "ExecStart=/bin/true").State, "0/0/0/0 0/0/0/0 []")
		}},
		{"If no group is set, the default group of the user is used", func(t *testing.T) {
			wantIDs(t, mustStart(t, "User=www-data\nExecStart=/bin/true").State, "33/33/33/33 33/33/33/33 [33]")
			wantIDs(t, mustStart(t, "User=alice\nGroup=staff\nExecStart=/bin/true").State, "1001/1001/1001/1001 50/50/50/50 [29 44 50]")
		}},
		{"If the user does not exist by then program invocation will fail", func(t *testing.T) {
			_, err := start(t, "User=ghost\nExecStart=/bin/true")
			wantStartError(t, err, 217)
			_, err = start(t, "User=4242\nExecStart=/bin/true") // systemd 252 also looks numeric ids up
			wantStartError(t, err, 217)
			_, err = start(t, "Group=ghosts\nExecStart=/bin/true")
			wantStartError(t, err, 216)
		}},
		{"root and nobody need no user database (systemd synthesizes them)", func(t *testing.T) {
			wantIDs(t, mustStart(t, "User=nobody\nExecStart=/bin/true").State, "65534/65534/65534/65534 65534/65534/65534/65534 [65534]")
			wantIDs(t, mustStart(t, "User=0\nGroup=root\nExecStart=/bin/true").State, "0/0/0/0 0/0/0/0 []")
		}},
		{"the specified name should consist only of ... (invalid names make the unit unloadable)", func(t *testing.T) {
			for _, bad := range []string{"65535", "4294967295", "a:b", "a/b", "-1", "0123"} {
				_, err := start(t, "User="+bad+"\nExecStart=/bin/true")
				wantUnitError(t, err, "invalid user/group name")
			}
		}},
		{"If the User= setting is used the supplementary group list is initialized from the specified user's default group list", func(t *testing.T) {
			wantIDs(t, mustStart(t, "User=alice\nExecStart=/bin/true").State, "1001/1001/1001/1001 1001/1001/1001/1001 [29 44 1001]")
		}},
		{`This setting does not affect commands whose command line is prefixed with "+"`, func(t *testing.T) {
			s := mustStart(t, "User=alice\nExecStart=+/bin/true")
			// The ids stay root's; systemd 252 still calls initgroups(3)
			// for the user before it looks at the prefix.
			wantIDs(t, s.State, "0/0/0/0 0/0/0/0 [29 44 1001]")
		}},
	})
}

func TestSupplementaryGroupsAsSystemdExecDescribes(t *testing.T) {
	runManPage(t, []manPage{
		{"This takes a space-separated list of group names or IDs", func(t *testing.T) {
			wantIDs(t, mustStart(t, "SupplementaryGroups=audio 50\nExecStart=/bin/true").State, "0/0/0/0 0/0/0/0 [29 50]")
		}},
		{"This option may be specified more than once, in which case all listed groups are set", func(t *testing.T) {
			wantIDs(t, mustStart(t, "SupplementaryGroups=audio\nSupplementaryGroups=video\nExecStart=/bin/true").State, "0/0/0/0 0/0/0/0 [29 44]")
		}},
		{"When the empty string is assigned, the list of supplementary groups is reset", func(t *testing.T) {
			wantIDs(t, mustStart(t, "SupplementaryGroups=audio\nSupplementaryGroups=\nSupplementaryGroups=video\nExecStart=/bin/true").State, "0/0/0/0 0/0/0/0 [44]")
		}},
		{"this option does not override, but extends the list of supplementary groups configured in the system group database for the user", func(t *testing.T) {
			wantIDs(t, mustStart(t, "User=alice\nSupplementaryGroups=staff audio\nExecStart=/bin/true").State, "1001/1001/1001/1001 1001/1001/1001/1001 [29 44 50 1001]")
		}},
		{`This does not affect commands prefixed with "+"`, func(t *testing.T) {
			wantIDs(t, mustStart(t, "SupplementaryGroups=staff\nExecStart=+/bin/true").State, "0/0/0/0 0/0/0/0 []")
		}},
		{"a group that does not exist fails the start", func(t *testing.T) {
			_, err := start(t, "SupplementaryGroups=ghosts\nExecStart=/bin/true")
			wantStartError(t, err, 216)
		}},
	})
}

func bounding(t *testing.T, lines ...string) model.Set {
	t.Helper()
	return mustStart(t, strings.Join(lines, "\n")+"\nExecStart=/bin/true").State.Bounding
}

func TestCapabilityBoundingSetAsSystemdExecDescribes(t *testing.T) {
	runManPage(t, []manPage{
		{"Capabilities listed will be included in the bounding set, all others are removed", func(t *testing.T) {
			if got := bounding(t, "CapabilityBoundingSet=CAP_NET_RAW cap_chown 12"); got != caps("cap_net_raw", "cap_chown", "cap_net_admin") {
				t.Errorf("bounding %s", got.Names())
			}
		}},
		{`If the list of capabilities is prefixed with "~", all but the listed capabilities will be included`, func(t *testing.T) {
			if got := bounding(t, "CapabilityBoundingSet=~CAP_SYS_ADMIN"); got != hostBounding&^caps("cap_sys_admin") {
				t.Errorf("bounding %s", got.Describe(last))
			}
		}},
		{"Note that this option also affects the respective capabilities in the effective, permitted and inheritable capability sets", func(t *testing.T) {
			s := mustStart(t, "CapabilityBoundingSet=CAP_NET_RAW\nExecStart=/bin/true")
			if s.State.Permitted != hostBounding {
				t.Errorf("before exec, permitted %s: systemd drops only from the bounding and inheritable sets", s.State.Permitted.Describe(last))
			}
			if a := after(t, s); a.Permitted != caps("cap_net_raw") || a.Effective != caps("cap_net_raw") {
				t.Errorf("after exec, permitted %s effective %s, want cap_net_raw", a.Permitted.Names(), a.Effective.Names())
			}
		}},
		{"If this option is not used, the capability bounding set is not modified on process execution", func(t *testing.T) {
			if got := bounding(t); got != hostBounding {
				t.Errorf("bounding %s", got.Describe(last))
			}
		}},
		{`This option may appear more than once, in which case the bounding sets are merged by OR, or by AND if the lines are prefixed with "~"`, func(t *testing.T) {
			// The man page's two examples.
			if got := bounding(t, "CapabilityBoundingSet=CAP_CHOWN CAP_KILL", "CapabilityBoundingSet=CAP_KILL CAP_NET_RAW"); got != caps("cap_chown", "cap_kill", "cap_net_raw") {
				t.Errorf("OR: bounding %s", got.Names())
			}
			if got := bounding(t, "CapabilityBoundingSet=CAP_CHOWN CAP_KILL", "CapabilityBoundingSet=~CAP_KILL CAP_NET_RAW"); got != caps("cap_chown") {
				t.Errorf("AND: bounding %s", got.Names())
			}
		}},
		{"If the empty string is assigned to this option, the bounding set is reset to the empty capability set", func(t *testing.T) {
			if got := bounding(t, "CapabilityBoundingSet=CAP_CHOWN", "CapabilityBoundingSet="); got != 0 {
				t.Errorf("bounding %s", got.Names())
			}
		}},
		{`If set to "~" (without any further argument), the bounding set is reset to the full set of available capabilities`, func(t *testing.T) {
			if got := bounding(t, "CapabilityBoundingSet=CAP_CHOWN", "CapabilityBoundingSet=~"); got != hostBounding {
				t.Errorf("bounding %s", got.Describe(last))
			}
		}},
		{"a line whose names are all unknown resets the set (systemd skips unknown names silently)", func(t *testing.T) {
			if got := bounding(t, "CapabilityBoundingSet=CAP_CHOWN", "CapabilityBoundingSet=CAP_NET_RAWW"); got != 0 {
				t.Errorf("bounding %s", got.Names())
			}
		}},
		{`This does not affect commands prefixed with "+"`, func(t *testing.T) {
			if s := mustStart(t, "CapabilityBoundingSet=CAP_CHOWN\nExecStart=+/bin/true"); s.State.Bounding != hostBounding {
				t.Errorf("bounding %s", s.State.Bounding.Describe(last))
			}
		}},
	})
}

func TestAmbientCapabilitiesAsSystemdExecDescribes(t *testing.T) {
	nbs := caps("cap_net_bind_service")
	runManPage(t, []manPage{
		{"Ambient capability sets are useful if you want to execute a process as a non-privileged user but still want to give it some capabilities", func(t *testing.T) {
			s := mustStart(t, "User=alice\nAmbientCapabilities=CAP_NET_BIND_SERVICE\nExecStart=/bin/true")
			if s.State.Ambient != nbs {
				t.Errorf("ambient %s", s.State.Ambient.Names())
			}
			if a := after(t, s); a.Permitted != nbs || a.Effective != nbs || a.Ambient != nbs || a.UID != 1001 {
				t.Errorf("after exec: uid %d permitted %s effective %s ambient %s", a.UID, a.Permitted.Names(), a.Effective.Names(), a.Ambient.Names())
			}
		}},
		{"Note that adding capabilities to the ambient capability set adds them to the process's inherited capability set", func(t *testing.T) {
			if s := mustStart(t, "AmbientCapabilities=CAP_NET_BIND_SERVICE\nExecStart=/bin/true"); s.State.Inheritable != nbs {
				t.Errorf("inheritable %s", s.State.Inheritable.Names())
			}
		}},
		{"Note that in this case option keep-caps is automatically added to SecureBits= to retain the capabilities over the user change", func(t *testing.T) {
			s := mustStart(t, "User=alice\nAmbientCapabilities=CAP_NET_BIND_SERVICE\nExecStart=/bin/true")
			if s.State.Permitted != hostBounding || s.State.Securebits != 0 {
				t.Errorf("permitted %s securebits %s: keep-caps keeps permitted over setresuid, and systemd sets SecureBits= (none) again before exec", s.State.Permitted.Describe(last), s.State.Securebits)
			}
			if noAmb := mustStart(t, "User=alice\nExecStart=/bin/true"); noAmb.State.Permitted != 0 {
				t.Errorf("without ambient capabilities permitted is %s, want none", noAmb.State.Permitted.Names())
			}
		}},
		{"This option may appear more than once, in which case the ambient capability sets are merged", func(t *testing.T) {
			s := mustStart(t, "AmbientCapabilities=CAP_CHOWN\nAmbientCapabilities=CAP_KILL CAP_NET_RAW\nAmbientCapabilities=~CAP_KILL\nExecStart=/bin/true")
			if s.State.Ambient != caps("cap_chown", "cap_net_raw") {
				t.Errorf("ambient %s", s.State.Ambient.Names())
			}
		}},
		{"If the empty string is assigned to this option, the ambient capability set is reset to the empty capability set", func(t *testing.T) {
			if s := mustStart(t, "AmbientCapabilities=CAP_CHOWN\nAmbientCapabilities=\nExecStart=/bin/true"); s.State.Ambient != 0 {
				t.Errorf("ambient %s", s.State.Ambient.Names())
			}
		}},
		{`If set to "~" (without any further argument), the ambient capability set is reset to the full set of available capabilities`, func(t *testing.T) {
			// Full, then limited to the bounding set by systemd.
			if s := mustStart(t, "AmbientCapabilities=~\nExecStart=/bin/true"); s.State.Ambient != hostBounding {
				t.Errorf("ambient %s", s.State.Ambient.Describe(last))
			}
		}},
		{"ambient capabilities outside the bounding set are left out", func(t *testing.T) {
			s := mustStart(t, "CapabilityBoundingSet=CAP_CHOWN\nAmbientCapabilities=CAP_CHOWN CAP_KILL\nExecStart=/bin/true")
			if s.State.Ambient != caps("cap_chown") || s.State.Inheritable != caps("cap_chown") {
				t.Errorf("ambient %s inheritable %s", s.State.Ambient.Names(), s.State.Inheritable.Names())
			}
		}},
		{`AmbientCapabilities= does not affect commands prefixed with "+"`, func(t *testing.T) {
			if s := mustStart(t, "AmbientCapabilities=CAP_CHOWN\nExecStart=+/bin/true"); s.State.Ambient != 0 || s.State.Inheritable != 0 {
				t.Errorf("ambient %s", s.State.Ambient.Names())
			}
		}},
	})
}

func TestNoNewPrivilegesAsSystemdExecDescribes(t *testing.T) {
	runManPage(t, []manPage{
		{"If true, ensures that the service process and all its children can never gain new privileges through execve()", func(t *testing.T) {
			s := mustStart(t, "User=alice\nNoNewPrivileges=yes\nExecStart=/bin/true")
			if !s.State.NoNewPrivs {
				t.Fatal("no_new_privs is not set")
			}
			r := execve.Predict(s.State, execve.Target{Mode: 0o4755, UID: 0}, last)
			if r.Err != "" || r.Child.EUID != 1001 {
				t.Errorf("a setuid-root file gives euid %d (%s)", r.Child.EUID, r.Err)
			}
		}},
		{"Defaults to false", func(t *testing.T) {
			if mustStart(t, "ExecStart=/bin/true").State.NoNewPrivs {
				t.Error("no_new_privs is set")
			}
		}},
		{"certain settings override this and ignore the value of this setting (for a process without CAP_SYS_ADMIN)", func(t *testing.T) {
			for _, setting := range []string{"SystemCallFilter=@system-service", "RestrictSUIDSGID=yes", "ProtectKernelModules=true",
				"LockPersonality=1", "RestrictAddressFamilies=AF_INET", "RestrictNamespaces=yes", "PrivateDevices=on", "SystemCallArchitectures=native"} {
				if !mustStart(t, "User=alice\n"+setting+"\nExecStart=/bin/true").State.NoNewPrivs {
					t.Errorf("%s does not imply no_new_privs for alice", setting)
				}
				if mustStart(t, setting+"\nExecStart=/bin/true").State.NoNewPrivs {
					t.Errorf("%s implies no_new_privs for root, which has CAP_SYS_ADMIN", setting)
				}
			}
			if mustStart(t, "User=alice\nSystemCallFilter=@system-service\nSystemCallFilter=\nRestrictNamespaces=no\nExecStart=/bin/true").State.NoNewPrivs {
				t.Error("settings reset or off still imply no_new_privs")
			}
		}},
		{"In case the service will be run in a new mount namespace anyway and SELinux is disabled, all file systems are mounted with MS_NOSUID flag (in systemd 252's code: the namespace's mount points)", func(t *testing.T) {
			tests := []struct {
				unit, path string
				nosuid     bool
			}{
				{"NoNewPrivileges=yes\nProtectSystem=full", "/usr/bin/x", true},
				{"NoNewPrivileges=yes\nProtectSystem=full", "/etc/x", true},
				{"NoNewPrivileges=yes\nProtectSystem=yes", "/etc/x", false},
				{"NoNewPrivileges=yes\nProtectSystem=full", "/srv/x", false},
				{"NoNewPrivileges=yes\nProtectSystem=strict", "/srv/x", true},
				{"NoNewPrivileges=yes\nPrivateTmp=yes\nReadOnlyPaths=/srv/ro", "/srv/ro/x", true},
				{"NoNewPrivileges=yes\nPrivateMounts=yes", "/usr/bin/x", false},
				{"NoNewPrivileges=yes", "/usr/bin/x", false},
				{"NoNewPrivileges=no\nProtectSystem=strict", "/usr/bin/x", false},
				{"SystemCallFilter=@system-service\nUser=alice\nProtectSystem=strict", "/usr/bin/x", false}, // implied no_new_privs does not count
			}
			for _, tt := range tests {
				s := mustStart(t, tt.unit+"\nExecStart=/bin/true")
				if _, got := s.NoSuidAt(tt.path); got != tt.nosuid {
					t.Errorf("%q: NoSuidAt(%s) = %v", tt.unit, tt.path, got)
				}
			}
		}},
		{"a value that is not a boolean is ignored", func(t *testing.T) {
			if mustStart(t, "NoNewPrivileges=yes\nNoNewPrivileges=maybe\nExecStart=/bin/true").State.NoNewPrivs != true {
				t.Error("the ignored line changed the setting")
			}
		}},
	})
}

func TestSecureBitsAsSystemdExecDescribes(t *testing.T) {
	runManPage(t, []manPage{
		{"Takes a space-separated combination of options from the following list: keep-caps, keep-caps-locked, no-setuid-fixup, no-setuid-fixup-locked, noroot, and noroot-locked", func(t *testing.T) {
			s := mustStart(t, "SecureBits=keep-caps keep-caps-locked no-setuid-fixup no-setuid-fixup-locked noroot noroot-locked bogus\nExecStart=/bin/true")
			if s.State.Securebits != 0x3f {
				t.Errorf("securebits %s", s.State.Securebits)
			}
		}},
		{"This option may appear more than once, in which case the secure bits are ORed (systemd 252's code replaces them)", func(t *testing.T) {
			if s := mustStart(t, "SecureBits=noroot\nSecureBits=keep-caps\nExecStart=/bin/true"); s.State.Securebits != cred.SecbitKeepCaps {
				t.Errorf("securebits %s", s.State.Securebits)
			}
		}},
		{"If the empty string is assigned to this option, the bits are reset to 0", func(t *testing.T) {
			if s := mustStart(t, "SecureBits=noroot\nSecureBits=\nExecStart=/bin/true"); s.State.Securebits != 0 {
				t.Errorf("securebits %s", s.State.Securebits)
			}
		}},
		{`This does not affect commands prefixed with "+"`, func(t *testing.T) {
			if s := mustStart(t, "SecureBits=noroot\nExecStart=+/bin/true"); s.State.Securebits != 0 {
				t.Errorf("securebits %s", s.State.Securebits)
			}
		}},
		{"See capabilities(7): noroot takes root's capabilities away at exec", func(t *testing.T) {
			if a := after(t, mustStart(t, "SecureBits=noroot\nExecStart=/bin/true")); a.Permitted != 0 {
				t.Errorf("root with noroot gets %s", a.Permitted.Describe(last))
			}
		}},
	})
}

func TestExecStartPrefixes(t *testing.T) {
	const unit = "User=alice\nAmbientCapabilities=CAP_NET_RAW\nNoNewPrivileges=yes\nCapabilityBoundingSet=CAP_NET_RAW\nExecStart="
	tests := []struct {
		cmd    string
		prefix Prefix
		uid    uint32
		nnp    bool
		bnd    model.Set
		argv   []string
	}{
		{"/bin/x a", Prefix{}, 1001, true, caps("cap_net_raw"), []string{"/bin/x", "a"}},
		{"-/bin/x", Prefix{IgnoreFailure: true}, 1001, true, caps("cap_net_raw"), []string{"/bin/x"}},
		{"@/bin/x name a", Prefix{SeparateArgv0: true}, 1001, true, caps("cap_net_raw"), []string{"name", "a"}},
		{":/bin/x $A", Prefix{NoEnvExpand: true}, 1001, true, caps("cap_net_raw"), []string{"/bin/x", "$A"}},
		{"+/bin/x", Prefix{FullyPrivileged: true}, 0, false, hostBounding, []string{"/bin/x"}},
		{"!/bin/x", Prefix{NoSetuid: true}, 0, true, caps("cap_net_raw"), []string{"/bin/x"}},
		{"!!/bin/x", Prefix{AmbientMagic: true}, 1001, true, caps("cap_net_raw"), []string{"/bin/x"}},
		{"-@+/bin/x x", Prefix{IgnoreFailure: true, SeparateArgv0: true, FullyPrivileged: true}, 0, false, hostBounding, []string{"x"}},
	}
	for _, tt := range tests {
		s := mustStart(t, unit+tt.cmd)
		c := s.Command
		if c.Prefix != tt.prefix || c.Path != "/bin/x" || !slices.Equal(c.Argv, tt.argv) ||
			s.State.UID != tt.uid || s.State.NoNewPrivs != tt.nnp || s.State.Bounding != tt.bnd {
			t.Errorf("ExecStart=%s: prefix %q path %s argv %q uid %d nnp %v bounding %s", tt.cmd, c.Prefix, c.Path, c.Argv, s.State.UID, s.State.NoNewPrivs, s.State.Bounding.Describe(last))
		}
	}
	for _, bad := range []string{"+!/bin/x", "relative/x", "/bin/dir/", "@/bin/x", "/bin/%Z"} {
		_, err := start(t, "ExecStart="+bad)
		wantUnitError(t, err, "ExecStart=")
		if s, err := start(t, "ExecStart=-"+bad+"\nExecStart=/bin/ok"); err != nil || s.Command.Path != "/bin/ok" {
			t.Errorf(`ExecStart=-%s: the "-" prefix should make systemd ignore it: %v`, bad, err)
		}
	}
}

func TestExecStartCommandLines(t *testing.T) {
	u, err := Parse("x.service", []byte(`[Service]
Type=oneshot
ExecStart=/bin/echo one ; "/usr/bin/two" "a b" \; c
ExecStart=true %n
ExecSearchPath=/opt/bin:relative:/usr/bin
`))
	if err != nil {
		t.Fatal(err)
	}
	e, err := u.Exec()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"/bin/echo", "one"}, {"/usr/bin/two", "a b", ";", "c"}, {"true", "%n"}}
	if len(e.ExecStart) != len(want) {
		t.Fatalf("%d commands, want %d", len(e.ExecStart), len(want))
	}
	for i, w := range want {
		if !slices.Equal(e.ExecStart[i].Argv, w) {
			t.Errorf("command %d: argv %q, want %q", i, e.ExecStart[i].Argv, w)
		}
	}
	if !slices.Equal(e.ExecSearchPath, []string{"/opt/bin", "/usr/bin"}) {
		t.Errorf("ExecSearchPath %q", e.ExecSearchPath)
	}
}

func TestUnitsSystemdRefusesOrFcapDoesNotModel(t *testing.T) {
	tests := map[string]string{
		"":                                          "no ExecStart=",
		"ExecStart=/bin/a\nExecStart=/bin/b":        "only for Type=oneshot",
		"ExecStart=/bin/a\nExecStart=":              "no ExecStart=",
		"DynamicUser=yes\nExecStart=/bin/a":         "DynamicUser=yes",
		"PrivateUsers=true\nExecStart=/bin/a":       "user namespace",
		"PAMName=login\nExecStart=/bin/a":           "PAM session",
		"RootDirectory=/srv/root\nExecStart=/bin/a": "another root directory",
		"User=%H\nExecStart=/bin/a":                 "host name",
		"SupplementaryGroups=\"a\nExecStart=/bin/a": "invalid syntax",
		"ExecStart=/bin/a\nRootImage=/x.raw":        "disk image",
	}
	for service, msg := range tests {
		_, err := start(t, service)
		wantUnitError(t, err, msg)
	}
	if _, err := start(t, "DynamicUser=yes\nDynamicUser=no\nExecStart=/bin/a"); err != nil {
		t.Errorf("a setting turned off again: %v", err)
	}
}

func TestCheckProgramRefusesPathsTheNamespaceHides(t *testing.T) {
	u := parse(t, "[Service]\nExecStart=/home/alice/app\nProtectHome=yes\nPrivateTmp=yes\nBindPaths=/srv/data:/opt/app\nTemporaryFileSystem=-/var/lib:ro\nProtectSystem=strict\n")
	e, err := u.Exec()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/home/alice/app", "/tmp/x", "/opt/app/bin", "/var/lib/x"} {
		if err := e.CheckProgram(e.ExecStart[0], p); !errors.Is(err, ErrHidden) {
			t.Errorf("CheckProgram(%s) = %v, want ErrHidden", p, err)
		}
	}
	for _, p := range []string{"/usr/bin/x", "/srv/data/x", "/homer/x"} {
		if err := e.CheckProgram(e.ExecStart[0], p); err != nil {
			t.Errorf("CheckProgram(%s) = %v", p, err)
		}
	}
	plus := e.ExecStart[0]
	plus.Prefix.FullyPrivileged = true
	if err := e.CheckProgram(plus, "/home/alice/app"); err != nil {
		t.Errorf(`"+" runs without the namespace: %v`, err)
	}
}

// fakeStat says which paths are executable files, directories or plain files.
func fakeStat(files map[string]fs.FileMode) func(string) (fs.FileInfo, error) {
	return func(p string) (fs.FileInfo, error) {
		m, ok := files[p]
		if !ok {
			return nil, fs.ErrNotExist
		}
		return fakeInfo{m}, nil
	}
}

type fakeInfo struct{ mode fs.FileMode }

func (f fakeInfo) Name() string       { return "" }
func (f fakeInfo) Size() int64        { return 0 }
func (f fakeInfo) Mode() fs.FileMode  { return f.mode }
func (f fakeInfo) ModTime() time.Time { return time.Time{} }
func (f fakeInfo) IsDir() bool        { return f.mode.IsDir() }
func (f fakeInfo) Sys() any           { return nil }

func TestProgramSearchesLikeSystemd(t *testing.T) {
	stat := fakeStat(map[string]fs.FileMode{
		"/usr/local/sbin/tool": fs.ModeDir | 0o755, "/usr/local/bin/tool": 0o644,
		"/usr/sbin/tool": 0o700, "/bin/tool": 0o755, "/opt/bin/tool": 0o755, "/opt/x/tool": 0o755,
		"/opt/x/noexec": 0o644, "/opt/x/dir": fs.ModeDir | 0o755,
	})
	tests := []struct {
		unit, want string
	}{
		{"ExecStart=tool", "/usr/sbin/tool"},
		{"ExecStart=/opt/x/tool", "/opt/x/tool"},
		{"ExecSearchPath=/nowhere:/opt/bin\nExecStart=tool", "/opt/bin/tool"},
	}
	for _, tt := range tests {
		e, err := parse(t, "[Service]\n"+tt.unit+"\n").Exec()
		if err != nil {
			t.Fatal(err)
		}
		if got, err := e.Program(e.ExecStart[0], stat); err != nil || got != tt.want {
			t.Errorf("%s: Program = %s, %v; want %s", tt.unit, got, err, tt.want)
		}
	}
	for exe, errno := range map[string]string{"missing": "ENOENT", "/opt/x/missing": "ENOENT", "/opt/x/noexec": "EACCES", "/opt/x/dir": "EISDIR"} {
		e, _ := parse(t, "[Service]\nExecStart="+exe+"\n").Exec()
		_, err := e.Program(e.ExecStart[0], stat)
		wantStartError(t, err, 203)
		if se := new(StartError); errors.As(err, &se) && se.Errno != errno {
			t.Errorf("ExecStart=%s: errno %s, want %s", exe, se.Errno, errno)
		}
	}
}

func TestCommandPicksTheOneThatRunsFile(t *testing.T) {
	e, err := parse(t, "[Service]\nType=oneshot\nExecStart=/bin/a\nExecStart=+tool x\n").Exec()
	if err != nil {
		t.Fatal(err)
	}
	stat := fakeStat(map[string]fs.FileMode{"/usr/bin/tool": 0o755})
	tests := []struct {
		file, path, prefix string
		noted              bool
	}{
		{"", "/bin/a", "", true},
		{"/usr/bin/tool", "tool", "+", false},
		{"/bin/other", "/bin/other", "", true},
	}
	for _, tt := range tests {
		c, note := e.Command(tt.file, stat)
		if c.Path != tt.path || c.Prefix.String() != tt.prefix || (note != "") != tt.noted {
			t.Errorf("Command(%q) = %s %q (note %q)", tt.file, c.Path, c.Prefix, note)
		}
	}
}
