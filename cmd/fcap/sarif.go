package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"unicode"

	"fcap/audit"
	"fcap/model"
)

// The SARIF 2.1.0 log `fcap audit --sarif` prints: one run, one rule per
// kind of finding, one result per finding located at its file.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name    string      `json:"name"`
	Version string      `json:"version"`
	Rules   []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Short      sarifText      `json:"shortDescription"`
	Full       sarifText      `json:"fullDescription"`
	Properties map[string]any `json:"properties"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID        string            `json:"ruleId"`
	RuleIndex     int               `json:"ruleIndex"`
	Level         string            `json:"level"`
	Message       sarifText         `json:"message"`
	Locations     []sarifLocation   `json:"locations"`
	Fingerprints  map[string]string `json:"partialFingerprints"`
	BaselineState string            `json:"baselineState,omitempty"`
	Properties    map[string]any    `json:"properties"`
}

type sarifLocation struct {
	Physical sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	Artifact sarifArtifact `json:"artifactLocation"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

const sarifSchema = "https://json.schemastore.org/sarif-2.1.0.json"

// sarifLevels maps severities to SARIF levels: info findings are not
// problems ("none").
var sarifLevels = map[audit.Severity]string{
	audit.SeverityHigh: "error", audit.SeverityMedium: "warning", audit.SeverityLow: "note", audit.SeverityInfo: "none",
}

// writeSARIF prints the findings as one SARIF log.
func writeSARIF(w io.Writer, fs []audit.Finding, last model.Cap) error {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "fcap", Version: version}}, Results: []sarifResult{}}
	index := map[string]int{}
	for i, k := range audit.Kinds {
		index[k.Kind] = i
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{ID: k.Kind, Name: pascalCase(k.Title),
			Short: sarifText{k.Title}, Full: sarifText{k.Summary}, Properties: map[string]any{"tags": []string{"security"}}})
	}
	for _, f := range fs {
		run.Results = append(run.Results, toSARIFResult(f, index[f.Kind], last))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{run}})
}

func toSARIFResult(f audit.Finding, rule int, last model.Cap) sarifResult {
	abs, err := filepath.Abs(f.Path)
	if err != nil {
		abs = f.Path
	}
	sum := sha256.Sum256([]byte(abs + "\x00" + f.Kind))
	props := map[string]any{"severity": f.Severity.String(), "mode": fmt.Sprintf("%04o", f.Mode),
		"owner": f.Owner.String(), "group": f.Group.String(), "fix": f.Fix}
	if f.Caps != nil {
		props["caps"] = f.Caps.Format(last)
	}
	if f.Expected != "" {
		props["expected_by"] = f.Expected
		props["rated"] = f.Rated.String()
	}
	return sarifResult{
		RuleID: f.Kind, RuleIndex: rule, Level: sarifLevels[f.Severity],
		Message:       sarifText{f.Reason + ". Fix: " + f.Fix},
		Locations:     []sarifLocation{{sarifPhysical{sarifArtifact{(&url.URL{Scheme: "file", Path: abs}).String()}}}},
		Fingerprints:  map[string]string{"fcapFinding/v1": hex.EncodeToString(sum[:16])},
		BaselineState: f.Baseline,
		Properties:    props,
	}
}

// pascalCase makes a rule's name of its title, as SARIF advises
// ("Set-id executable" is SetIdExecutable).
func pascalCase(title string) string {
	var b strings.Builder
	up := true
	for _, r := range title {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if up {
				r = unicode.ToUpper(r)
			}
			b.WriteRune(r)
			up = false
		default:
			up = true
		}
	}
	return b.String()
}
