package tarcap

import (
	"path"

	"fcap/audit"
	"fcap/capfile"
	"fcap/model"
)

// Audit rates the tree's files with the rules of `fcap audit`, as if it
// ran on the extracted archive: in path order, with the directories the
// archive holds deciding who could replace a file (directories it lacks
// are taken to be root's and not writable by others). last is the
// kernel's last capability.
func (t *Tree) Audit(last model.Cap) []audit.Finding {
	var out []audit.Finding
	for _, f := range t.Files {
		in := audit.Input{Path: f.Path, Mode: f.Mode, UID: f.UID, GID: f.GID, Owner: f.Owner, Group: f.Group}
		if f.Value != nil {
			fc, err := capfile.Decode(f.Value)
			switch {
			case err != nil:
				in.CapsMalformed = err.Error()
			case fc.Revision == 1:
				in.CapsMalformed = "a revision-1 value, which the kernel refuses to store: extraction leaves the file without it"
			default:
				in.Caps = &fc
			}
		}
		in.DirWritable = t.dirWritable(f)
		out = append(out, audit.Rate(in, last)...)
	}
	return out
}

// dirWritable says why a non-root user could replace f's path once
// extracted: a directory on the way is theirs or writable by them.
func (t *Tree) dirWritable(f File) string {
	uid := f.UID
	for dir := path.Dir(Key(f.Path)); ; dir = path.Dir(dir) {
		if dir == "." {
			dir = ""
		}
		d, ok := t.dirs[dir]
		if ok {
			if why := audit.DirReplaceable(d.mode, d.owner, d.group, uid); why != "" {
				return "directory " + dirPath(dir) + " is " + why
			}
		}
		if dir == "" {
			return ""
		}
		uid = d.owner.N
	}
}

// dirPath prints a directory's key as `fcap get -r .` would.
func dirPath(key string) string {
	if key == "" {
		return "."
	}
	return "./" + key
}
