package systemd

import (
	"errors"
	"testing"
)

// FuzzUnit checks that no unit text makes Parse, Exec or Start panic,
// and that every failure is a UnitError or a StartError.
func FuzzUnit(f *testing.F) {
	f.Add([]byte("[Service]\nUser=alice\nAmbientCapabilities=CAP_NET_RAW\nExecStart=/bin/x \\\n a\n"))
	f.Add([]byte("[Service]\nType=oneshot\nExecStart=-@+/bin/%n a ; \"b c\" \\; d\nSecureBits=noroot\nCapabilityBoundingSet=~CAP_SYS_ADMIN 0x10\n"))
	f.Add([]byte("[Service]\nSupplementaryGroups=audio 29\nProtectHome=tmpfs\nNoNewPrivileges=yes\nExecStart=!!tool\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		u, err := Parse("fuzz@x.service", data)
		if err != nil {
			mustBeTyped(t, err)
			return
		}
		e, err := u.Exec()
		if err != nil {
			mustBeTyped(t, err)
			return
		}
		for _, c := range e.ExecStart {
			if _, err := e.Start(c, Manager(hostBounding), fakeDB{}, last); err != nil {
				mustBeTyped(t, err)
			}
			_ = e.CheckProgram(c, "/usr/bin/x")
		}
	})
}

func mustBeTyped(t *testing.T, err error) {
	var ue *UnitError
	var se *StartError
	if !errors.As(err, &ue) && !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is neither a UnitError nor a StartError", err, err)
	}
}
