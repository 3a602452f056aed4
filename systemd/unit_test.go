package systemd

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func parse(t *testing.T, text string) *Unit {
	t.Helper()
	u, err := Parse("test.service", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestParseFollowsSystemdSyntax(t *testing.T) {
	// systemd.syntax(7): "Whitespace immediately before or after the "="
	// is ignored. Empty lines and lines starting with "#" or ";" are
	// ignored." "Lines ending in a backslash are concatenated with the
	// following line while reading and the backslash is replaced by a
	// space character." "When a comment line or lines follow a line
	// ending with a backslash, the comment block is ignored".
	u := parse(t, "\ufeff# comment\n; comment\n[Unit]\nDescription=x\n\n[Service]\n"+
		"  User =  alice  \n"+
		"ExecStart=/bin/a \\\n  b \\\n# ignored\n; ignored too\n  c\r\n"+
		"Environment=X=\\\\\n"+
		"X-Other=1\n[Install]\nWantedBy=multi-user.target\n")
	want := []Assignment{
		{Line: 7, Key: "User", Value: "alice"},
		{Line: 8, Key: "ExecStart", Value: "/bin/a    b    c"},
		{Line: 13, Key: "Environment", Value: `X=\\`},
		{Line: 14, Key: "X-Other", Value: "1"},
	}
	if !slices.Equal(u.Service, want) {
		t.Errorf("Service = %+v\nwant %+v", u.Service, want)
	}
}

func TestParseIgnoresWhatSystemdIgnores(t *testing.T) {
	u := parse(t, "User=outside\n[Service]\nno equals sign\n=novalue\n[Bogus]\nUser=bogus\n[X-Mine]\nUser=mine\n")
	if len(u.Service) != 0 {
		t.Errorf("assignments %+v, want none", u.Service)
	}
	for _, w := range []string{"outside of any section", "missing '='", "missing key name", "unknown section [Bogus]"} {
		if !slices.ContainsFunc(u.Warnings, func(s string) bool { return strings.Contains(s, w) }) {
			t.Errorf("no warning says %q: %q", w, u.Warnings)
		}
	}
}

func TestParseRefusesWhatSystemdCannotLoad(t *testing.T) {
	for _, text := range []string{
		"[Service\nUser=a\n",
		"[Ser\"vice]\n",
		"[Service]\nUser=\xff\n",
		"[Service]\nExecStart=" + strings.Repeat("a", maxLine) + "\n",
	} {
		_, err := Parse("bad.service", []byte(text))
		var ue *UnitError
		if !errors.As(err, &ue) || ue.Line == 0 {
			t.Errorf("Parse(%.40q) = %v, want a UnitError with a line", text, err)
		}
	}
}

func TestWordsUnquoteAndUnescapeLikeSystemd(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`a "b c" 'd "e"'`, []string{"a", "b c", `d "e"`}},
		{`mid"dle quo"tes`, []string{"middle quotes"}},
		{`"" x`, []string{"", "x"}},
		{`\x41\101\u00e9\s\t\\`, []string{"AAé \t\\"}},
		{`"a\nb"`, []string{"a\nb"}},
	}
	for _, tt := range tests {
		got, err := words(tt.in, true)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("words(%s) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{`"open`, `trailing\`, `\q`, `\x00`, `\000`, `\400`, `\xZZ`} {
		if _, err := words(bad, true); err == nil {
			t.Errorf("words(%s) succeeded, want an error", bad)
		}
	}
}

func TestSpecifiers(t *testing.T) {
	u := &Unit{Path: "/etc/systemd/system/my-app@web\\x2dfront-1.service", Name: `my-app@web\x2dfront-1.service`}
	tests := map[string]string{
		"%n": `my-app@web\x2dfront-1.service`, "%N": `my-app@web\x2dfront-1`,
		"%p": "my-app", "%P": "my/app", "%i": `web\x2dfront-1`, "%I": "web-front/1",
		"%j": "app", "%f": "/web-front/1", "%%": "%", "%t/x": "/run/x", "%u:%U": "root:0",
		"50%": "50%", "%-": "%-",
	}
	for in, want := range tests {
		got, err := u.expand(in)
		if err != nil || got != want {
			t.Errorf("expand(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"%H", "%m", "%Z", "%h"} {
		if _, err := u.expand(in); err == nil {
			t.Errorf("expand(%s) succeeded, want an error", in)
		}
	}
}
