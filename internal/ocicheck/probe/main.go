// Command probe prints its own /proc/self/status, securebits and AT_SECURE
// for the OCI differential test; it is built static and runs inside the
// containers.
package main

import (
	"os"

	"fcap/internal/kernelcheck"
)

func main() { os.Exit(kernelcheck.RunProbe()) }
