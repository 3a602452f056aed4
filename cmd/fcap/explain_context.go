package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"fcap/explain"
	"fcap/model"
	"fcap/model/cred"
	"fcap/oci"
	"fcap/systemd"
)

// contextFlag names the context option given ("oci", "unit") or "".
func contextFlag(c *cli.Context) string {
	for _, f := range []string{"oci", "unit"} {
		if c.IsSet(f) {
			return f
		}
	}
	return ""
}

// parentOptions are the options that make or change the parent, which
// a context gives.
var parentOptions = []string{"oci", "unit", "pid", "self", "user", "userns", "userns-gids", "uid", "euid", "gid", "egid",
	"groups", "inh", "prm", "eff", "amb", "bnd", "secbits", "nnp"}

// checkExplainArgs checks the operands, and that no other parent option
// comes with a context.
func checkExplainArgs(c *cli.Context, ctx string) error {
	if ctx == "" {
		if c.NArg() != 1 {
			return usagef("explain", "want exactly one FILE, got %d", c.NArg())
		}
		return nil
	}
	if c.NArg() > 1 {
		return usagef("explain", "--%s: want at most one FILE, got %d", ctx, c.NArg())
	}
	for _, f := range parentOptions {
		if f != ctx && c.IsSet(f) {
			return usagef("explain", "--%s and --%s: the %s gives the parent process", ctx, f, map[string]string{"oci": "config", "unit": "unit"}[ctx])
		}
	}
	return nil
}

// explainContext explains the program of a container or a service, with
// the file what-ifs applied when exec gets to the file.
func explainContext(c *cli.Context, last model.Cap, fileIf explain.FileWhatIf) (explain.Report, error) {
	self, err := explain.Self()
	if err != nil {
		return explain.Report{}, fmt.Errorf("explain: %w", err)
	}
	// runc and systemd run as root with every capability of the bounding
	// set, whoever runs fcap: take fcap's bounding set for theirs.
	root := systemd.Manager(self.State.Bounding)
	var r explain.Report
	if c.IsSet("oci") {
		r, err = explain.OCI(c.String("oci"), c.Args().First(), root, last)
	} else {
		r, err = explain.Unit(c.String("unit"), c.Args().First(), root, systemd.SystemDB{}, last)
	}
	if err != nil || r.StoppedBeforeExec() {
		return r, contextError(err)
	}
	fileIf.Apply(&r.Program)
	r, err = explain.Explain(r.Parent, r.Program, last)
	if ie := (*cred.InvariantError)(nil); errors.As(err, &ie) {
		return r, usagef("explain", "%s", err)
	}
	return r, err
}

// contextError makes a bad config or unit a usage error (exit 2).
func contextError(err error) error {
	var ce *oci.ConfigError
	var ue *systemd.UnitError
	var ie *cred.InvariantError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce), errors.As(err, &ue), errors.Is(err, systemd.ErrHidden), errors.As(err, &ie):
		return usagef("explain", "%s", err)
	}
	return fmt.Errorf("explain: %w", err)
}
