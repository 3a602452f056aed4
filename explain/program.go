package explain

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"fcap/capfile"
	"fcap/host"
	"fcap/model"
	"fcap/model/cred"
	"fcap/model/execve"
	"fcap/xattr"
)

// Program is what exec opens to run a path, gathered from an FS: the
// model's steps (the path, then each script's interpreter) and notes
// for people about how they were found.
type Program struct {
	execve.Program
	// Mounts holds, for each step, where the mount holding its file is
	// mounted ("" when unknown).
	Mounts []string
	Notes  []string
}

// Decider returns the index of the step whose file the credential rules
// read: the last one gathered.
func (p Program) Decider() int { return len(p.Steps) - 1 }

// Inspect gathers what exec opens to run p in fs: it walks the path as
// the kernel does, reads the file's facts (mode, owner, ACL, the mount's
// nosuid and noexec, security.capability) and its first bytes, and for a
// script goes on with the interpreter its "#!" line names, as far as the
// kernel would go.
func Inspect(fs *FS, p string) (Program, error) {
	var prog Program
	for i := 0; i <= execve.MaxScripts+1; i++ {
		s, mnt, err := fs.open(p, i > 0)
		if err != nil {
			return prog, err
		}
		if err := fs.addLoader(&prog, &s); err != nil {
			return prog, err
		}
		prog.Steps = append(prog.Steps, s)
		prog.Mounts = append(prog.Mounts, mnt)
		prog.noteStep(s)
		if s.Lookup.Err != "" || s.Format != execve.FormatScript || s.Shebang.Bad != "" {
			break
		}
		p = s.Shebang.Interp
	}
	return prog, nil
}

// addLoader gathers the program interpreter (dynamic loader) an ELF
// binary names, which the kernel opens too.
func (fs *FS) addLoader(prog *Program, s *execve.Step) error {
	if s.Format != execve.FormatELF || s.Loader == nil {
		return nil
	}
	if s.Loader.Path == unknownLoader {
		s.Loader = nil
		prog.Notes = append(prog.Notes, fmt.Sprintf("the program interpreter of %s lies beyond its first %d KiB: it is not checked", s.Path, execve.ELFHeadMax>>10))
		return nil
	}
	l, _, err := fs.open(s.Loader.Path, true)
	if err != nil {
		return fmt.Errorf("program interpreter of %s: %w", s.Path, err)
	}
	l.Loader = nil // the kernel does not follow a loader's own
	s.Loader = &l
	return nil
}

// unknownLoader marks an ELF binary whose program interpreter cannot
// be read from its head.
const unknownLoader = "\x00unknown"

// noteStep adds what people should know about how a step was found.
func (prog *Program) noteStep(s execve.Step) {
	add := func(format string, a ...any) { prog.Notes = append(prog.Notes, fmt.Sprintf(format, a...)) }
	if r := s.Lookup.Resolved; r != "" && r != path.Clean(s.Path) && strings.HasPrefix(s.Path, "/") {
		add("%s resolves to %s (symlinks)", s.Path, r)
	}
	if s.Format != execve.FormatScript || s.Shebang.Bad != "" {
		return
	}
	sh := s.Shebang
	if strings.HasSuffix(sh.Interp, "\r") || strings.HasSuffix(sh.Arg, "\r") {
		add("the #! line of %s ends in a carriage return (Windows line endings): the kernel keeps it, in %s", s.Path, strconv.Quote(strings.TrimSpace(sh.Interp+" "+sh.Arg)))
	}
	if sh.Interp != "" && !strings.HasPrefix(sh.Interp, "/") {
		add("the #! line of %s names a relative interpreter %q: the kernel looks it up from the caller's working directory", s.Path, sh.Interp)
	}
}

// open walks to one file of the program and reads its facts; it also
// returns where its mount is mounted. interp says p comes from a "#!"
// line, where an empty name opens the working directory.
func (fs *FS) open(p string, interp bool) (execve.Step, string, error) {
	s := execve.Step{Path: p}
	if p == "" && !interp {
		s.Lookup = execve.Lookup{Err: "ENOENT", ErrDetail: "the path is empty"}
		return s, "", nil
	}
	w := fs.newWalk()
	defer w.close()
	if err := w.walk(p, false); err != nil {
		return s, "", err
	}
	s.Lookup = w.lookup
	if s.Lookup.Err != "" {
		return s, "", nil
	}
	s.Lookup.Resolved = w.top().path
	if w.final == nil {
		s.File = execve.Target{Mode: w.top().inode.Mode, UID: w.top().inode.UID, GID: w.top().inode.GID}
		return s, "", nil
	}
	s.Lookup.Resolved = w.pathOf(w.last)
	mnt := ""
	if fs.Name == "" && fs.Mounts == nil {
		mnt = host.MountPoint(*w.final)
	}
	return s, mnt, fs.readFile(&s, w)
}

// readFile reads the facts of the file a walk found.
func (fs *FS) readFile(s *execve.Step, w *walk) error {
	in, st, err := inodeOf(*w.final)
	if err != nil {
		return fmt.Errorf("%s: %w", s.Lookup.Resolved, err)
	}
	t := &s.File
	t.Mode, t.UID, t.GID, t.ACL = in.Mode, in.UID, in.GID, in.ACL
	if in.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil
	}
	mf, ok := host.MountFlags{}, false
	if fs.Mounts != nil {
		mf, ok = fs.Mounts(s.Lookup.Resolved)
	}
	if !ok {
		if mf, err = host.Mount(*w.final); err != nil {
			return fmt.Errorf("%s: %w", s.Lookup.Resolved, err)
		}
	}
	t.NoSuid, t.NoExec = mf.NoSuid, mf.NoExec
	f, err := xattr.OpenAt(w.finalDir, w.finalName, s.Lookup.Resolved)
	if err != nil {
		return err
	}
	defer f.Close()
	if f.Stat.Ino != st.Ino || f.Stat.Dev != st.Dev {
		return fmt.Errorf("%s changed while fcap was reading it", s.Lookup.Resolved)
	}
	if err := readCaps(f, t); err != nil {
		return err
	}
	return readHead(f, s)
}

// readCaps reads the file's security.capability as exec would find it.
func readCaps(f *xattr.File, t *execve.Target) error {
	v, err := f.Get()
	switch {
	case xattr.IsKind(err, xattr.Unreadable) && errors.Is(err, unix.EOVERFLOW):
		// From fcap's namespace every valid uid maps: only rootid
		// 4294967295 cannot be shown, and exec ignores such a value.
		t.Caps = &model.FileCaps{Revision: 3, RootID: cred.InvalidID}
		return nil
	case xattr.IsKind(err, xattr.Unreadable):
		t.CapsProblem = execve.CapsUnreadable
		return nil
	case xattr.IsKind(err, xattr.TooLarge):
		t.CapsProblem = execve.CapsTooLong
		return nil
	case err != nil || v == nil:
		return err
	}
	fc, err := capfile.DecodeForExec(v)
	switch {
	case err != nil && len(v) > capfile.MaxSize:
		t.CapsProblem = execve.CapsTooLong
	case err != nil:
		t.CapsProblem = execve.CapsMalformed
	default:
		t.Caps = &fc
	}
	return nil
}

// readHead reads the first bytes of the file: its format, its "#!" line
// or, for an ELF binary, its program interpreter (put in s.Loader with
// only its path; Inspect gathers the rest).
func readHead(f *xattr.File, s *execve.Step) error {
	head := make([]byte, execve.ELFHeadMax)
	n, err := f.ReadHead(head)
	if err != nil {
		return err
	}
	if n == 0 && f.Stat.Size > 0 {
		return fmt.Errorf("%s: fcap cannot read its first bytes to tell a script from a binary (run fcap as root)", f.Path)
	}
	s.Size = f.Stat.Size
	s.Format = execve.DetectFormat(head[:n])
	s.Shebang, _ = execve.ParseShebang(head[:min(n, execve.ShebangMax)])
	if s.Format == execve.FormatELF {
		switch interp, ok, known := execve.ELFInterpreter(head[:n]); {
		case !known && n >= execve.ELFHeadMax:
			s.Loader = &execve.Step{Path: unknownLoader}
		case ok:
			s.Loader = &execve.Step{Path: interp}
		}
	}
	return nil
}
