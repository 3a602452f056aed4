package personality

import "fmt"

// Event is one piece of a personality's output, in order: the text for
// standard output and for standard error, byte for byte as libcap's
// program prints it, with what it is about. The caller writes the texts;
// a personality prints nothing itself.
type Event struct {
	// Path is the file the event is about; "" for usage, prompts and
	// the like.
	Path string
	// Err is the failure the event reports, if any.
	Err            error
	Stdout, Stderr string
}

// License answers setcap --license and getcap -l. fcap holds no libcap
// code, so it does not repeat libcap's copyright line.
func License(argv0, version, name string) string {
	return fmt.Sprintf("%s: fcap %s acting as %s; it contains no libcap code.\n", argv0, version, name)
}
