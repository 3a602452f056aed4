package launch

import (
	"fmt"
	"strings"

	"fcap/model"
)

// Kept is what survives the launch: Ambient capabilities are permitted,
// inheritable and ambient before exec, so a program without file
// capabilities gets them permitted and effective; Inheritable holds them
// and the inheritable-only ones.
type Kept struct {
	Ambient, Inheritable model.Set
}

// All returns every capability kept in any form.
func (k Kept) All() model.Set { return k.Ambient | k.Inheritable }

// KeptError is a capability text or adjustment that cannot be kept as
// written; Reason says why and what to write instead.
type KeptError struct {
	Input  string
	Reason string
}

func (e *KeptError) Error() string { return fmt.Sprintf("capabilities %q: %s", e.Input, e.Reason) }

// ParseKept turns capability text and ProFTPD-style adjustments into the
// kept capabilities. last is the running kernel's last capability:
// capabilities above it are refused, the kernel does not have them.
func ParseKept(text string, adjust []string, last model.Cap) (Kept, error) {
	caps, err := model.ParseText(text, last)
	if err != nil {
		return Kept{}, err
	}
	if err := checkFlags(text, caps, last); err != nil {
		return Kept{}, err
	}
	k := Kept{Ambient: caps.Effective, Inheritable: caps.Effective | caps.Inheritable}
	for _, a := range adjust {
		for _, word := range strings.Fields(a) {
			if err := k.adjust(word, last); err != nil {
				return Kept{}, err
			}
		}
	}
	if over := k.All() &^ model.UpTo(last); over != 0 {
		return Kept{}, &KeptError{Input: text, Reason: fmt.Sprintf("the running kernel does not have %s (its last capability is %s, number %d)", over.Names(), last, last)}
	}
	return k, nil
}

// checkFlags refuses the flag combinations a launch cannot give a
// program: effective without permitted, and permitted without effective
// (after exec, a capability kept for a program without file
// capabilities is always effective).
func checkFlags(text string, c model.Caps, last model.Cap) error {
	if bad := c.Effective &^ c.Permitted; bad != 0 {
		return &KeptError{Input: text, Reason: fmt.Sprintf("%s: effective without permitted cannot be kept (write %s+ep)", bad.Names(), bad.Names())}
	}
	if bad := c.Permitted &^ c.Effective; bad != 0 {
		return &KeptError{Input: text, Reason: fmt.Sprintf("%s: permitted without effective cannot survive exec, "+
			"the kernel makes every capability kept through it (ambient) effective; write %s+ep to keep it, "+
			"or %s+i to pass it only to programs whose file has it in its inheritable set", bad.Names(), bad.Names(), bad.Names())}
	}
	return nil
}

// adjust applies one ProFTPD-style word: +NAME keeps NAME as +ep, -NAME
// drops it from every set.
func (k *Kept) adjust(word string, last model.Cap) error {
	sign, name := word[0], word[1:]
	if (sign != '+' && sign != '-') || name == "" {
		return &KeptError{Input: word, Reason: `an adjustment is "+NAME" or "-NAME", such as +cap_chown or -CAP_NET_RAW`}
	}
	set, err := model.ParseSet(name, last)
	if err != nil || strings.HasPrefix(strings.ToLower(name), "0x") {
		return &KeptError{Input: word, Reason: fmt.Sprintf("unknown capability %q", name)}
	}
	if sign == '+' {
		k.Ambient |= set
		k.Inheritable |= set
	} else {
		k.Ambient &^= set
		k.Inheritable &^= set
	}
	return nil
}
