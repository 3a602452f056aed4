package pkgdb

import (
	"strings"
)

// The conditions every "setcap or fall back to setuid" postinst has do
// not make a setcap call uncertain: that the script runs for configure
// ("$1" = configure, case "$1" in configure)), that setcap or getcap is
// installed, that no dpkg-statoverride is set, that a file exists, that
// the system is Linux, and the setcap call itself. Any other condition
// (a debconf answer in $RET, the version upgraded from in $2, ...) is
// decided when the script runs: a setcap under it is reported, not
// listed.

// condition says what, other than the usual checks, decides whether c
// runs; "" when nothing does.
func condition(c *command) string {
	for _, g := range c.guards {
		if !usualCheck(g) {
			return commandText(g)
		}
	}
	for _, b := range c.blocks {
		switch b.kind {
		case blockIf, blockLoop:
			for _, cond := range b.conds {
				if cond != c && !usualCheck(cond) {
					return commandText(cond)
				}
			}
		case blockCase:
			if !actionCase(b) {
				return "case " + b.subject.raw + " in " + strings.Join(b.patterns, "|") + ")"
			}
		}
	}
	return ""
}

// usualCheck reports whether a condition command is one of the usual
// checks of a maintainer script.
func usualCheck(c *command) bool {
	words := commandWords(c.words)
	if len(words) == 0 {
		return true
	}
	name, _ := words[0].literal()
	switch baseName(name) {
	case "setcap", "getcap", "dpkg-statoverride", "true", ":":
		return true
	case "command", "which", "type", "hash":
		return mentions(words, "setcap") || mentions(words, "getcap")
	case "[", "test":
		return fileTest(words) || actionTest(words) || mentions(words, "uname")
	}
	return false
}

// mentions reports whether any word contains s.
func mentions(words []word, s string) bool {
	for _, w := range words {
		if strings.Contains(w.raw, s) {
			return true
		}
	}
	return false
}

// fileTest reports a test of a file's existence: [ -x PATH ], -e, -f.
func fileTest(words []word) bool {
	for _, w := range words[1:] {
		if lit, ok := w.literal(); ok && (lit == "-x" || lit == "-e" || lit == "-f") {
			return true
		}
	}
	return false
}

// actionTest reports a test that the script runs for configure:
// [ "$1" = configure ].
func actionTest(words []word) bool {
	return mentions(words, "$1") && hasLiteral(words, "configure")
}

func hasLiteral(words []word, s string) bool {
	for _, w := range words {
		if lit, ok := w.literal(); ok && lit == s {
			return true
		}
	}
	return false
}

// actionCase reports a case arm on the script's action that covers
// configure: case "$1" in configure) or *).
func actionCase(b *block) bool {
	if !strings.Contains(b.subject.raw, "$1") {
		return false
	}
	for _, p := range b.patterns {
		if p == "configure" || p == "*" {
			return true
		}
	}
	return false
}
