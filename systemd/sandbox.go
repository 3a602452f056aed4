package systemd

import (
	"slices"
	"strings"
)

// sandbox describes what an active sandboxing setting does that matters
// to exec: it makes systemd set no_new_privs for a process without
// CAP_SYS_ADMIN (systemd 252's context_has_no_new_privileges), gives the
// service a mount namespace (exec_needs_mount_namespace), or hides paths
// there.
type sandbox struct {
	nnp, mountNS bool
	hidden       []string
	// entries are the paths the namespace mounts something on (the
	// mount entries of systemd's namespace.c); with NoNewPrivileges=yes
	// systemd remounts each of them, submounts included, nosuid.
	entries []string
}

// sandboxState is the current value of one setting.
type sandboxState struct {
	active  bool
	hidden  []string
	entries []string
}

// The kinds of value the sandboxing settings take.
const (
	kindBool  = iota // a boolean
	kindList         // a list; any element makes it active, empty resets
	kindPaths        // a list of paths, each hidden; empty resets
	kindEnum         // a word; active unless it is one of the off values
)

type sandboxSetting struct {
	kind int
	sandbox
	off []string // kindEnum: the values that leave it off
	// enumHidden hides paths only for these kindEnum values.
	enumHidden []string
	// pathField says which ":"-separated field of a kindPaths entry is
	// the hidden path (BindPaths=SRC:DST hides DST).
	pathField int
	// enumEntries gives kindEnum settings their entries per value.
	enumEntries map[string][]string
	// listEntries says a kindList setting's values are its entries.
	listEntries bool
}

var (
	homeDirs = []string{"/home", "/root", "/run/user"}
	tmpDirs  = []string{"/tmp", "/var/tmp"}
	// systemDirs are ProtectSystem=yes's entries (with split /usr, as
	// Debian 12 builds systemd); full adds /etc, strict is "/".
	systemDirs  = []string{"/usr", "/boot", "/efi", "/lib", "/lib64", "/bin", "/sbin"}
	tunableDirs = []string{"/proc/acpi", "/proc/apm", "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/kallsyms",
		"/proc/kcore", "/proc/latency_stats", "/proc/mtrr", "/proc/scsi", "/proc/sys", "/proc/sysrq-trigger", "/proc/timer_stats", "/sys"}
)

// sandboxSettings are systemd 252's settings that imply no_new_privs,
// need a mount namespace or hide paths.
var sandboxSettings = map[string]sandboxSetting{
	"LockPersonality":         {kind: kindBool, sandbox: sandbox{nnp: true}},
	"MemoryDenyWriteExecute":  {kind: kindBool, sandbox: sandbox{nnp: true}},
	"ProtectClock":            {kind: kindBool, sandbox: sandbox{nnp: true}},
	"ProtectHostname":         {kind: kindBool, sandbox: sandbox{nnp: true}},
	"RestrictRealtime":        {kind: kindBool, sandbox: sandbox{nnp: true}},
	"RestrictSUIDSGID":        {kind: kindBool, sandbox: sandbox{nnp: true}},
	"PrivateDevices":          {kind: kindBool, sandbox: sandbox{nnp: true, mountNS: true, hidden: []string{"/dev"}, entries: []string{"/dev"}}},
	"ProtectKernelTunables":   {kind: kindBool, sandbox: sandbox{nnp: true, mountNS: true, entries: tunableDirs}},
	"ProtectKernelModules":    {kind: kindBool, sandbox: sandbox{nnp: true, mountNS: true, hidden: []string{"/usr/lib/modules", "/lib/modules"}, entries: []string{"/usr/lib/modules", "/lib/modules"}}},
	"ProtectKernelLogs":       {kind: kindBool, sandbox: sandbox{nnp: true, mountNS: true, entries: []string{"/proc/kmsg", "/dev/kmsg"}}},
	"PrivateTmp":              {kind: kindBool, sandbox: sandbox{mountNS: true, hidden: tmpDirs, entries: tmpDirs}},
	"PrivateMounts":           {kind: kindBool, sandbox: sandbox{mountNS: true}},
	"PrivateIPC":              {kind: kindBool, sandbox: sandbox{mountNS: true}},
	"ProtectControlGroups":    {kind: kindBool, sandbox: sandbox{mountNS: true, entries: []string{"/sys/fs/cgroup"}}},
	"RestrictAddressFamilies": {kind: kindList, sandbox: sandbox{nnp: true}},
	"SystemCallArchitectures": {kind: kindList, sandbox: sandbox{nnp: true}},
	"SystemCallFilter":        {kind: kindList, sandbox: sandbox{nnp: true}},
	"SystemCallLog":           {kind: kindList, sandbox: sandbox{nnp: true}},
	"RestrictNamespaces":      {kind: kindEnum, sandbox: sandbox{nnp: true}, off: []string{"no", "false", "0", "n", "f", "off"}},
	"ProtectSystem": {kind: kindEnum, sandbox: sandbox{mountNS: true}, off: []string{"no", "false", "0", "n", "f", "off"},
		enumEntries: map[string][]string{"full": append([]string{"/etc"}, systemDirs...), "strict": {"/"}, "": systemDirs}},
	"ProtectHome": {kind: kindEnum, sandbox: sandbox{mountNS: true, hidden: homeDirs}, off: []string{"no", "false", "0", "n", "f", "off"},
		enumHidden: []string{"yes", "true", "1", "y", "t", "on", "tmpfs"}, enumEntries: map[string][]string{"": homeDirs}},
	"ProtectProc":          {kind: kindEnum, sandbox: sandbox{mountNS: true}, off: []string{"default"}, enumEntries: map[string][]string{"": {"/proc"}}},
	"ProcSubset":           {kind: kindEnum, sandbox: sandbox{mountNS: true}, off: []string{"all"}, enumEntries: map[string][]string{"": {"/proc"}}},
	"MountFlags":           {kind: kindEnum, sandbox: sandbox{mountNS: true}, off: []string{"shared"}},
	"IPCNamespacePath":     {kind: kindEnum, sandbox: sandbox{mountNS: true}},
	"LogNamespace":         {kind: kindEnum, sandbox: sandbox{mountNS: true}},
	"ReadWritePaths":       {kind: kindList, sandbox: sandbox{mountNS: true}, listEntries: true},
	"ReadOnlyPaths":        {kind: kindList, sandbox: sandbox{mountNS: true}, listEntries: true},
	"InaccessiblePaths":    {kind: kindPaths, sandbox: sandbox{mountNS: true}},
	"ExecPaths":            {kind: kindPaths, sandbox: sandbox{mountNS: true}},
	"NoExecPaths":          {kind: kindPaths, sandbox: sandbox{mountNS: true}},
	"TemporaryFileSystem":  {kind: kindPaths, sandbox: sandbox{mountNS: true}},
	"BindPaths":            {kind: kindPaths, sandbox: sandbox{mountNS: true}, pathField: 1},
	"BindReadOnlyPaths":    {kind: kindPaths, sandbox: sandbox{mountNS: true}, pathField: 1},
	"MountImages":          {kind: kindPaths, sandbox: sandbox{mountNS: true}, pathField: 1},
	"ExtensionImages":      {kind: kindList, sandbox: sandbox{mountNS: true, hidden: []string{"/usr", "/opt"}}},
	"ExtensionDirectories": {kind: kindList, sandbox: sandbox{mountNS: true, hidden: []string{"/usr", "/opt"}}},
}

func sandboxDirectives() map[string]directive {
	out := map[string]directive{}
	for name, s := range sandboxSettings {
		out[name] = func(u *Unit, e *Exec, a Assignment) error {
			e.applySandbox(name, s, a)
			return nil
		}
	}
	return out
}

// applySandbox updates one setting's state from an assignment.
func (e *Exec) applySandbox(name string, s sandboxSetting, a Assignment) {
	if e.sandbox == nil {
		e.sandbox = map[string]*sandboxState{}
	}
	st := e.sandbox[name]
	if st == nil {
		st = &sandboxState{}
		e.sandbox[name] = st
	}
	switch s.kind {
	case kindBool:
		v, ok := parseBoolean(a.Value)
		if !ok {
			e.note(a, "not a boolean: systemd ignores the line")
			return
		}
		st.active, st.hidden, st.entries = v, nil, nil
		if v {
			st.hidden, st.entries = s.hidden, s.entries
		}
	case kindEnum:
		v := strings.ToLower(a.Value)
		st.active = a.Value != "" && !slices.Contains(s.off, v)
		st.hidden, st.entries = nil, nil
		if st.active && (s.enumHidden == nil || slices.Contains(s.enumHidden, v)) {
			st.hidden = s.hidden
		}
		if st.active {
			st.entries = s.enumEntries[""]
			if e, ok := s.enumEntries[v]; ok {
				st.entries = e
			}
		}
	case kindList, kindPaths:
		if a.Value == "" {
			st.active, st.hidden, st.entries = false, nil, nil
			return
		}
		st.active = true
		st.hidden = append(st.hidden, s.hidden...)
		switch {
		case s.kind == kindPaths:
			paths := entryPaths(a.Value, s.pathField)
			st.hidden = append(st.hidden, paths...)
			st.entries = append(st.entries, paths...)
		case s.listEntries:
			st.entries = append(st.entries, entryPaths(a.Value, 0)...)
		}
	}
}

// entryPaths reads the paths of a path list: each entry may start with
// "-" and "+" and hold ":"-separated fields; field (or the first one,
// when the entry has fewer) is the path the service sees.
func entryPaths(value string, field int) []string {
	ws, _ := words(value, false)
	var out []string
	for _, w := range ws {
		w = strings.TrimLeft(w, "-+")
		fields := strings.Split(w, ":")
		p := fields[0]
		if field < len(fields) && fields[field] != "" {
			p = fields[field]
		}
		if strings.HasPrefix(p, "/") {
			out = append(out, simplifyPath(p))
		}
	}
	return out
}

// finishSandbox turns the settings' final states into the lists of Exec.
func (e *Exec) finishSandbox() {
	names := make([]string, 0, len(e.sandbox))
	for name := range e.sandbox {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		st, s := e.sandbox[name], sandboxSettings[name]
		if !st.active {
			continue
		}
		if s.nnp {
			e.ImplyNNP = append(e.ImplyNNP, name)
		}
		if s.mountNS {
			e.MountNS = append(e.MountNS, name)
		}
		for _, p := range st.hidden {
			e.Hidden = append(e.Hidden, HiddenPath{Path: p, Setting: name})
		}
		for _, p := range st.entries {
			e.MountEntries = append(e.MountEntries, HiddenPath{Path: p, Setting: name})
		}
	}
}
