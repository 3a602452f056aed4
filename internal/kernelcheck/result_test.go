//go:build linux

package kernelcheck

import (
	"fmt"
	"strings"

	"fcap/model/cred"
	"fcap/model/execve"
)

// kernelResult is what the kernel did: the errno of a failed exec or the
// probe's view of itself.
type kernelResult struct {
	Err   string
	Child cred.State
	// Securebits and Secure are known for the self probe only.
	SelfProbe bool
	Secure    bool
}

func (k kernelResult) String() string {
	if k.Err != "" {
		return "exec failed: " + k.Err
	}
	s := "child:  " + Describe(k.Child)
	if k.SelfProbe {
		s += fmt.Sprintf(" AT_SECURE=%v", k.Secure)
	}
	return s
}

func describeModel(m execve.Result) string {
	var b strings.Builder
	if m.Err != "" {
		fmt.Fprintf(&b, "exec fails: %s (dropped %s)", m.Err, m.Dropped.Names())
	} else {
		fmt.Fprintf(&b, "child:  %s AT_SECURE=%v", Describe(m.Child), m.Secure)
	}
	for _, r := range m.Rules {
		fmt.Fprintf(&b, "\n        rule %-26s %s", r.Name, r.Detail)
	}
	return b.String()
}

// differences lists where the kernel and the model disagree.
func differences(m execve.Result, k kernelResult) []string {
	if m.Err != k.Err {
		return []string{fmt.Sprintf("exec error: model %q, kernel %q", m.Err, k.Err)}
	}
	if k.Err != "" {
		return nil
	}
	mc, kc := m.Child, k.Child
	if !k.SelfProbe {
		kc.Securebits = mc.Securebits // not visible to cat
	}
	var d []string
	if !SameState(mc, kc) {
		d = append(d, fmt.Sprintf("state: model %s\n              kernel %s", Describe(mc), Describe(kc)))
	}
	if k.SelfProbe && m.Secure != k.Secure {
		d = append(d, fmt.Sprintf("AT_SECURE: model %v, kernel %v", m.Secure, k.Secure))
	}
	return d
}
