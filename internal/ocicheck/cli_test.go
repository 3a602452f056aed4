package ocicheck

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"fcap/model"
	"fcap/model/cred"
)

// cliPredictor predicts with `fcap explain --oci CONFIG --json`.
type cliPredictor struct{ fcap string }

// buildFcap compiles the fcap command for the CLI comparison.
func buildFcap(t *testing.T, dir string) string {
	out := filepath.Join(dir, "fcap")
	cmd := exec.Command("go", "build", "-o", out, "fcap/cmd/fcap")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building fcap: %v\n%s", err, msg)
	}
	return out
}

// explainJSON is the part of explain's --json output the comparison reads.
type explainJSON struct {
	Result map[string]any `json:"result"`
	Rules  []struct {
		Rule   string `json:"rule"`
		Detail string `json:"detail"`
	} `json:"rules"`
}

func (p cliPredictor) predict(configPath string) (outcome, error) {
	out, err := exec.Command(p.fcap, "explain", "--oci", configPath, "--json").Output()
	if err != nil {
		return outcome{}, fmt.Errorf("fcap explain --oci %s: %v", configPath, err)
	}
	return cliOutcome(out)
}

// cliOutcome reads explain's --json output.
func cliOutcome(out []byte) (outcome, error) {
	var j explainJSON
	if err := json.Unmarshal(out, &j); err != nil {
		return outcome{}, fmt.Errorf("fcap explain --json output: %v\n%s", err, out)
	}
	execResult, _ := j.Result["exec"].(string)
	switch {
	case len(j.Rules) > 0 && j.Rules[0].Rule == "runtime-refuses":
		return outcome{Kind: "refused", Detail: j.Rules[0].Detail}, nil
	case execResult != "ok":
		return outcome{Kind: "exec", Errno: execResult}, nil
	}
	s, err := stateFromJSON(j.Result)
	secure, _ := j.Result["secure_exec"].(bool)
	return outcome{Kind: "ok", State: s, Secure: secure}, err
}

// stateFromJSON reads explain's STATE object.
func stateFromJSON(m map[string]any) (cred.State, error) {
	var s cred.State
	num := func(k string) uint32 { v, _ := m[k].(float64); return uint32(v) }
	s.UID, s.EUID, s.SUID, s.FSUID = num("uid"), num("euid"), num("suid"), num("fsuid")
	s.GID, s.EGID, s.SGID, s.FSGID = num("gid"), num("egid"), num("sgid"), num("fsgid")
	groups, _ := m["groups"].([]any)
	for _, g := range groups {
		v, _ := g.(float64)
		s.Groups = append(s.Groups, uint32(v))
	}
	s.Securebits = cred.Securebits(num("securebits"))
	s.NoNewPrivs, _ = m["no_new_privs"].(bool)
	for k, dst := range map[string]*model.Set{"inheritable": &s.Inheritable, "permitted": &s.Permitted,
		"effective": &s.Effective, "ambient": &s.Ambient, "bounding": &s.Bounding} {
		h, _ := m[k].(string)
		v, err := strconv.ParseUint(h, 0, 64)
		if err != nil {
			return s, fmt.Errorf("result.%s = %q", k, h)
		}
		*dst = model.Set(v)
	}
	return s, nil
}
