package oci

import (
	"fmt"
	"strings"

	"fcap/model"
)

// parseCaps reads the five lists of process.capabilities. A missing
// object means five empty sets, as runc applies it.
func (c *Config) parseCaps() error {
	pc := c.Spec.Process.Capabilities
	if pc == nil {
		return nil
	}
	lists := []struct {
		name string
		in   []string
		out  *model.Set
	}{
		{"bounding", pc.Bounding, &c.Caps.Bounding},
		{"effective", pc.Effective, &c.Caps.Effective},
		{"inheritable", pc.Inheritable, &c.Caps.Inheritable},
		{"permitted", pc.Permitted, &c.Caps.Permitted},
		{"ambient", pc.Ambient, &c.Caps.Ambient},
	}
	for _, l := range lists {
		for i, name := range l.in {
			capa, err := capName(name)
			if err != nil {
				return &ConfigError{Path: c.Path, Field: fmt.Sprintf("process.capabilities.%s[%d]", l.name, i), Msg: err.Error()}
			}
			*l.out |= model.SetOf(capa)
		}
	}
	return nil
}

// capName reads a capability as the runtime spec writes it, CAP_NET_RAW.
// runc ignores a name it does not know (with a warning) and crun refuses
// it, so fcap refuses it: the container would not get what it asks for.
func capName(name string) (model.Cap, error) {
	rest, ok := strings.CutPrefix(name, "CAP_")
	if c, known := model.LookupName("cap_" + rest); ok && known && rest == strings.ToUpper(rest) {
		return c, nil
	}
	if c, known := model.LookupName(name); known {
		return 0, fmt.Errorf("%q: the runtime spec writes capabilities as %s (runc ignores this spelling)", name, strings.ToUpper(c.String()))
	}
	return 0, fmt.Errorf("%q is not a capability name (runc ignores it with a warning, crun refuses it)", name)
}
