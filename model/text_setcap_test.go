package model

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// setcapEnv is what the differential test needs: the real binaries, a
// directory whose filesystem stores security.capability, and the
// kernel's last capability.
type setcapEnv struct {
	setcap, getcap, dir string
	last                Cap
}

// newSetcapEnv finds setcap 2.66 and getcap, or skips the test saying why.
func newSetcapEnv(t *testing.T) *setcapEnv {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("not root: setcap needs CAP_SETFCAP")
	}
	env := &setcapEnv{dir: t.TempDir(), last: kernelLast(t)}
	var err error
	if env.setcap, err = exec.LookPath("setcap"); err != nil {
		t.Skipf("no setcap on PATH: %v", err)
	}
	if env.getcap, err = exec.LookPath("getcap"); err != nil {
		t.Skipf("no getcap on PATH: %v", err)
	}
	usage, _ := exec.Command(env.setcap, "-h").CombinedOutput()
	if bytes.Contains(usage, []byte("[-f]")) {
		t.Skip("setcap is 2.70 or later (it has -f); this test pins 2.66, which accepts \"\" and cap_x=e")
	}
	probe := filepath.Join(env.dir, "probe")
	if err := os.WriteFile(probe, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(env.setcap, "cap_chown=p", probe).CombinedOutput(); err != nil {
		t.Skipf("setcap cannot write file capabilities in %s: %v: %s", env.dir, err, out)
	}
	return env
}

// setcapOutcome runs `setcap text file` then `getcap file` and returns
// "ok TEXT" with getcap's caps, or "refused text" / "refused file" for
// setcap's two refusals.
func (env *setcapEnv) setcapOutcome(t *testing.T, i int, text string) string {
	t.Helper()
	file := filepath.Join(env.dir, fmt.Sprintf("case%03d", i))
	if err := os.WriteFile(file, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(env.setcap, text, file)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		switch {
		case strings.Contains(stderr.String(), "fatal error: Invalid argument"):
			return "refused text"
		case strings.Contains(stderr.String(), "Invalid file '"+file+"' for capability operation"):
			return "refused file"
		}
		t.Fatalf("setcap %q: %v: %s", text, err, stderr.String())
	}
	out, err := exec.Command(env.getcap, file).Output()
	if err != nil {
		t.Fatalf("getcap after setcap %q: %v", text, err)
	}
	caps, ok := strings.CutPrefix(string(out), file+" ")
	if !ok || !strings.HasSuffix(caps, "\n") {
		t.Fatalf("getcap after setcap %q printed %q", text, out)
	}
	return "ok " + strings.TrimSuffix(caps, "\n")
}

// ourOutcome predicts setcapOutcome: ParseText, ToFile, Caps, Format.
func ourOutcome(text string, last Cap) string {
	_, printed, err := fileText(text, last)
	var te *TextError
	var me *ErrEffectiveMismatch
	switch {
	case errors.As(err, &te):
		return "refused text"
	case errors.As(err, &me):
		return "refused file"
	case err != nil:
		return "error " + err.Error()
	}
	return "ok " + printed
}

func TestParseTextAgreesWithSetcapAndGetcap(t *testing.T) {
	env := newSetcapEnv(t)
	corpus := setcapCorpus(env.last)
	if len(corpus) < 150 {
		t.Fatalf("corpus has only %d inputs", len(corpus))
	}
	counts := map[string]int{}
	for i, text := range corpus {
		want := env.setcapOutcome(t, i, text)
		got := ourOutcome(text, env.last)
		if got != want {
			t.Errorf("setcap %q: setcap+getcap say %q, fcap says %q", text, want, got)
		}
		kind, _, _ := strings.Cut(want, " ")
		if kind == "refused" {
			kind = want
		}
		counts[kind]++
	}
	t.Logf("%d inputs: %v", len(corpus), counts)
}

// setcapCorpus gathers every input of the unit-test tables and adds
// generated ones: random clause sequences, canonical texts of random file
// capabilities rewritten with case variants and numbers, and mutations.
func setcapCorpus(last Cap) []string {
	var in []string
	for _, row := range notesRows {
		in = append(in, row.in)
	}
	in = append(in, notesRefusedText...)
	in = append(in, notesRefusedFile...)
	for _, ex := range referenceExamples {
		in = append(in, ex.ins...)
	}
	in = append(in, referenceRoundTrips...)
	for _, cases := range [][]textCase{allInListCases, last37Cases, highBitCases, last3Cases, last0Cases, numberCases, spaceCases, operatorCases} {
		for _, tc := range cases {
			in = append(in, tc.in)
		}
	}
	for _, tc := range reasonCases {
		in = append(in, tc.in)
	}
	r := rand.New(rand.NewPCG(2026, 266))
	for range 90 {
		in = append(in, randomClauses(r))
	}
	for range 70 {
		in = append(in, rewriteTokens(r, randomFileCaps(r).Caps().Format(last)))
	}
	for range 50 {
		in = append(in, mutateText(r, randomClauses(r)))
	}
	return usableArgs(in)
}

// referenceRoundTrips are the inputs of §2.4 of libcap-reference.md.
var referenceRoundTrips = []string{
	"cap_net_raw+ep", "CAP_NET_RAW+ep", "cap_net_bind_service=+ep", "cap_net_raw,cap_net_admin+ep",
	"cap_net_raw+p", "cap_net_raw+i", "cap_net_raw+eip", "cap_net_raw=ip cap_chown=p",
	"cap_net_raw=eip cap_chown+ei", "all=ep", "all+i", "=ep cap_sys_admin-ep", "0x27=ep",
	"40=ep", "41=p", "63=ep", "=", "cap_net_raw=e",
}

// usableArgs drops duplicates, texts with a NUL (argv cannot hold one) and
// texts setcap 2.66 takes as options.
func usableArgs(in []string) []string {
	options := map[string]bool{"-": true, "-r": true, "-q": true, "-v": true, "-h": true, "-n": true, "--license": true}
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if seen[s] || options[s] || strings.Contains(s, "\x00") {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

// textListItems are list entries for generated clauses: names in several
// cases, numbers in every base, `all`, and a few bad ones.
var textListItems = []string{
	"cap_chown", "CAP_NET_RAW", "cap_net_raw", "Cap_Kill", "cap_setuid", "cap_sys_admin", "cap_bpf",
	"cap_checkpoint_restore", "cap_setpcap", "all", "ALL", "0", "13", "015", "0x0d", "0X1F", "40",
	"41", "63", "077", "0x3f", "64", "08", "cap_bogus",
}

// randomClauses builds up to five clauses, mostly well formed.
func randomClauses(r *rand.Rand) string {
	ops := []string{"=", "=", "+", "+", "-", "=+", "=-"}
	var clauses []string
	for i := r.IntN(5); i >= 0; i-- {
		var items []string
		for j := r.IntN(4); j > 0; j-- {
			items = append(items, textListItems[r.IntN(len(textListItems))])
		}
		s := strings.Join(items, ",")
		for j := r.IntN(3); j >= 0; j-- {
			s += ops[r.IntN(len(ops))]
			for k := r.IntN(4); k > 0; k-- {
				s += string("eipeip"[r.IntN(6)])
			}
		}
		clauses = append(clauses, s)
	}
	seps := []string{" ", " ", " ", "  ", "\t", "\n"}
	var b strings.Builder
	for i, c := range clauses {
		if i > 0 {
			b.WriteString(seps[r.IntN(len(seps))])
		}
		b.WriteString(c)
	}
	return b.String()
}

// randomFileCaps returns a value setcap can store: effective empty or
// equal to permitted ∪ inheritable.
func randomFileCaps(r *rand.Rand) FileCaps {
	c := randomCaps(r)
	return FileCaps{Permitted: c.Permitted, Inheritable: c.Inheritable, Effective: r.IntN(2) == 0, Revision: 2}
}

var capToken = regexp.MustCompile(`cap_[a-z_]+|\b[0-9]+\b`)

// rewriteTokens spells each capability in text another way libcap
// accepts: upper or mixed case, decimal, hex or octal.
func rewriteTokens(r *rand.Rand, text string) string {
	return capToken.ReplaceAllStringFunc(text, func(tok string) string {
		n, ok := LookupName(tok)
		if !ok {
			v, _ := strconv.Atoi(tok)
			n = Cap(v)
		}
		switch r.IntN(6) {
		case 0:
			return strings.ToUpper(tok)
		case 1:
			return strconv.Itoa(int(n))
		case 2:
			return "0x" + strconv.FormatInt(int64(n), 16)
		case 3:
			return "0" + strconv.FormatInt(int64(n), 8)
		case 4:
			return strings.ToUpper(tok[:1]) + tok[1:]
		}
		return tok
	})
}

// mutateText inserts, deletes or replaces one byte of s.
func mutateText(r *rand.Rand, s string) string {
	alphabet := " ,=+-eipEPx0_\t9!"
	c := string(alphabet[r.IntN(len(alphabet))])
	if s == "" {
		return c
	}
	i := r.IntN(len(s))
	switch r.IntN(3) {
	case 0:
		return s[:i] + c + s[i:]
	case 1:
		return s[:i] + s[i+1:]
	}
	return s[:i] + c + s[i+1:]
}
