// Package apply brings files' capabilities in line with manifests (see
// package manifest). Every manifest is validated whole before anything is
// written (a bad line, or a path listed twice across the manifests of one
// run, refuses that manifest), then applied entry by entry: a file is
// written only when it differs and every write is read back. Where the
// filesystem cannot store capabilities, an entry may fall back to the
// setuid bit of a root-owned file, but only where that bit would work.
// Run reports one Result per entry and manifest problem; it prints nothing.
package apply
