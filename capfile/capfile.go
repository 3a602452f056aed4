// Package capfile converts between the bytes of the security.capability
// extended attribute and model.FileCaps. It is strict: a value the kernel
// would refuse at exec is an error here too.
//
// Layout (all words little-endian uint32): magic_etc (revision in the top
// byte, flags below it; bit 0 is the effective flag), then permitted and
// inheritable for capabilities 0-31, then (revisions 2 and 3) the same for
// 32-63, then (revision 3) the rootid.
package capfile

import (
	"encoding/binary"
	"errors"
	"fmt"

	"fcap/model"
)

const (
	revisionMask  = 0xff000000
	flagEffective = 0x000001

	magicV1 = 0x01000000
	magicV2 = 0x02000000
	magicV3 = 0x03000000

	// SizeV1, SizeV2 and SizeV3 are the exact sizes of each revision.
	SizeV1 = 12
	SizeV2 = 20
	SizeV3 = 24
	// MaxSize is the largest value the kernel stores; anything longer is
	// refused before it is read.
	MaxSize = SizeV3
)

// Kind tells what is wrong with a value.
type Kind int

// The kinds of malformed value.
const (
	TooShort        Kind = iota + 1 // fewer than 4 bytes: no magic
	UnknownRevision                 // revision byte other than 1, 2, 3
	WrongSize                       // size does not match the revision
	UnknownFlags                    // flag bits other than effective
)

// FormatError describes a malformed security.capability value. The kernel
// refuses to exec a file carrying one (EINVAL), except for unknown flag
// bits, which exec ignores but setxattr refuses.
type FormatError struct {
	Kind  Kind
	Value []byte
}

func (e *FormatError) Error() string {
	if len(e.Value) < 4 {
		return fmt.Sprintf("invalid capability xattr %x: %d bytes is too short for a capability value", e.Value, len(e.Value))
	}
	var what string
	switch e.Kind {
	case UnknownRevision:
		what = fmt.Sprintf("unknown revision 0x%02x", e.Value[3])
	case WrongSize:
		what = fmt.Sprintf("%d bytes does not fit revision %d (want %d)", len(e.Value), e.Value[3], sizeOf(e.Value[3]))
	case UnknownFlags:
		what = fmt.Sprintf("unknown flag bits 0x%06x", binary.LittleEndian.Uint32(e.Value)&^revisionMask&^flagEffective)
	}
	return fmt.Sprintf("invalid capability xattr %x: %s", e.Value, what)
}

// ErrRevision1 is returned by Encode for a revision-1 value: the kernel
// refuses to store one.
var ErrRevision1 = errors.New("revision 1 capability values cannot be written")

func sizeOf(rev byte) int {
	switch rev {
	case 1:
		return SizeV1
	case 2:
		return SizeV2
	case 3:
		return SizeV3
	}
	return 0
}

// Decode parses a security.capability value of revision 1, 2 or 3. Bits
// above the running kernel's last capability are kept.
func Decode(b []byte) (model.FileCaps, error) {
	if len(b) < 4 {
		return model.FileCaps{}, &FormatError{Kind: TooShort, Value: clone(b)}
	}
	magic := binary.LittleEndian.Uint32(b)
	rev := b[3]
	want := sizeOf(rev)
	switch {
	case want == 0:
		return model.FileCaps{}, &FormatError{Kind: UnknownRevision, Value: clone(b)}
	case len(b) != want:
		return model.FileCaps{}, &FormatError{Kind: WrongSize, Value: clone(b)}
	case magic&^revisionMask&^flagEffective != 0:
		return model.FileCaps{}, &FormatError{Kind: UnknownFlags, Value: clone(b)}
	}
	f := model.FileCaps{
		Revision:    int(rev),
		Effective:   magic&flagEffective != 0,
		Permitted:   model.Set(binary.LittleEndian.Uint32(b[4:])),
		Inheritable: model.Set(binary.LittleEndian.Uint32(b[8:])),
	}
	if rev >= 2 {
		f.Permitted |= model.Set(binary.LittleEndian.Uint32(b[12:])) << 32
		f.Inheritable |= model.Set(binary.LittleEndian.Uint32(b[16:])) << 32
	}
	if rev == 3 {
		f.RootID = binary.LittleEndian.Uint32(b[20:])
	}
	return f, nil
}

// Encode returns the bytes setcap writes for f: revision 2 when the
// rootid is 0, revision 3 otherwise. f.Revision is ignored unless it is 1,
// which cannot be written.
func Encode(f model.FileCaps) ([]byte, error) {
	if f.Revision == 1 {
		return nil, ErrRevision1
	}
	magic, size := uint32(magicV2), SizeV2
	if f.RootID != 0 {
		magic, size = magicV3, SizeV3
	}
	if f.Effective {
		magic |= flagEffective
	}
	b := make([]byte, size)
	binary.LittleEndian.PutUint32(b[0:], magic)
	binary.LittleEndian.PutUint32(b[4:], uint32(f.Permitted))
	binary.LittleEndian.PutUint32(b[8:], uint32(f.Inheritable))
	binary.LittleEndian.PutUint32(b[12:], uint32(f.Permitted>>32))
	binary.LittleEndian.PutUint32(b[16:], uint32(f.Inheritable>>32))
	if size == SizeV3 {
		binary.LittleEndian.PutUint32(b[20:], f.RootID)
	}
	return b, nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// DecodeForExec reads a value as execve does: like Decode, except that
// unknown flag bits are ignored rather than refused (setxattr refuses
// them, exec does not).
func DecodeForExec(b []byte) (model.FileCaps, error) {
	f, err := Decode(b)
	var fe *FormatError
	if errors.As(err, &fe) && fe.Kind == UnknownFlags {
		clean := clone(b)
		binary.LittleEndian.PutUint32(clean, binary.LittleEndian.Uint32(clean)&(revisionMask|flagEffective))
		return Decode(clean)
	}
	return f, err
}
