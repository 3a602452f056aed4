package oci

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"fcap/model"
)

// maxConfigSize bounds what Load reads: real configs are a few KiB.
const maxConfigSize = 4 << 20

// Config is a loaded, checked config.json.
type Config struct {
	// Path is the config file and Dir its directory, the bundle.
	Path, Dir string
	Spec      specs.Spec
	// Rootfs is root.path made absolute against Dir.
	Rootfs string
	// Caps holds process.capabilities as sets (nil lists are empty).
	Caps Caps
}

// Caps are the five capability lists of process.capabilities.
type Caps struct {
	Bounding, Effective, Inheritable, Permitted, Ambient model.Set
}

// ConfigError is a config.json that is malformed, or that asks for
// something fcap does not model; the caller treats it as bad input.
type ConfigError struct {
	Path  string // the config file
	Field string // "process.capabilities.bounding[2]", or "" for the whole file
	Msg   string
	Err   error
}

func (e *ConfigError) Error() string {
	where := e.Path
	if e.Field != "" {
		where += ": " + e.Field
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", where, e.Msg, e.Err)
	}
	return fmt.Sprintf("%s: %s", where, e.Msg)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// Load reads and checks the configuration at path, a config.json or a
// bundle directory holding one.
func Load(path string) (*Config, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, "config.json")
	}
	data, err := readConfig(path)
	if err != nil {
		return nil, err
	}
	c := &Config{Path: path, Dir: filepath.Dir(path)}
	if err := decodeSpec(path, data, &c.Spec); err != nil {
		return nil, err
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return c, nil
}

func readConfig(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read OCI config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("read OCI config %s: %w", path, err)
	}
	if len(data) > maxConfigSize {
		return nil, &ConfigError{Path: path, Msg: fmt.Sprintf("larger than %d bytes: not a runtime config", maxConfigSize)}
	}
	return data, nil
}

// decodeSpec parses data with the runtime spec's own Go types and turns
// JSON errors into a ConfigError that says where.
func decodeSpec(path string, data []byte, s *specs.Spec) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	err := dec.Decode(s)
	if err == nil && dec.More() {
		return &ConfigError{Path: path, Msg: fmt.Sprintf("data after the JSON object at %s", lineCol(data, dec.InputOffset()))}
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &syn):
		return &ConfigError{Path: path, Msg: fmt.Sprintf("invalid JSON at %s: %s", lineCol(data, syn.Offset), syn)}
	case errors.As(err, &typ):
		return &ConfigError{Path: path, Field: typ.Field,
			Msg: fmt.Sprintf("a JSON %s where the runtime spec wants %s (at %s)", typ.Value, typ.Type, lineCol(data, typ.Offset))}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &ConfigError{Path: path, Msg: "empty or truncated JSON"}
	}
	return &ConfigError{Path: path, Msg: "invalid JSON", Err: err}
}

// lineCol turns a byte offset into "line L, column C".
func lineCol(data []byte, off int64) string {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

// check refuses what the runtime would refuse at parse time, and what
// fcap does not model.
func (c *Config) check() error {
	s := &c.Spec
	bad := func(field, format string, args ...any) error {
		return &ConfigError{Path: c.Path, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case s.Process == nil:
		return bad("process", "missing: the config runs no program")
	case s.Root == nil || s.Root.Path == "":
		return bad("root.path", "missing: the config has no root filesystem")
	case s.Process.User.Username != "":
		return bad("process.user.username", "is for Windows containers; Linux runtimes use uid and gid")
	case s.Process.Cwd != "" && !filepath.IsAbs(s.Process.Cwd):
		return bad("process.cwd", "%q is not absolute", s.Process.Cwd)
	}
	c.Rootfs = s.Root.Path
	if !filepath.IsAbs(c.Rootfs) {
		c.Rootfs = filepath.Join(c.Dir, c.Rootfs)
	}
	if err := c.checkLinux(); err != nil {
		return err
	}
	if err := c.checkMounts(); err != nil {
		return err
	}
	return c.parseCaps()
}

// checkLinux refuses the namespaces that change what ids and mounts mean.
func (c *Config) checkLinux() error {
	l := c.Spec.Linux
	if l == nil {
		return nil
	}
	for i, ns := range l.Namespaces {
		if ns.Type == specs.UserNamespace {
			return &ConfigError{Path: c.Path, Field: fmt.Sprintf("linux.namespaces[%d]", i),
				Msg: "a user namespace: fcap explains containers in the initial user namespace only"}
		}
	}
	return nil
}

func (c *Config) checkMounts() error {
	for i, m := range c.Spec.Mounts {
		field := fmt.Sprintf("mounts[%d]", i)
		switch {
		case !filepath.IsAbs(m.Destination):
			return &ConfigError{Path: c.Path, Field: field + ".destination", Msg: fmt.Sprintf("%q is not absolute", m.Destination)}
		case filepath.Clean(m.Destination) == "/":
			return &ConfigError{Path: c.Path, Field: field + ".destination", Msg: "a mount over the root: fcap reads the rootfs from root.path"}
		case len(m.UIDMappings) > 0 || len(m.GIDMappings) > 0 || slices.Contains(m.Options, "idmap"):
			return &ConfigError{Path: c.Path, Field: field, Msg: "an id-mapped mount: fcap does not model file owners seen through a mapping"}
		}
	}
	return nil
}
