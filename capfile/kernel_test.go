//go:build linux

package capfile_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"fcap/capfile"

	"fcap/internal/testenv"
)

const capXattr = "security.capability"

// kernelDir returns a fresh directory in which this process can write
// security.capability, or skips the test saying why it cannot.
func kernelDir(t *testing.T, tools ...string) string {
	t.Helper()
	dir := testenv.CapDir(t)
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("skipping: %s (libcap2-bin) is not installed: %v", tool, err)
		}
	}
	return dir
}

func newFile(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/true\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func getCapXattr(path string) ([]byte, error) {
	buf := make([]byte, 64)
	n, err := unix.Lgetxattr(path, capXattr, buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

func getcapN(t *testing.T, path string) string {
	t.Helper()
	cmd := exec.Command("getcap", "-n", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() != 0 {
		t.Fatalf("getcap -n %s: %v, stderr %q", path, err, stderr.String())
	}
	return string(out)
}

// TestSetcapBytesEqualEncode runs setcap (libcap 2.66) for many texts and
// proves that (1) Decode accepts what setcap wrote and Encode of the
// decoded value gives the same bytes, and (2) writing Encode's bytes
// with Lsetxattr makes getcap -n print exactly what it printed after
// setcap. Where the notes quote a dump, setcap's bytes must also equal
// that testdata vector.
func TestSetcapBytesEqualEncode(t *testing.T) {
	dir := kernelDir(t, "setcap", "getcap")
	vectors := map[string][]byte{}
	for _, v := range loadVectors(t) {
		vectors[v.name] = v.value
	}
	tests := []struct {
		rootid string // setcap -n ROOTID, or "" for none
		text   string
		vector string // testdata vector setcap must reproduce, if any
	}{
		{"", "cap_net_raw+ep", "good_v2_net_raw_ep"},
		{"", "CAP_NET_RAW+ep", "good_v2_net_raw_ep"},
		{"", "cap_net_raw=ep", "good_v2_net_raw_ep"},
		{"", "cap_net_bind_service=+ep", "good_v2_net_bind_service_ep"},
		{"", "cap_net_raw,cap_net_admin+ep", "good_v2_net_raw_net_admin_ep"},
		{"", "cap_net_raw+p", "good_v2_net_raw_p"},
		{"", "cap_net_raw=p", "good_v2_net_raw_p"},
		{"", "cap_net_raw+i", "good_v2_net_raw_i"},
		{"", "cap_net_raw+eip", "good_v2_net_raw_eip"},
		{"", "cap_net_raw=ip cap_chown=p", "good_v2_net_raw_ip_chown_p"},
		{"", "cap_net_raw=eip cap_chown+ei", "good_v2_net_raw_eip_chown_ei"},
		{"", "all=ep", "good_v2_all_ep"},
		{"", "all+i", "good_v2_all_i"},
		{"", "=ep cap_sys_admin-ep", "good_v2_all_ep_minus_sys_admin"},
		{"", "0x27=ep", "good_v2_bpf_ep"},
		{"", "cap_bpf=ep", "good_v2_bpf_ep"},
		{"", "40=ep", "good_v2_checkpoint_restore_ep"},
		{"", "41=p", "good_v2_41_p"},
		{"", "63=ep", "good_v2_63_ep"},
		{"", "=", "good_v2_empty"},
		{"", "cap_net_raw+e", "good_v2_effective_only"},
		{"", "cap_net_raw=e", "good_v2_effective_only"},
		{"", "cap_chown,cap_kill=p", "good_v2_chown_kill_p"},
		{"", "31=p 32=i", "good_v2_word_boundary"},
		{"", "all=eip 41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63=eip", "good_v2_all_bits_eip"},
		{"", "cap_setuid,cap_setgid=eip", ""},
		{"", "cap_sys_admin,cap_sys_ptrace=p cap_kill=i", ""},
		{"", "cap_dac_override,cap_dac_read_search=ei", ""},
		{"", "all=i cap_setfcap+p", ""},
		{"", "all=p 63=p", ""},
		{"", "32,33=ep", ""},
		{"", "cap_mac_override,cap_mac_admin,cap_syslog=p", ""},
		{"", "cap_fowner+pe-i", ""},
		{"", "=ep cap_chown-ep", ""},
		{"", "015=ep", "good_v2_net_raw_ep"},
		{"", "cap_chown,13,cap_setuid=p", ""},
		{"1000", "cap_net_raw=ep", "good_v3_net_raw_ep_rootid_1000"},
		{"16", "cap_net_raw=ep", "good_v3_net_raw_ep_rootid_16"},
		{"100000", "cap_net_raw=ep", "good_v3_net_raw_ep_rootid_100000"},
		{"65534", "=", "good_v3_empty_rootid_65534"},
		{"0x10", "all=eip", ""},
		{"1", "cap_net_raw=p", ""},
		{"4294967294", "63=i", ""},
		{"2147483648", "cap_net_raw+e", ""},
	}
	for i, tt := range tests {
		var opts []string
		if tt.rootid != "" {
			opts = []string{"-n", tt.rootid}
		}
		t.Run(strings.Join(append(opts, tt.text), " "), func(t *testing.T) {
			f := newFile(t, dir, fmt.Sprintf("f%02d", i))
			args := append(opts, tt.text, f)
			if out, err := exec.Command("setcap", args...).CombinedOutput(); err != nil {
				t.Fatalf("setcap %q: %v\n%s", args, err, out)
			}
			written, err := getCapXattr(f)
			if err != nil {
				t.Fatalf("Lgetxattr after setcap: %v", err)
			}
			if tt.vector != "" && !bytes.Equal(written, vectors[tt.vector]) {
				t.Errorf("setcap wrote %x, vector %s holds %x", written, tt.vector, vectors[tt.vector])
			}
			fc, err := capfile.Decode(written)
			if err != nil {
				t.Fatalf("Decode(%x) of setcap's bytes: %v", written, err)
			}
			if wantRev := map[bool]int{false: 2, true: 3}[tt.rootid != ""]; fc.Revision != wantRev {
				t.Errorf("setcap wrote revision %d, want %d", fc.Revision, wantRev)
			}
			enc, err := capfile.Encode(fc)
			if err != nil {
				t.Fatalf("Encode(%+v): %v", fc, err)
			}
			if !bytes.Equal(enc, written) {
				t.Fatalf("Encode(Decode(setcap's bytes))\n got %x\nwant %x", enc, written)
			}
			afterSetcap := getcapN(t, f)

			if err := unix.Lremovexattr(f, capXattr); err != nil {
				t.Fatal(err)
			}
			if got := getcapN(t, f); got != "" {
				t.Fatalf("getcap after removexattr printed %q", got)
			}
			if err := unix.Lsetxattr(f, capXattr, enc, 0); err != nil {
				t.Fatalf("Lsetxattr(%x): %v", enc, err)
			}
			if back, err := getCapXattr(f); err != nil || !bytes.Equal(back, enc) {
				t.Fatalf("read back %x, %v after writing %x", back, err, enc)
			}
			if afterEncode := getcapN(t, f); afterEncode != afterSetcap {
				t.Fatalf("getcap -n after writing Encode's bytes: %q; after setcap: %q", afterEncode, afterSetcap)
			}
		})
	}
}

// TestKernelSetxattrAgreesWithVectors writes every testdata vector with
// Lsetxattr from the initial user namespace. The kernel refuses every bad
// vector and every revision-1 value with EINVAL (storing nothing), and
// also the well-formed rootid 0xffffffff, which is no valid uid; it
// stores the other good values and hands back Encode(Decode(value)):
// the value itself, or revision 2 for revision 3 with rootid 0. The one
// exception is the empty value: the kernel stores it unchecked, and
// getxattr then refuses to return it (EINVAL).
func TestKernelSetxattrAgreesWithVectors(t *testing.T) {
	dir := kernelDir(t)
	for i, v := range loadVectors(t) {
		t.Run(v.name, func(t *testing.T) {
			f := newFile(t, dir, fmt.Sprintf("v%02d", i))
			err := unix.Lsetxattr(f, capXattr, v.value, 0)
			if len(v.value) == 0 {
				// The kernel skips cap_convert_nscap, and with it every
				// check, for a 0-byte value: it is stored, getxattr then
				// fails with EINVAL (and so does exec).
				if err != nil {
					t.Fatalf("Lsetxattr of 0 bytes: %v, want it stored", err)
				}
				if back, err := getCapXattr(f); !errors.Is(err, unix.EINVAL) {
					t.Fatalf("Lgetxattr of the stored 0-byte value: %x, %v; want EINVAL", back, err)
				}
				return
			}
			refused := !v.good || v.want.Revision == 1 || v.want.RootID == 0xffffffff
			if refused {
				if !errors.Is(err, unix.EINVAL) {
					t.Fatalf("Lsetxattr(%x) (%s): %v, want EINVAL", v.value, v.comment, err)
				}
				if back, err := getCapXattr(f); !errors.Is(err, unix.ENODATA) {
					t.Fatalf("after the refused write the file holds %x, %v; want ENODATA", back, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Lsetxattr(%x) (%s): %v", v.value, v.comment, err)
			}
			back, err := getCapXattr(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := capfile.Encode(v.want)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back, want) {
				t.Fatalf("wrote %x, kernel returns %x, want Encode(Decode()) = %x", v.value, back, want)
			}
		})
	}
}

// TestKernelRefusesRevision1Write: the kernel refuses a revision-1 value
// (EINVAL), which is why Encode returns ErrRevision1; the revision-2
// value Encode gives once the revision is reset is accepted and read
// back unchanged.
func TestKernelRefusesRevision1Write(t *testing.T) {
	dir := kernelDir(t)
	vs := goodVectors(t, 1)
	if len(vs) == 0 {
		t.Fatal("no revision-1 vectors")
	}
	for _, v := range vs {
		f := newFile(t, dir, v.name)
		if err := unix.Lsetxattr(f, capXattr, v.value, 0); !errors.Is(err, unix.EINVAL) {
			t.Errorf("%s: Lsetxattr(%x) = %v, want EINVAL", v.name, v.value, err)
		}
		fc := v.want
		if _, err := capfile.Encode(fc); !errors.Is(err, capfile.ErrRevision1) {
			t.Errorf("%s: Encode = %v, want ErrRevision1", v.name, err)
		}
		fc.Revision = 0
		enc, err := capfile.Encode(fc)
		if err != nil {
			t.Fatal(err)
		}
		if err := unix.Lsetxattr(f, capXattr, enc, 0); err != nil {
			t.Errorf("%s: Lsetxattr(%x): %v", v.name, enc, err)
			continue
		}
		back, err := getCapXattr(f)
		if err != nil || !bytes.Equal(back, enc) {
			t.Errorf("%s: read back %x, %v; want %x", v.name, back, err, enc)
		}
		if got, err := capfile.Decode(back); err != nil || !got.SameCaps(v.want) || got.Revision != 2 {
			t.Errorf("%s: Decode(%x) = %+v, %v; want the caps of %+v as revision 2", v.name, back, got, err, v.want)
		}
	}
}

// TestKernelReturnsV3RootID0AsV2: a revision-3 value with rootid 0
// written from the initial namespace comes back from getxattr as the
// 20-byte revision-2 value, which is what Encode produces for it, and
// getcap -n cannot tell the two files apart.
func TestKernelReturnsV3RootID0AsV2(t *testing.T) {
	dir := kernelDir(t, "getcap")
	tests := []string{
		"010000030020000000000000000000000000000000000000", // cap_net_raw=ep
		"0000000300000000ffffffff00000000ff01000000000000", // all=i
		"000000030000000000000000000000000000000000000000", // =
		"01000003ffffffffffffffffffffffffffffffff00000000", // every bit, eip
	}
	for i, h := range tests {
		v3, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		fc, err := capfile.Decode(v3)
		if err != nil || fc.Revision != 3 || fc.RootID != 0 {
			t.Fatalf("Decode(%s) = %+v, %v", h, fc, err)
		}
		enc, err := capfile.Encode(fc)
		if err != nil {
			t.Fatal(err)
		}
		f3 := newFile(t, dir, fmt.Sprintf("v3_%d", i))
		f2 := newFile(t, dir, fmt.Sprintf("v2_%d", i))
		if err := unix.Lsetxattr(f3, capXattr, v3, 0); err != nil {
			t.Fatalf("Lsetxattr(%s): %v", h, err)
		}
		if err := unix.Lsetxattr(f2, capXattr, enc, 0); err != nil {
			t.Fatalf("Lsetxattr(%x): %v", enc, err)
		}
		back, err := getCapXattr(f3)
		if err != nil {
			t.Fatal(err)
		}
		if len(back) != capfile.SizeV2 || !bytes.Equal(back, enc) {
			t.Errorf("wrote v3 rootid 0 %s, kernel returns %x, want Encode's %x", h, back, enc)
		}
		g3, g2 := getcapN(t, f3), getcapN(t, f2)
		if strings.TrimPrefix(g3, f3) != strings.TrimPrefix(g2, f2) || strings.Contains(g3, "rootid") {
			t.Errorf("getcap -n: v3 rootid 0 file %q, v2 file %q", g3, g2)
		}
	}
}
