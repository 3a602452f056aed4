package host

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"fcap/internal/testenv"
	"fcap/model/cred"
)

// startIn starts `sh -c script` in a new user namespace with the given
// maps and returns its pid; the process is killed at the end of the test.
func startIn(t *testing.T, uids, gids []syscall.SysProcIDMap, script string) int {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	// Root inside (when mapped), so that it may create namespaces in turn.
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER, UidMappings: uids, GidMappings: gids,
		Credential: &syscall.Credential{Uid: 0, Gid: 0, NoSetGroups: true}}
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start a process in a new user namespace: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd.Process.Pid
}

// childOf returns the first child of pid, or pid itself while it has none.
func childOf(t *testing.T, pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		child, _ := strconv.Atoi(f[0])
		return child
	}
	return pid
}

func TestUserNSOfOwnNamespaceIsNil(t *testing.T) {
	ns, err := UserNS(0)
	if err != nil || ns != nil {
		t.Errorf("UserNS(self) = %v, %v; want nil", ns, err)
	}
}

func TestUserNSReadsTheMapsOfAChildNamespace(t *testing.T) {
	testenv.RequireRoot(t)
	pid := startIn(t, []syscall.SysProcIDMap{{ContainerID: 0, HostID: 100000, Size: 1000}},
		[]syscall.SysProcIDMap{{ContainerID: 0, HostID: 200000, Size: 10}}, "sleep 30")
	ns, err := UserNS(pid)
	if err != nil {
		t.Fatal(err)
	}
	if ns.UIDs.String() != "0:100000:1000" || ns.GIDs.String() != "0:200000:10" || ns.Parent != nil {
		t.Errorf("maps %s / %s parent %v", ns.UIDs, ns.GIDs, ns.Parent)
	}
}

func TestUserNSFollowsNestedNamespaces(t *testing.T) {
	testenv.RequireRoot(t)
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("needs unshare(1)")
	}
	outer := startIn(t, []syscall.SysProcIDMap{{ContainerID: 0, HostID: 100000, Size: 1000}},
		[]syscall.SysProcIDMap{{ContainerID: 0, HostID: 100000, Size: 1000}}, "unshare --user --map-root-user sleep 30 & sleep 30")
	var ns *cred.UserNS
	var err error
	for i := 0; i < 100; i++ { // until unshare has made the inner namespace
		if ns, err = UserNS(childOf(t, outer)); err == nil && ns != nil && ns.Parent != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || ns.Parent == nil {
		t.Fatalf("UserNS = %v, %v; want two levels", ns, err)
	}
	if ns.UIDs.String() != "0:100000:1" || ns.Parent.UIDs.String() != "0:100000:1000" {
		t.Errorf("inner %s, outer %s", ns.UIDs, ns.Parent.UIDs)
	}
	if !ns.OwnsRootID(100000) || ns.OwnsRootID(100001) {
		t.Errorf("rootids: the roots of both namespaces are uid 100000")
	}
}
