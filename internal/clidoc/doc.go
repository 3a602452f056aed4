// Package clidoc writes fcap's man page (section 8) and its bash and zsh
// completion scripts from the command definitions, so they cannot drift
// from the command line they describe.
package clidoc
