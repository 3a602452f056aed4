package oci

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"fcap/model"
	"fcap/model/cred"
)

const testLast = model.CapCheckpointRestore

// runtimeState is runc as root on a host whose bounding set lacks
// cap_sys_resource.
func runtimeState() cred.State {
	all := model.UpTo(testLast) &^ model.SetOf(model.CapSysResource)
	return cred.State{Permitted: all, Effective: all, Bounding: all}
}

var runcDefault = []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}

// testConfig builds a Config the way Load does, from the process part.
func testConfig(t *testing.T, user specs.User, caps specs.LinuxCapabilities, nnp bool) *Config {
	t.Helper()
	c := &Config{Path: "config.json", Spec: specs.Spec{
		Process: &specs.Process{User: user, Capabilities: &caps, NoNewPrivileges: nnp, Cwd: "/"},
		Root:    &specs.Root{Path: "rootfs"},
	}}
	if err := c.check(); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestProcessFollowsRuncsOrderOfSteps(t *testing.T) {
	defaults := specs.LinuxCapabilities{Bounding: runcDefault, Effective: runcDefault, Permitted: runcDefault, Ambient: runcDefault}
	set := func(names ...string) model.Set {
		var s model.Set
		for _, n := range names {
			c, err := capName(n)
			if err != nil {
				t.Fatal(err)
			}
			s |= model.SetOf(c)
		}
		return s
	}
	def := set(runcDefault...)
	tests := []struct {
		name  string
		user  specs.User
		caps  specs.LinuxCapabilities
		want  cred.State
		notes []string
	}{
		{"runc spec's default: ambient without inheritable is not raised", specs.User{}, defaults,
			cred.State{Permitted: def, Effective: def, Bounding: def, NoNewPrivs: true}, []string{"ambient cap_kill,cap_net_bind_service,cap_audit_write is not in both"}},
		{"a user with ambient caps in permitted and inheritable",
			specs.User{UID: 1000, GID: 100, AdditionalGids: []uint32{5, 3, 5, 1000, 7}},
			specs.LinuxCapabilities{Bounding: runcDefault, Permitted: []string{"CAP_KILL"}, Effective: []string{"CAP_KILL"},
				Inheritable: []string{"CAP_KILL", "CAP_AUDIT_WRITE"}, Ambient: []string{"CAP_KILL", "CAP_CHOWN"}},
			cred.State{UID: 1000, EUID: 1000, SUID: 1000, FSUID: 1000, GID: 100, EGID: 100, SGID: 100, FSGID: 100,
				Groups: []uint32{3, 5, 7, 1000}, Permitted: set("CAP_KILL"), Effective: set("CAP_KILL"),
				Inheritable: set("CAP_KILL", "CAP_AUDIT_WRITE"), Ambient: set("CAP_KILL"), Bounding: def, NoNewPrivs: true},
			[]string{"ambient cap_chown is not in both"}},
		{"permitted beyond the bounding set is accepted",
			specs.User{}, specs.LinuxCapabilities{Bounding: []string{"CAP_KILL"}, Permitted: []string{"CAP_SYS_ADMIN"}},
			cred.State{Permitted: set("CAP_SYS_ADMIN"), Bounding: set("CAP_KILL"), NoNewPrivs: true}, nil},
		{"a bounding cap the runtime lacks is dropped",
			specs.User{}, specs.LinuxCapabilities{Bounding: []string{"CAP_SYS_RESOURCE", "CAP_CHOWN"}},
			cred.State{Bounding: set("CAP_CHOWN"), NoNewPrivs: true}, []string{"bounding cap_sys_resource is not in the runtime's own bounding set"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testConfig(t, tt.user, tt.caps, true)
			p, err := c.Process(runtimeState(), testLast, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !equalState(p.State, tt.want) {
				t.Errorf("state\n got %+v\nwant %+v", p.State, tt.want)
			}
			if len(p.Notes) != len(tt.notes) {
				t.Fatalf("notes %q, want %d", p.Notes, len(tt.notes))
			}
			for i, n := range tt.notes {
				if !strings.Contains(p.Notes[i], n) {
					t.Errorf("note %q does not say %q", p.Notes[i], n)
				}
			}
		})
	}
}

func equalState(a, b cred.State) bool {
	return slices.Equal(a.Groups, b.Groups) && reflect.DeepEqual(withoutGroups(a), withoutGroups(b))
}

func withoutGroups(s cred.State) cred.State {
	s.Groups = nil
	return s
}

func TestProcessRefusesWhatRuncCannotApply(t *testing.T) {
	tests := []struct {
		name, step, errno, detail string
		user                      specs.User
		caps                      specs.LinuxCapabilities
	}{
		{"inheritable outside the bounding set", "apply caps", "EPERM", "inheritable cap_chown is not in the bounding set",
			specs.User{}, specs.LinuxCapabilities{Bounding: runcDefault, Inheritable: []string{"CAP_CHOWN"}}},
		{"permitted the runtime does not have", "apply caps", "EPERM", "permitted cap_sys_resource is not in the runtime's own permitted set",
			specs.User{UID: 5}, specs.LinuxCapabilities{Permitted: []string{"CAP_SYS_RESOURCE"}}},
		{"effective outside permitted", "apply caps", "EPERM", "effective cap_kill is not in permitted",
			specs.User{}, specs.LinuxCapabilities{Permitted: []string{"CAP_CHOWN"}, Effective: []string{"CAP_KILL"}}},
		{"a uid above runc's range", "setup user", "ERANGE", "uid 2147483648",
			specs.User{UID: 1 << 31}, specs.LinuxCapabilities{}},
		{"an additional gid above runc's range", "setup user", "ERANGE", "additional gid 4294967295",
			specs.User{AdditionalGids: []uint32{1<<32 - 1}}, specs.LinuxCapabilities{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := testConfig(t, tt.user, tt.caps, false).Process(runtimeState(), testLast, nil)
			var re *RuntimeError
			if !errors.As(err, &re) || re.Step != tt.step || re.Errno != tt.errno || !strings.Contains(re.Detail, tt.detail) {
				t.Errorf("Process = %v, want a RuntimeError %s %s %q", err, tt.step, tt.errno, tt.detail)
			}
		})
	}
}

func TestProcessInheritsTheRuntimesSecurebitsAndNoNewPrivs(t *testing.T) {
	rt := runtimeState()
	rt.Securebits = cred.SecbitNoroot | cred.SecbitKeepCaps
	rt.NoNewPrivs = true
	p, err := testConfig(t, specs.User{}, specs.LinuxCapabilities{}, false).Process(rt, testLast, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.State.Securebits != cred.SecbitNoroot || !p.State.NoNewPrivs {
		t.Errorf("securebits %s nnp %v, want noroot (keep-caps cleared by runc) and nnp", p.State.Securebits, p.State.NoNewPrivs)
	}
}

func TestProcessIgnoresCapabilitiesTheKernelLacks(t *testing.T) {
	c := testConfig(t, specs.User{}, specs.LinuxCapabilities{Bounding: []string{"CAP_BPF", "CAP_CHECKPOINT_RESTORE"}}, false)
	p, err := c.Process(runtimeState(), model.CapBpf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.State.Bounding != model.SetOf(model.CapBpf) || len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "cap_checkpoint_restore: not known to this kernel") {
		t.Errorf("bounding %s, notes %q", p.State.Bounding.Names(), p.Notes)
	}
}

func TestAdditionalGidsAreLookedUpInTheContainersGroupFile(t *testing.T) {
	const group = "root:x:0:\n  # a comment\n\n4242:x:7:\nbad:x:notanumber:\n7:x:9:\n"
	tests := []struct {
		ids, want []uint32
	}{
		{[]uint32{4242}, []uint32{7}},          // a group named 4242 has gid 7
		{[]uint32{7}, []uint32{7}},             // gid 7 (4242's line) comes before the group named 7
		{[]uint32{7, 4242}, []uint32{7, 4242}}, // 4242's group is taken: the number is used
		{[]uint32{0, 0, 12}, []uint32{0, 12}},  // duplicates go
		{[]uint32{9}, []uint32{9}},             // gid 9 is the group named 7
		{[]uint32{1000, 3, 1000}, []uint32{3, 1000}},
	}
	for _, tt := range tests {
		got, err := additionalGids(tt.ids, []byte(group))
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("additionalGids(%v) = %v, %v; want %v", tt.ids, got, err, tt.want)
		}
	}
	if got, _ := additionalGids([]uint32{0}, []byte("bad:x:notanumber:\n")); !slices.Equal(got, []uint32{0}) {
		t.Errorf("a group line whose gid is not a number counts as gid 0: got %v", got)
	}
}
