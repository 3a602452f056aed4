package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"fcap/model"
)

// lastCap is the running kernel's last capability.
func lastCap() (model.Cap, error) {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		return 0, fmt.Errorf("read the kernel's last capability: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n < 0 || n > int(model.MaxCap) {
		return 0, fmt.Errorf("read the kernel's last capability: bad value %q", b)
	}
	return model.Cap(n), nil
}
