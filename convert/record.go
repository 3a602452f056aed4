package convert

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"fcap/capfile"
	"fcap/model"
	"fcap/xattr"
)

// RecordName is the extended attribute in which convert records what it
// changed, on the converted file itself: the mode it had and the
// capabilities it was given. It is in the trusted namespace, which only
// a process with CAP_SYS_ADMIN can read or write, so no user can forge
// one to make --revert set a setuid bit. It travels with the file (tar
// --xattrs, cp -a, rsync -X as root) and goes with it: a package upgrade
// that replaces the program replaces an unconverted file.
const RecordName = "trusted.fcap.convert"

// record is what convert changed: the mode before (with its set-id
// bits) and the capabilities written.
type record struct {
	Mode uint32
	Caps model.FileCaps
}

// String is the attribute's value: "mode=4755 caps=HEX", HEX being the
// security.capability value written.
func (r record) String() string {
	v, _ := capfile.Encode(r.Caps)
	return fmt.Sprintf("mode=%04o caps=%x", r.Mode, v)
}

var errNoRecord = errors.New("no record that fcap convert changed this file")

func writeRecord(f *xattr.File, r record) error {
	return f.SetAttr(RecordName, []byte(r.String()))
}

// readRecord reads f's record; errNoRecord when there is none.
func readRecord(f *xattr.File) (record, error) {
	v, err := f.Attr(RecordName)
	switch {
	case err != nil:
		return record{}, err
	case v == nil:
		return record{}, errNoRecord
	}
	return parseRecord(string(v))
}

func parseRecord(s string) (record, error) {
	var r record
	bad := fmt.Errorf("malformed %s value %q", RecordName, s)
	mode, caps, ok := strings.Cut(s, " ")
	m, okm := strings.CutPrefix(mode, "mode=")
	c, okc := strings.CutPrefix(caps, "caps=")
	if !ok || !okm || !okc {
		return r, bad
	}
	n, err := strconv.ParseUint(m, 8, 32)
	if err != nil || n&^0o7777 != 0 {
		return r, bad
	}
	r.Mode = uint32(n)
	b, err := hex.DecodeString(c)
	if err != nil {
		return r, bad
	}
	if r.Caps, err = capfile.Decode(b); err != nil {
		return r, bad
	}
	return r, nil
}
