// Package tarcap puts file capabilities into tar archives and reads them
// back, without root and without extracting anything: a capability is the
// PAX record SCHILY.xattr.security.capability of the file's entry, which
// GNU tar (--xattrs --xattrs-include='*'), bsdtar and container runtimes
// restore on extraction.
//
// The editor works on the bytes of the stream, 512-byte block by block,
// in constant memory. Every header, PAX record, padding and data byte it
// has no reason to change is copied as it was read; for an entry whose
// capabilities change, only that entry's PAX extended header ('x') is
// rewritten (its records in their order, the capability record replaced,
// its size and checksum recomputed) or, when it had none, a new one is
// inserted just before the entry's own header. archive/tar is not used
// to write: it re-emits the deprecated Xattrs, rounds times, expands
// sparse files and loses the order of PAX records. Between regular files
// the data of large entries is copied inside the kernel
// (copy_file_range), as cat copies.
//
// Entries are matched by their path relative to the archive root:
// "./usr/bin/ping", "usr/bin/ping" and "/usr/bin/ping" name the same
// entry (see Key). A hard link shares the capabilities of the file it
// links to, which are those of the link's target entry (readers ignore
// the records of link entries or, like containers/storage, apply them to
// the shared file): a manifest line naming a link entry must agree with
// its target, and the records some writers copy onto link entries are
// kept in line with the target.
//
// Archives whose meaning readers disagree on are refused with an *Error
// naming the entry: a GNU long name that differs from the PAX path, data
// after a link or directory header, PAX records repeated or too large,
// a global header that sets a path, size, owner or capability, and
// capability records that differ between a link and its target or
// between the SCHILY and LIBARCHIVE forms.
package tarcap
