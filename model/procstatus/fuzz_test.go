package procstatus

import (
	"fcap/model/cred"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// formatStatus writes p the way the kernel writes /proc/PID/status.
func formatStatus(p cred.State) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Name:\tprobe\nUid:\t%d\t%d\t%d\t%d\n", p.UID, p.EUID, p.SUID, p.FSUID)
	fmt.Fprintf(&b, "Gid:\t%d\t%d\t%d\t%d\nGroups:\t", p.GID, p.EGID, p.SGID, p.FSGID)
	for _, g := range p.Groups {
		fmt.Fprintf(&b, "%d ", g)
	}
	fmt.Fprintf(&b, "\nCapInh:\t%016x\nCapPrm:\t%016x\nCapEff:\t%016x\nCapBnd:\t%016x\nCapAmb:\t%016x\n",
		uint64(p.Inheritable), uint64(p.Permitted), uint64(p.Effective), uint64(p.Bounding), uint64(p.Ambient))
	nnp := 0
	if p.NoNewPrivs {
		nnp = 1
	}
	fmt.Fprintf(&b, "NoNewPrivs:\t%d\n", nnp)
	return b.String()
}

// FuzzParseStatus checks that ParseStatus never panics, that a failure
// always names a field, and that what it accepts survives being written
// back in the kernel's format and parsed again.
func FuzzParse(f *testing.F) {
	f.Add([]byte(sampleStatus))
	f.Add([]byte(formatStatus(cred.State{Groups: []uint32{1, 2}, Permitted: 1<<41 - 1})))
	f.Add([]byte("Uid:\t0\t0\t0\t0\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			if se, ok := err.(*StatusError); !ok || se.Field == "" {
				t.Fatalf("error %v (%T) names no field", err, err)
			}
			return
		}
		again, err := Parse([]byte(formatStatus(p)))
		if err != nil {
			t.Fatalf("re-parsing %+v: %v", p, err)
		}
		if !reflect.DeepEqual(again, p) {
			t.Fatalf("round trip changed the state:\n got %+v\nwant %+v", again, p)
		}
	})
}

// FuzzParseTask checks that ParseTask never panics, that a failure names
// a field, and that it accepts exactly what Parse accepts plus a Name
// and a PPid, with the same credentials.
func FuzzParseTask(f *testing.F) {
	f.Add([]byte(sampleStatus))
	f.Add([]byte(sampleStatus + "Kthread:\t1\n"))
	f.Add([]byte("Name:\tx\nPPid:\t1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		task, err := ParseTask(b)
		if err != nil {
			if se, ok := err.(*StatusError); !ok || se.Field == "" {
				t.Fatalf("error %v (%T) names no field", err, err)
			}
			return
		}
		p, err := Parse(b)
		if err != nil || !reflect.DeepEqual(p, task.Cred) {
			t.Fatalf("ParseTask accepted what Parse gives %+v, %v; task %+v", p, err, task.Cred)
		}
	})
}
