package systemd

import (
	"errors"
	"strings"
)

// whitespace separates words, as systemd's WHITESPACE.
const whitespace = " \t\n\r"

// errWord is a word systemd cannot extract: an unbalanced quote, a
// trailing backslash or an unknown escape.
var errWord = errors.New("unbalanced quotes, a trailing backslash or an unknown escape")

// nextWord extracts the first word of s the way systemd's
// extract_first_word does with EXTRACT_UNQUOTE (quotes may open anywhere
// and are removed) and, when cunescape is set, EXTRACT_CUNESCAPE (C
// escapes, in quotes too). It returns the word, the rest of s, and
// whether there was a word.
func nextWord(s string, cunescape bool) (word, rest string, ok bool, err error) {
	s = strings.TrimLeft(s, whitespace)
	if s == "" {
		return "", "", false, nil
	}
	var b []byte
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return "", "", false, errWord
			}
			if !cunescape {
				b = append(b, s[i+1])
				i++
				continue
			}
			n, out, err := unescapeOne(s[i+1:])
			if err != nil {
				return "", "", false, err
			}
			b = append(b, out...)
			i += n
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			b = append(b, c)
		case c == '\'' || c == '"':
			quote = c
		case strings.IndexByte(whitespace, c) >= 0:
			return string(b), strings.TrimLeft(s[i:], whitespace), true, nil
		default:
			b = append(b, c)
		}
	}
	if quote != 0 {
		return "", "", false, errWord
	}
	return string(b), "", true, nil
}

// unescapeOne decodes the C escape at the start of s (after the
// backslash), as systemd's cunescape_one without NUL bytes: it returns
// how many bytes of s it used and the bytes it stands for.
func unescapeOne(s string) (int, []byte, error) {
	if s == "" {
		return 0, nil, errWord
	}
	if c, ok := simpleEscapes[s[0]]; ok {
		return 1, []byte{c}, nil
	}
	switch s[0] {
	case 'x':
		v, ok := hexValue(s[1:], 2)
		if !ok || v == 0 {
			return 0, nil, errWord
		}
		return 3, []byte{byte(v)}, nil
	case 'u', 'U':
		n := 4
		if s[0] == 'U' {
			n = 8
		}
		v, ok := hexValue(s[1:], n)
		if !ok || v == 0 || v >= 0x110000 {
			return 0, nil, errWord
		}
		return n + 1, encodeUnichar(v), nil
	case '0', '1', '2', '3', '4', '5', '6', '7':
		if len(s) < 3 || !isOctal(s[1]) || !isOctal(s[2]) {
			return 0, nil, errWord
		}
		v := uint32(s[0]-'0')<<6 | uint32(s[1]-'0')<<3 | uint32(s[2]-'0')
		if v == 0 || v > 255 {
			return 0, nil, errWord
		}
		return 3, []byte{byte(v)}, nil
	}
	return 0, nil, errWord
}

var simpleEscapes = map[byte]byte{
	'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v',
	'\\': '\\', '"': '"', '\'': '\'', 's': ' ',
}

func isOctal(c byte) bool { return '0' <= c && c <= '7' }

func hexValue(s string, n int) (uint32, bool) {
	if len(s) < n {
		return 0, false
	}
	var v uint32
	for i := range n {
		var d byte
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint32(d)
	}
	return v, true
}

// encodeUnichar writes v in UTF-8 the way systemd's utf8_encode_unichar
// does, surrogates included.
func encodeUnichar(v uint32) []byte {
	switch {
	case v < 0x80:
		return []byte{byte(v)}
	case v < 0x800:
		return []byte{0xc0 | byte(v>>6), 0x80 | byte(v&0x3f)}
	case v < 0x10000:
		return []byte{0xe0 | byte(v>>12), 0x80 | byte(v>>6&0x3f), 0x80 | byte(v&0x3f)}
	}
	return []byte{0xf0 | byte(v>>18), 0x80 | byte(v>>12&0x3f), 0x80 | byte(v>>6&0x3f), 0x80 | byte(v&0x3f)}
}

// words splits s into words with nextWord.
func words(s string, cunescape bool) ([]string, error) {
	var out []string
	for {
		w, rest, ok, err := nextWord(s, cunescape)
		if err != nil || !ok {
			return out, err
		}
		out = append(out, w)
		s = rest
	}
}
