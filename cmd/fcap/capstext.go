package main

import (
	"fmt"

	"fcap/model"
)

// parseFileCaps reads capability text given on the command line (by
// option, or operand when opt is "") as a file value; text that does not
// parse or cannot be stored in a file is a usage error of cmd.
func parseFileCaps(cmd, opt, text string, last model.Cap, rootID uint32) (model.FileCaps, error) {
	caps, err := model.ParseText(text, last)
	if err == nil {
		var fc model.FileCaps
		if fc, err = caps.ToFile(rootID); err == nil {
			return fc, nil
		}
		err = fmt.Errorf("%q: %w", text, err)
	}
	if opt != "" {
		return model.FileCaps{}, usagef(cmd, "%s: %s", opt, err)
	}
	return model.FileCaps{}, usagef(cmd, "%s", err)
}
