package main

import (
	"os"
	"runtime/debug"
)

// walkHeapLimit is the heap a tree walk asks the garbage collector to keep
// to: with the runtime and the program around it, peak RSS stays under
// 32 MiB even when one directory of a million files must be held whole to
// be sorted, where the collector would otherwise let the heap grow to
// twice that listing (docs/PERFORMANCE.md).
const walkHeapLimit = 24 << 20

// limitWalkMemory sets walkHeapLimit as the soft memory limit, unless the
// user set one with GOMEMLIMIT. Below the limit nothing changes; above it
// the collector runs more often, never with more than half the CPU.
func limitWalkMemory() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(walkHeapLimit)
	}
}
