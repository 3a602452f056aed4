package procstatus

import (
	"errors"
	"strings"
	"testing"
)

func TestParseTaskReadsNameParentAndKind(t *testing.T) {
	got, err := ParseTask([]byte(sampleStatus))
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "cat" || got.PPid != 14336 || got.Kthread || got.KthreadKnown || got.Cred.SUID != 1001 {
		t.Errorf("ParseTask = %+v", got)
	}
	kthread := strings.Replace(sampleStatus, "Name:\tcat", "Name:\tkworker/0:1 x\\\\n", 1) + "Kthread:\t1\n"
	got, err = ParseTask([]byte(kthread))
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != `kworker/0:1 x\\n` || !got.Kthread || !got.KthreadKnown {
		t.Errorf("ParseTask of a kernel thread = %+v", got)
	}
}

func TestParseTaskRefusesBadTaskFields(t *testing.T) {
	tests := map[string]string{
		"Name":    strings.Replace(sampleStatus, "Name:\tcat\n", "", 1),
		"PPid":    strings.Replace(sampleStatus, "PPid:\t14336", "PPid:\t-1", 1),
		"Kthread": sampleStatus + "Kthread:\t2\n",
	}
	for field, in := range tests {
		_, err := ParseTask([]byte(in))
		var se *StatusError
		if !errors.As(err, &se) || se.Field != field {
			t.Errorf("%s: err = %v, want a StatusError about %s", field, err, field)
		}
	}
	if _, err := ParseTask([]byte(sampleStatus + "PPid:\t1\n")); !errors.Is(err, ErrDuplicateField) {
		t.Errorf("duplicate PPid: err = %v", err)
	}
}
