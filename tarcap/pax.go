package tarcap

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// The PAX keys this package reads or writes.
const (
	keyPath       = "path"
	keyLinkpath   = "linkpath"
	keySize       = "size"
	keyUID        = "uid"
	keyGID        = "gid"
	keyUname      = "uname"
	keyGname      = "gname"
	keySparseName = "GNU.sparse.name"
	sparsePrefix  = "GNU.sparse."
	// KeySchily is the record GNU tar, star, bsdtar and Go's archive/tar
	// use for the capability: its value is the raw xattr bytes.
	KeySchily = "SCHILY.xattr.security.capability"
	// libarchivePrefix starts bsdtar's own xattr records: the rest of the
	// key is the URL-encoded attribute name, the value is base64.
	libarchivePrefix = "LIBARCHIVE.xattr."
	xattrName        = "security.capability"
)

// maxExtension bounds the data of a PAX or GNU long-name header, as
// archive/tar does: real ones are a few hundred bytes.
const maxExtension = 1 << 20

// record is one PAX record, "LEN KEY=VALUE\n".
type record struct {
	key, value string
}

// parseRecords splits the data of a PAX header into its records. The
// format is strict: every byte belongs to a record whose length is
// right and which ends in a newline.
func parseRecords(data []byte) ([]record, error) {
	var out []record
	for off := 0; off < len(data); {
		r, n, err := parseRecord(data[off:])
		if err != nil {
			return nil, fmt.Errorf("malformed PAX record at byte %d of the header: %w", off, err)
		}
		out = append(out, r)
		off += n
	}
	return out, nil
}

func parseRecord(b []byte) (record, int, error) {
	sp := bytes.IndexByte(b, ' ')
	if sp <= 0 || sp > 8 {
		return record{}, 0, fmt.Errorf("no length")
	}
	n, err := strconv.Atoi(string(b[:sp]))
	if err != nil || n <= sp+3 || n > len(b) || b[0] == '0' || b[0] == '+' || b[0] == '-' {
		return record{}, 0, fmt.Errorf("bad length %q", b[:sp])
	}
	if b[n-1] != '\n' {
		return record{}, 0, fmt.Errorf("length %d does not end at a newline", n)
	}
	kv := b[sp+1 : n-1]
	eq := bytes.IndexByte(kv, '=')
	if eq <= 0 {
		return record{}, 0, fmt.Errorf("no key")
	}
	r := record{key: string(kv[:eq]), value: string(kv[eq+1:])}
	if strings.IndexByte(r.key, 0) >= 0 {
		return record{}, 0, fmt.Errorf("NUL in key %q", r.key)
	}
	return r, n, nil
}

// formatRecord renders one record; its length counts its own digits.
func formatRecord(key, value string) string {
	body := " " + key + "=" + value + "\n"
	n := len(body) + 1
	for len(strconv.Itoa(n))+len(body) != n {
		n = len(strconv.Itoa(n)) + len(body)
	}
	return strconv.Itoa(n) + body
}

// formatRecords renders records in order.
func formatRecords(rs []record) []byte {
	var b bytes.Buffer
	for _, r := range rs {
		b.WriteString(formatRecord(r.key, r.value))
	}
	return b.Bytes()
}

// repeatable reports whether a key may legitimately appear more than
// once in one header: only the offsets and sizes of the old GNU sparse
// 0.0 map, whose order is their meaning.
func repeatable(key string) bool {
	return key == "GNU.sparse.offset" || key == "GNU.sparse.numbytes"
}

// capKind tells which capability record a key is, if any.
type capKind int

const (
	notCap capKind = iota
	capSchily
	capLibarchive
)

func capRecordKind(key string) capKind {
	if key == KeySchily {
		return capSchily
	}
	if name, ok := strings.CutPrefix(key, libarchivePrefix); ok {
		if dec, err := url.PathUnescape(name); err == nil && dec == xattrName {
			return capLibarchive
		}
	}
	return notCap
}

// capValue is the raw xattr a capability record carries.
func capValue(r record, kind capKind) ([]byte, error) {
	if kind == capSchily {
		return []byte(r.value), nil
	}
	v := strings.TrimRight(r.value, "=")
	b, err := base64.RawStdEncoding.DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("record %s: bad base64 value: %w", r.key, err)
	}
	return b, nil
}
