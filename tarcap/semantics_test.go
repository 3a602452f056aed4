package tarcap

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"fcap/manifest"
)

// link is a hard link entry, with its own PAX records if any.
func link(name, target string, recs ...record) []byte {
	var out []byte
	if len(recs) > 0 {
		out = paxHeader(typePAX, recs...)
	}
	var b block
	copy(b[:], header(name, typeLink, 0, "0000755"))
	copy(b[offLinkname:], target)
	b.setChecksum()
	return append(out, b[:]...)
}

// capsOf lists what Scan sees: PATH=HEX for each file with capabilities.
func capsOf(t *testing.T, b []byte) string {
	t.Helper()
	tree, err := Scan(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range tree.Files {
		if f.Value != nil {
			out = append(out, fmt.Sprintf("%s=%x", f.Path, f.Value[4:8]))
		}
	}
	return strings.Join(out, " ")
}

func TestHardLinksShareTheirTargetsCapabilities(t *testing.T) {
	plain := archive(file("bin/x", "x"), link("bin/y", "bin/x"))
	// moby and bsdtar copy the record onto the link entry.
	copied := archive(paxHeader(typePAX, capRec(netRawEP)), file("bin/x", "x"), link("bin/y", "bin/x", capRec(netRawEP)))
	cases := []struct {
		name, manifest string
		in             []byte
		want           string // capsOf the output; or the error
	}{
		{"target named", "bin/x cap_net_raw=ep\n", plain, "./bin/x=00200000 ./bin/y=00200000"},
		{"link named, agreeing with a named target", "bin/x cap_net_raw=ep\nbin/y cap_net_raw+ep\n", plain, "./bin/x=00200000 ./bin/y=00200000"},
		{"link named, agreeing with the archive", "bin/y cap_net_raw=ep\n", copied, "./bin/x=00200000 ./bin/y=00200000"},
		{"link named alone", "bin/y cap_net_raw=ep\n", plain,
			"bin/y (entry 2 at byte 1024): a hard link to bin/x, whose capabilities (none) it shares: list bin/x in the manifest instead (m:1)"},
		{"link record follows its named target", "bin/x cap_net_bind_service=ep\n", copied, "./bin/x=00040000 ./bin/y=00040000"},
		{"link record removed with its target's", "/bin/x\n", copied, ""},
		{"link record that differs", "", archive(file("bin/x", "x"), link("bin/y", "bin/x", capRec(netRawEP))),
			"bin/y (entry 2 at byte 1024): the hard link's capability record (cap_net_raw=ep) differs from that of its target bin/x (none)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := editBytes(t, c.in, planOf(t, c.manifest))
			if err != nil {
				if !strings.Contains(err.Error(), c.want) || c.want == "" {
					t.Fatalf("err = %v, want %q", err, c.want)
				}
				return
			}
			if got := capsOf(t, out); got != c.want {
				t.Errorf("caps after the edit: %q, want %q", got, c.want)
			}
		})
	}
}

func TestStripRemovesEveryCapabilityRecord(t *testing.T) {
	in := archive(
		paxHeader(typePAX, record{"mtime", "1.5"}, record{"LIBARCHIVE.xattr.security.capability", "AQAAAgAgAAAAAAAAAAAAAAAAAAA"}, capRec(netRawEP)), file("bin/x", "x"),
		paxHeader(typePAX, capRec(netRawEP)), file("bin/z", "z"),
		link("bin/y", "bin/x", capRec(netRawEP)))
	out, changes, err := editBytes(t, in, StripPlan())
	if err != nil {
		t.Fatal(err)
	}
	if got := capsOf(t, out); got != "" || len(changes) != 3 {
		t.Fatalf("after strip: %q, %d changes", got, len(changes))
	}
	if !bytes.Contains(out, []byte("mtime=1.5")) || bytes.Contains(out, []byte("LIBARCHIVE")) {
		t.Error("strip lost the other records or kept the LIBARCHIVE one")
	}
	// bin/z's PAX header had only the capability: it is gone.
	if want := len(in) - 2*blockSize - 2*blockSize; len(out) != want {
		t.Errorf("output has %d bytes, want %d", len(out), want)
	}
}

func TestRootIDOptionWritesRevision3(t *testing.T) {
	in := archive(file("a", ""), file("b", ""), file("c", ""))
	p, err := ReadPlan(strings.NewReader("a cap_net_raw=ep\nb cap_net_raw=ep [rootid=7]\nc -\n"), "m", testLast, PlanOptions{RootID: 1000})
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := editBytes(t, in, p)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := Scan(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range tree.Files {
		got = append(got, fmt.Sprintf("%s %s", f.Path, describeValue(f.Value)))
	}
	if want := "./a cap_net_raw=ep [rootid=1000],./b cap_net_raw=ep [rootid=7]"; strings.Join(got, ",") != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestManifestNamingAnEntryTwiceIsRefused(t *testing.T) {
	for _, m := range []string{"./bin/x cap_chown=p\n/bin/x -\n", "bin/x -\nbin//x/ cap_chown=p\n"} {
		_, err := ReadPlan(strings.NewReader(m), "m", testLast, PlanOptions{})
		var me *manifest.Error
		if !errors.As(err, &me) || me.Line != 2 || !strings.Contains(err.Error(), "duplicate path") || !strings.Contains(err.Error(), "first listed on line 1") {
			t.Errorf("%q: err = %v", m, err)
		}
	}
}

func TestCheckReportsDriftAndWritesNothing(t *testing.T) {
	in := archive(paxHeader(typePAX, capRec(netRawEP)), file("bin/x", "x"), file("bin/y", "y"), file("bin/z", "z"))
	var drift []string
	err := Check(bytes.NewReader(in), planOf(t, "bin/x cap_net_raw+ep\nbin/y cap_chown=p\n/bin/z -\n"), func(c Change) {
		drift = append(drift, fmt.Sprintf("%s: has %s, want %s", c.Name, describeValue(c.Was), describeValue(c.Now)))
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(drift, "\n"); got != "bin/y: has none, want cap_chown=p" {
		t.Errorf("drift:\n%s", got)
	}
}

func TestScanListsFilesAsTheExtractedTreeHasThem(t *testing.T) {
	in := archive(
		header("d/", typeDir, 0, "0000777"),
		paxHeader(typePAX, capRec(netRawEP)), file("d/b", "b"),
		file("a-b", "x"),
		paxHeader(typePAX, capRec(bindSvcEP)), file("d/replaced", "1"),
		file("d/replaced", "2"), // a later entry replaces the file
		link("a/link", "d/b"),
		withData(header("setuid", typeReg, 0, "0004755"), nil),
	)
	tree, err := Scan(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range tree.Files {
		got = append(got, fmt.Sprintf("%s %04o %s", f.Path, f.Mode, describeValue(f.Value)))
	}
	want := "./a/link 0755 cap_net_raw=ep|./d/b 0755 cap_net_raw=ep|./setuid 4755 none"
	if strings.Join(got, "|") != want {
		t.Errorf("files:\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
	findings := tree.Audit(testLast)
	var kinds []string
	for _, f := range findings {
		kinds = append(kinds, f.Path+":"+f.Kind)
	}
	if got := strings.Join(kinds, " "); got != "./a/link:caps ./d/b:caps ./d/b:writable ./setuid:setid" {
		t.Errorf("findings: %s", got)
	}
	for _, f := range findings {
		if f.Kind == "writable" && !strings.Contains(f.Reason, "directory ./d is world-writable") {
			t.Errorf("writable finding: %s", f.Reason)
		}
	}
}
