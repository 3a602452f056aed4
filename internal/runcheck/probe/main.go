// Command probe is the test daemon of internal/runcheck. Started by fcap
// run or setpriv, it reports its own state or tries what a daemon whose
// root was revoked must not be able to do:
//
//	probe status            its /proc/self/status, then Securebits: and AtSecure: lines
//	probe bind ADDR:PORT    "bind ok" or "bind ERRNO" (a TCP listener)
//	probe setuid0           "setuid0 ok" or "setuid0 ERRNO"
//	probe exec PATH ARG...  executes PATH with ARGs; if that fails, "exec ERRNO"
//
// It is built static (CGO_ENABLED=0) so that it runs in a container
// whose root filesystem holds only fcap and the probe.
package main

import (
	"errors"
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"

	"fcap/internal/kernelcheck"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: probe status|bind ADDR:PORT|setuid0|exec PATH ARG...")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "status":
		os.Exit(kernelcheck.RunProbe())
	case "bind":
		report("bind", bind(os.Args[2]))
	case "setuid0":
		report("setuid0", unix.Setresuid(0, 0, 0))
	case "exec":
		report("exec", unix.Exec(os.Args[2], os.Args[2:], os.Environ()))
	default:
		fmt.Fprintf(os.Stderr, "probe: unknown action %q\n", os.Args[1])
		os.Exit(2)
	}
}

func bind(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return l.Close()
}

// report prints "WHAT ok" or "WHAT ERRNO" (the errno's name, such as
// EACCES) and exits 0: the outcome is the output.
func report(what string, err error) {
	var errno unix.Errno
	switch {
	case err == nil:
		fmt.Println(what, "ok")
	case errors.As(err, &errno):
		fmt.Println(what, unix.ErrnoName(errno))
	default:
		fmt.Println(what, err)
	}
	os.Exit(0)
}
