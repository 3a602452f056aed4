// Package pkgdb derives, from the package databases, which files the
// installed packages expect to carry capabilities: the setcap calls of
// dpkg maintainer scripts (/var/lib/dpkg/info/*.postinst) where they can
// be read without running them, and rpm's FILECAPS (what %caps declared)
// where rpm is installed. What cannot be read statically is reported,
// never guessed.
package pkgdb
