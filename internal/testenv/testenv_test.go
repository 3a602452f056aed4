package testenv

import (
	"os"
	"testing"
)

func TestCanStoreCapsFailsWhereNoFileCanBeMade(t *testing.T) {
	if err := CanStoreCaps("/nonexistent-fcap-dir"); err == nil {
		t.Error("CanStoreCaps succeeded in a missing directory")
	}
}

func TestPublicDirIsEnterableByOthers(t *testing.T) {
	fi, err := os.Stat(PublicDir(t))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o005 != 0o005 {
		t.Errorf("mode %v: others cannot enter", fi.Mode())
	}
}
