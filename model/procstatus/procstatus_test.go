package procstatus

import (
	"errors"
	"fcap/model/cred"
	"reflect"
	"strings"
	"testing"
)

// sampleStatus is /proc/self/status of `cat` run as root on Linux 6.18,
// with a supplementary group list added.
const sampleStatus = `Name:	cat
Umask:	0022
State:	R (running)
Tgid:	14338
Pid:	14338
PPid:	14336
TracerPid:	0
Uid:	1000	0	1001	0
Gid:	100	1000	100	1000
FDSize:	256
Groups:	4 24 1000 
NStgid:	14338
VmPeak:	    3060 kB
untag_mask:	0xffffffffffffffff
SigQ:	0/96365
CapInh:	0000000000002000
CapPrm:	000001fffeffffff
CapEff:	000001fffeffffff
CapBnd:	000001fffeffffff
CapAmb:	0000000000002000
NoNewPrivs:	1
Seccomp:	0
Cpus_allowed_list:	0-1
`

func TestParseStatusReadsEveryField(t *testing.T) {
	got, err := Parse([]byte(sampleStatus))
	if err != nil {
		t.Fatal(err)
	}
	want := cred.State{
		UID: 1000, EUID: 0, SUID: 1001, FSUID: 0,
		GID: 100, EGID: 1000, SGID: 100, FSGID: 1000,
		Groups:      []uint32{4, 24, 1000},
		Inheritable: 0x2000, Permitted: 0x1fffeffffff, Effective: 0x1fffeffffff,
		Bounding: 0x1fffeffffff, Ambient: 0x2000,
		NoNewPrivs: true,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseStatus:\n got %+v\nwant %+v", got, want)
	}
}

func TestParseStatusAcceptsEmptyGroups(t *testing.T) {
	in := strings.Replace(sampleStatus, "Groups:\t4 24 1000 ", "Groups:\t ", 1)
	got, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if got.Groups != nil {
		t.Errorf("Groups = %v, want none", got.Groups)
	}
}

func TestParseStatusRejectsBadFieldsNamingThem(t *testing.T) {
	tests := []struct {
		name, old, new, field string
		wantErr               error
	}{
		{"missing Uid", "Uid:\t1000\t0\t1001\t0\n", "", "Uid", ErrMissingField},
		{"missing Groups", "Groups:\t4 24 1000 \n", "", "Groups", ErrMissingField},
		{"missing CapAmb (pre-4.3 kernel)", "CapAmb:\t0000000000002000\n", "", "CapAmb", ErrMissingField},
		{"missing NoNewPrivs", "NoNewPrivs:\t1\n", "", "NoNewPrivs", ErrMissingField},
		{"three uids", "Uid:\t1000\t0\t1001\t0", "Uid:\t1000\t0\t1001", "Uid", nil},
		{"five gids", "Gid:\t100\t1000\t100\t1000", "Gid:\t100\t1000\t100\t1000\t5", "Gid", nil},
		{"negative uid", "Uid:\t1000", "Uid:\t-1", "Uid", nil},
		{"uid over 32 bits", "Uid:\t1000", "Uid:\t4294967296", "Uid", nil},
		{"hex group", "Groups:\t4 24", "Groups:\t0x4 24", "Groups", nil},
		{"cap set not hex", "CapPrm:\t000001fffeffffff", "CapPrm:\t000001fffeffffzz", "CapPrm", nil},
		{"cap set over 64 bits", "CapBnd:\t000001fffeffffff", "CapBnd:\t1000001fffeffffff", "CapBnd", nil},
		{"cap set empty", "CapEff:\t000001fffeffffff", "CapEff:\t", "CapEff", nil},
		{"cap set with 0x", "CapInh:\t0000000000002000", "CapInh:\t0x00000000002000", "CapInh", nil},
		{"NoNewPrivs 2", "NoNewPrivs:\t1", "NoNewPrivs:\t2", "NoNewPrivs", nil},
		{"duplicate CapEff", "CapEff:", "CapEff:\t0\nCapEff:", "CapEff", ErrDuplicateField},
		{"line without colon", "Seccomp:\t0", "Seccomp 0", "line 22", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := strings.Replace(sampleStatus, tt.old, tt.new, 1)
			if in == sampleStatus {
				t.Fatalf("test edit %q did not apply", tt.old)
			}
			_, err := Parse([]byte(in))
			var se *StatusError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *StatusError", err)
			}
			if se.Field != tt.field {
				t.Errorf("error names field %q, want %q (%v)", se.Field, tt.field, err)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("message %q does not name %q", err, tt.field)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestParseStatusRejectsEmptyInput(t *testing.T) {
	if _, err := Parse(nil); err == nil {
		t.Error("Parse(nil) succeeded")
	}
}
