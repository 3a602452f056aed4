package host

import (
	"os"
	"testing"
)

func TestLastCapMatchesProc(t *testing.T) {
	c, err := LastCap()
	if err != nil {
		t.Fatal(err)
	}
	if c < 30 || c > 63 {
		t.Errorf("LastCap = %d, not a plausible kernel value", c)
	}
}

func TestReadStatusOfSelf(t *testing.T) {
	p, err := ReadStatus(0)
	if err != nil {
		t.Fatal(err)
	}
	if int(p.UID) != os.Getuid() || int(p.EGID) != os.Getegid() {
		t.Errorf("ReadStatus(0) ids %d/%d, want %d/%d", p.UID, p.EGID, os.Getuid(), os.Getegid())
	}
}
