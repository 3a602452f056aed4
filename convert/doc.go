// Package convert replaces the set-user-ID root bit of well-known programs
// by the file capabilities they need, in an order that keeps them working.
package convert
