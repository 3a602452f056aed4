package hardening

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"fcap/internal/testenv"
)

const (
	concurrentFiles  = 200
	concurrentRounds = 10
)

// concurrentTree makes n files in a fresh directory.
func concurrentTree(t *testing.T, n int) (dir string, files []string) {
	t.Helper()
	dir = t.TempDir()
	for i := 0; i < n; i++ {
		f := filepath.Join(dir, fmt.Sprintf("f%03d", i))
		writeFile(t, f, 0o755)
		files = append(files, f)
	}
	return dir, files
}

// runTogether starts the same fcap command twice at once and fails t
// unless both succeed.
func runTogether(t *testing.T, args []string) {
	t.Helper()
	var wg sync.WaitGroup
	results := make([]result, 2)
	errs := make([]error, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = tryRun(runOpts{}, args...)
		}()
	}
	wg.Wait()
	for i, r := range results {
		if errs[i] != nil {
			t.Fatalf("run %d: %v", i, errs[i])
		}
		if r.code != 0 {
			t.Fatalf("run %d of fcap %s: exit %d; stderr:\n%s", i, args[0], r.code, r.stderr)
		}
	}
}

// TestConcurrentSetsOfTheSameValueEndWithTheExactBytes: two fcap set
// processes write cap_net_raw=ep to the same 200 files at once, ten
// rounds, the files stripped of capabilities before each; both succeed
// (neither's read-back trips over the other's write) and every file ends
// with exactly the bytes setcap writes.
func TestConcurrentSetsOfTheSameValueEndWithTheExactBytes(t *testing.T) {
	testenv.RequireRoot(t)
	_, files := concurrentTree(t, concurrentFiles)
	args := []string{"set"}
	for _, f := range files {
		args = append(args, "cap_net_raw=ep", f)
	}
	for round := 0; round < concurrentRounds; round++ {
		for i, f := range files {
			if i%2 == round%2 {
				unix.Removexattr(f, capName)
			} else {
				setXattrHex(t, f, capChownP)
			}
		}
		runTogether(t, args)
		for _, f := range files {
			if got := xattrHex(f); got != capNetRawEP {
				t.Fatalf("round %d: %s holds %s, want %s", round, f, got, capNetRawEP)
			}
		}
	}
}

// TestConcurrentAppliesEndInTheManifestState: two fcap apply processes
// bring the same 200 files in line with one manifest at once (half the
// files get capabilities, half lose theirs), ten rounds from scrambled
// starting states; both succeed and every file ends as the manifest
// says.
func TestConcurrentAppliesEndInTheManifestState(t *testing.T) {
	testenv.RequireRoot(t)
	if !fcapHas(t, "apply") {
		t.Skip("fcap has no apply command")
	}
	_, files := concurrentTree(t, concurrentFiles)
	var m strings.Builder
	want := map[string]string{}
	for i, f := range files {
		switch i % 3 {
		case 0:
			fmt.Fprintf(&m, "%s cap_net_raw=ep\n", f)
			want[f] = capNetRawEP
		case 1:
			fmt.Fprintf(&m, "%s cap_chown=p\n", f)
			want[f] = capChownP
		default:
			fmt.Fprintf(&m, "%s\n", f)
			want[f] = noCaps
		}
	}
	manifest := filepath.Join(t.TempDir(), "manifest")
	if err := os.WriteFile(manifest, []byte(m.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	starts := []string{noCaps, capNetRawEP, capChownP}
	for round := 0; round < concurrentRounds; round++ {
		for i, f := range files {
			if s := starts[(i+round)%3]; s == noCaps {
				unix.Removexattr(f, capName)
			} else {
				setXattrHex(t, f, s)
			}
		}
		runTogether(t, []string{"apply", manifest})
		for _, f := range files {
			if got := xattrHex(f); got != want[f] {
				t.Fatalf("round %d: %s holds %s, want %s", round, f, got, want[f])
			}
		}
	}
}
