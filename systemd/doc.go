// Package systemd reads a .service unit and computes, as systemd 252
// (Debian 12's) does it, the credentials of the service's process at the
// moment it executes an ExecStart= command: ids and groups from User=,
// Group= and SupplementaryGroups=, the five capability sets from
// CapabilityBoundingSet= and AmbientCapabilities=, SecureBits=,
// no_new_privs (NoNewPrivileges= and the settings that imply it), the
// command prefixes "+", "!" and "!!", and the program's path. Units are
// parsed and modelled, never run; drop-in files are not read.
//
// A unit systemd cannot load, or a setting fcap does not model, is a
// *UnitError; a service systemd would fail to start before exec is a
// *StartError. docs/CONTEXTS.md has the mapping, directive by directive.
package systemd
