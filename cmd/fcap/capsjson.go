package main

import (
	"encoding/json"
	"fmt"
	"io"

	"fcap/model"
)

// capsJSON is a file's capabilities in every command's JSON: the text as
// `fcap get` prints it, each set by names and in hex, the effective bit,
// the revision and the rootid.
type capsJSON struct {
	Text           string   `json:"text"`
	Permitted      []string `json:"permitted"`
	PermittedHex   string   `json:"permitted_hex"`
	Inheritable    []string `json:"inheritable"`
	InheritableHex string   `json:"inheritable_hex"`
	Effective      bool     `json:"effective"`
	Revision       int      `json:"revision"`
	RootID         uint32   `json:"rootid"`
	// Unsupported lists capabilities above the running kernel's last
	// one, which exec ignores.
	Unsupported []string `json:"unsupported,omitempty"`
}

// toCapsJSON describes fc; nil (no capabilities) stays nil, which JSON
// prints as null.
func toCapsJSON(fc *model.FileCaps, last model.Cap) *capsJSON {
	if fc == nil {
		return nil
	}
	v := &capsJSON{
		Text:      fc.Caps().Format(last),
		Permitted: fc.Permitted.List(), PermittedHex: fc.Permitted.Hex(),
		Inheritable: fc.Inheritable.List(), InheritableHex: fc.Inheritable.Hex(),
		Effective: fc.Effective, Revision: fc.Revision, RootID: fc.RootID,
	}
	if extra := (fc.Permitted | fc.Inheritable) &^ model.UpTo(last); extra != 0 {
		v.Unsupported = extra.List()
	}
	return v
}

// fileJSON is one file in a JSON stream: its capabilities (null for
// none), or the error that kept fcap from reading or changing it.
type fileJSON struct {
	Path  string    `json:"path"`
	Caps  *capsJSON `json:"caps"`
	Error string    `json:"error,omitempty"`
}

// writeJSON writes v as one line.
func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
