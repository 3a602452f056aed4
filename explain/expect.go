package explain

import (
	"fmt"
	"strings"

	"fcap/model"
)

// Expectation is what a caller requires of the child (--expect): every
// capability of Caps in its effective set, or with Permitted, in its
// permitted set (a program that raises its capabilities itself).
type Expectation struct {
	Caps      model.Set
	Permitted bool
}

// ParseExpectation reads CAPS, CAPS=e or CAPS=ep (the effective set) or
// CAPS=p (the permitted set), CAPS being a comma list of capability
// names as ParseSet reads them.
func ParseExpectation(s string, last model.Cap) (Expectation, error) {
	list, sets, _ := strings.Cut(s, "=")
	var e Expectation
	switch strings.ToLower(sets) {
	case "", "e", "ep", "pe":
	case "p":
		e.Permitted = true
	default:
		return e, fmt.Errorf("%q: want CAPS, CAPS=e or CAPS=p", s)
	}
	caps, err := model.ParseSet(list, last)
	if err != nil {
		return e, err
	}
	if caps == 0 {
		return e, fmt.Errorf("%q names no capability", s)
	}
	e.Caps = caps
	return e, nil
}

// SetName names the set the expectation is about.
func (e Expectation) SetName() string {
	if e.Permitted {
		return "permitted"
	}
	return "effective"
}

// Missing returns the expected capabilities the child lacks: all of them
// when exec fails or its outcome cannot be known.
func (r Report) Missing(e Expectation) model.Set {
	res := r.Result
	if res.Err != "" || res.Undetermined() {
		return e.Caps
	}
	have := res.Child.Effective
	if e.Permitted {
		have = res.Child.Permitted
	}
	return e.Caps &^ have
}
