package apply

import (
	"errors"

	"fcap/host"
	"fcap/model/execve"
	"fcap/xattr"
)

const modeSetuid = execve.ModeSetuid

// errNoSuid is why a setuid bit cannot stand in for capabilities.
var errNoSuid = errors.New("the filesystem is mounted nosuid, where a setuid bit does nothing either")

// setuidWorks says why the setuid bit of f would not make its program
// run as its owner, or nil when it would. As for convert, the mount
// decides: on a nosuid mount exec ignores the bit.
func setuidWorks(f *xattr.File) error {
	nosuid, err := host.NoSuid(f.Fd())
	if err != nil {
		return err
	}
	if nosuid {
		return errNoSuid
	}
	return nil
}
