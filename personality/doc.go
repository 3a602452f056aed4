// Package personality holds what fcap's setcap and getcap personalities
// share: libcap 2.66's way of naming an error (its errno and glibc's
// strerror text) and the events they report. The personalities
// themselves are packages setcap and getcap.
package personality
