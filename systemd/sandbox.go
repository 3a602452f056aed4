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
}

// sandboxState is the current value of one setting.
type sandboxState struct {
	active bool
	hidden []string
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
}

var (
	homeDirs = []string{"/home", "/root", "/run/user"}
	tmpDirs  = []string{"/tmp", "/var/tmp"}
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
	"PrivateDevices":          {kind: kindBool, sandbox: sandbox{nnp: true, mountNS: true, hidden: []string{"/dev"}}},
	"ProtectKernelTunables":   {kind: kindBool, sandbox: sandbox{nnp: true, mountNS: true}},
	"ProtectKernelModules":    {kind: kindBool, sandbox: sandbox{nnp: true, mountNS: true, hidden: []string{"/usr/lib/modules", "/lib/modules"}}},
	"ProtectKernelLogs":       {kind: kindBool, sandbox: sandbox{nnp: true, mountNS: true}},
	"PrivateTmp":              {kind: kindBool, sandbox: sandbox{mountNS: true, hidden: tmpDirs}},
	"PrivateMounts":           {kind: kindBool, sandbox: sandbox{mountNS: true}},
	"PrivateIPC":              {kind: kindBool, sandbox: sandbox{mountNS: true}},
	"ProtectControlGroups":    {kind: kindBool, sandbox: sandbox{mountNS: true}},
	"RestrictAddressFamilies": {kind: kindList, sandbox: sandbox{nnp: true}},
	"SystemCallArchitectures": {kind: kindList, sandbox: sandbox{nnp: true}},
	"SystemCallFilter":        {kind: kindList, sandbox: sandbox{nnp: true}},
	"SystemCallLog":           {kind: kindList, sandbox: sandbox{nnp: true}},
	"RestrictNamespaces":      {kind: kindEnum, sandbox: sandbox{nnp: true}, off: []string{"no", "false", "0", "n", "f", "off"}},
	"ProtectSystem":           {kind: kindEnum, sandbox: sandbox{mountNS: true}, off: []string{"no", "false", "0", "n", "f", "off"}},
	"ProtectHome": {kind: kindEnum, sandbox: sandbox{mountNS: true, hidden: homeDirs}, off: []string{"no", "false", "0", "n", "f", "off"},
		enumHidden: []string{"yes", "true", "1", "y", "t", "on", "tmpfs"}},
	"ProtectProc":          {kind: kindEnum, sandbox: sandbox{mountNS: true}, off: []string{"default"}},
	"ProcSubset":           {kind: kindEnum, sandbox: sandbox{mountNS: true}, off: []string{"all"}},
	"MountFlags":           {kind: kindEnum, sandbox: sandbox{mountNS: true}, off: []string{"shared"}},
	"IPCNamespacePath":     {kind: kindEnum, sandbox: sandbox{mountNS: true}},
	"LogNamespace":         {kind: kindEnum, sandbox: sandbox{mountNS: true}},
	"ReadWritePaths":       {kind: kindList, sandbox: sandbox{mountNS: true}},
	"ReadOnlyPaths":        {kind: kindList, sandbox: sandbox{mountNS: true}},
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
		st.active, st.hidden = v, nil
		if v {
			st.hidden = s.hidden
		}
	case kindEnum:
		v := strings.ToLower(a.Value)
		st.active = a.Value != "" && !slices.Contains(s.off, v)
		st.hidden = nil
		if st.active && (s.enumHidden == nil || slices.Contains(s.enumHidden, v)) {
			st.hidden = s.hidden
		}
	case kindList, kindPaths:
		if a.Value == "" {
			st.active, st.hidden = false, nil
			return
		}
		st.active = true
		st.hidden = append(st.hidden, s.hidden...)
		if s.kind == kindPaths {
			st.hidden = append(st.hidden, entryPaths(a.Value, s.pathField)...)
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
	}
}
