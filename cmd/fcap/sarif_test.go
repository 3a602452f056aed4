package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"fcap/audit"
	"fcap/model"
)

// TestSARIFLogShape checks what SARIF 2.1.0 requires of the log fcap
// prints and what code-scanning tools rely on: the version and schema,
// one run with the tool's rules, each result's rule (by id and index), a
// level of the standard four, a message, a file:// location, a stable
// fingerprint and a valid baselineState. (The full schema check, with
// the OASIS schema and Python's jsonschema, is in docs/AUDIT.md.)
func TestSARIFLogShape(t *testing.T) {
	caps, _ := model.ParseText("cap_net_raw=ep", model.LastNamed)
	fc, _ := caps.ToFile(0)
	fs := []audit.Finding{
		{Path: "/usr/bin/ping", Kind: audit.KindCaps, Severity: audit.SeverityLow, Caps: &fc, Mode: 0o755, Reason: "r", Fix: "f"},
		{Path: "/usr/bin/su", Kind: audit.KindSetID, Severity: audit.SeverityInfo, Rated: audit.SeverityMedium, Mode: 0o4755,
			Reason: "expected", Fix: "f", Baseline: audit.BaselineUnchanged, Expected: "b.list:3"},
		{Path: "/opt/a b", Kind: audit.KindWritable, Severity: audit.SeverityHigh, Mode: 0o4777, Reason: "w", Fix: "f", Baseline: audit.BaselineNew},
		{Path: "/usr/bin/arping", Kind: audit.KindMissing, Severity: audit.SeverityInfo, Reason: "m", Fix: "f", Baseline: audit.BaselineAbsent},
	}
	var out bytes.Buffer
	if err := writeSARIF(&out, fs, model.LastNamed); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Schema  string `json:"$schema"`
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct{ ID, Name string }
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct{ ArtifactLocation struct{ URI string } }
				}
				Fingerprints  map[string]string `json:"partialFingerprints"`
				BaselineState string
				Properties    map[string]any
			}
		}
	}
	if err := json.Unmarshal(out.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif-2.1.0") || len(log.Runs) != 1 {
		t.Fatalf("version %q, schema %q, %d runs", log.Version, log.Schema, len(log.Runs))
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "fcap" || len(run.Tool.Driver.Rules) != len(audit.Kinds) {
		t.Fatalf("driver %+v", run.Tool.Driver)
	}
	wantURI := []string{"file:///usr/bin/ping", "file:///usr/bin/su", "file:///opt/a%20b", "file:///usr/bin/arping"}
	wantLevel := []string{"note", "none", "error", "none"}
	wantState := []string{"", "unchanged", "new", "absent"}
	for i, r := range run.Results {
		rule := run.Tool.Driver.Rules[r.RuleIndex]
		if rule.ID != r.RuleID || rule.ID != fs[i].Kind || rule.Name == "" || strings.ContainsAny(rule.Name, " -") {
			t.Errorf("result %d: rule %q at index %d is %+v", i, r.RuleID, r.RuleIndex, rule)
		}
		if r.Level != wantLevel[i] || r.BaselineState != wantState[i] || r.Message.Text == "" {
			t.Errorf("result %d: level %q state %q message %q", i, r.Level, r.BaselineState, r.Message.Text)
		}
		if len(r.Locations) != 1 || r.Locations[0].PhysicalLocation.ArtifactLocation.URI != wantURI[i] {
			t.Errorf("result %d: locations %+v", i, r.Locations)
		}
		if len(r.Fingerprints["fcapFinding/v1"]) != 32 {
			t.Errorf("result %d: fingerprints %v", i, r.Fingerprints)
		}
	}
	if p := run.Results[1].Properties; p["expected_by"] != "b.list:3" || p["rated"] != "medium" || p["mode"] != "4755" {
		t.Errorf("properties of an expected finding: %v", p)
	}
	if p := run.Results[0].Properties; p["caps"] != "cap_net_raw=ep" {
		t.Errorf("properties of a caps finding: %v", p)
	}
	var again bytes.Buffer
	writeSARIF(&again, fs, model.LastNamed)
	if again.String() != out.String() {
		t.Error("two logs of the same findings differ")
	}
}
