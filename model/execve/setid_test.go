package execve

import "testing"

func TestSetIDBits(t *testing.T) {
	tests := []struct {
		mode     uint32
		setid    bool
		bits     uint32
		describe string
	}{
		{0o755, false, 0, ""},
		{0o4755, true, 0o4000, "setuid root"},
		{0o2755, true, 0o2000, "setgid root"},
		{0o2745, false, 0, ""}, // S_ISGID without group execute: mandatory locking
		{0o6755, true, 0o6000, "setuid root + setgid root"},
		{0o4644, true, 0o4000, "setuid root"},
		{0o104755, true, 0o4000, "setuid root"}, // file type bits are ignored
	}
	for _, tt := range tests {
		if got := IsSetID(tt.mode); got != tt.setid {
			t.Errorf("IsSetID(%o) = %v", tt.mode, got)
		}
		if got := SetIDBits(tt.mode); got != tt.bits {
			t.Errorf("SetIDBits(%o) = %o, want %o", tt.mode, got, tt.bits)
		}
		if got := DescribeSetID(tt.mode, 0, 0); got != tt.describe {
			t.Errorf("DescribeSetID(%o) = %q, want %q", tt.mode, got, tt.describe)
		}
	}
	if got := DescribeSetID(0o6755, 1000, 42); got != "setuid uid 1000 + setgid gid 42" {
		t.Errorf("DescribeSetID with ids = %q", got)
	}
}
