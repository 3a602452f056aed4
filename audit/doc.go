// Package audit rates files for privilege risks: set-id executables,
// dangerous or misplaced capabilities, privileged files a non-root user
// can change, and capability values the kernel will not return.
package audit
