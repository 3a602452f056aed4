package explain

import (
	"fcap/model"
	"fcap/model/execve"
)

// Report is everything explain learned and predicted.
type Report struct {
	Parent Parent
	File   File
	Result execve.Result
	// Warnings are what an administrator should not miss.
	Warnings []string
}

// Explain predicts the exec of f by p on a kernel whose last capability
// is last.
func Explain(p Parent, f File, last model.Cap) Report {
	r := execve.Predict(p.State, f.Target, last)
	return Report{Parent: p, File: f, Result: r, Warnings: execve.Warnings(p.State, f.Target, r)}
}

// Notes are the caveats about both inputs, parent first.
func (r Report) Notes() []string {
	return append(append([]string(nil), r.Parent.Notes...), r.File.Notes...)
}
