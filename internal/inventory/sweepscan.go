package inventory

import (
	"bytes"
	"strconv"
	"time"
	"unicode/utf8"
)

// The byte-level scanner under decodeSweepPage: tags, names, text,
// entities, skipping, and the slabs the decoded values live in.

// scanError is why the scanner gave up, with the byte offset.
type scanError struct {
	off int
	msg string
}

func (e *scanError) Error() string {
	return "sweep decoder: " + e.msg + " at byte " + strconv.Itoa(e.off)
}

type token uint8

const (
	tokStart      token = iota // <name ...>
	tokStartEmpty              // <name .../>
	tokEnd                     // </name>
)

type sweepScanner struct {
	b   []byte
	i   int
	buf []byte // entity decoding scratch

	// intern shares the strings that repeat between clusters (node
	// types, statuses, role ARNs, tags) within one page.
	intern map[string]string
	// strs, i32s and bools are slabs the members' pointers point into,
	// one allocation for many members.
	strs  []string
	i32s  []int32
	bools []bool
	times []time.Time
}

func (s *sweepScanner) fail(msg string) error { return &scanError{off: s.i, msg: msg} }

func isNameStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
}

func isNameByte(c byte) bool {
	return isNameStart(c) || '0' <= c && c <= '9' || c == '.' || c == '-'
}

// plainText and nameByte are the bytes text and names hold without
// further checks. Both are built once and never changed.
var plainText, nameByte = byteTables()

func byteTables() (plain, name [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		plain[c] = c != '<' && c != '&' && c != '>'
		name[c] = isNameByte(byte(c))
	}
	plain['\t'], plain['\n'] = true, true
	return plain, name
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// isInCharacterRange is encoding/xml's test of a character XML allows.
func isInCharacterRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// xmlDecls are the XML declarations accepted before the root element;
// encoding/xml would refuse other encodings without a CharsetReader.
var xmlDecls = []string{
	`<?xml version="1.0" encoding="UTF-8"?>`,
	`<?xml version="1.0" encoding="utf-8"?>`,
	`<?xml version="1.0"?>`,
}

func (s *sweepScanner) spaces() {
	for s.i < len(s.b) && isSpace(s.b[s.i]) {
		s.i++
	}
}

// other skips an element the SDK's decoder skips at this place, unless
// its name matches one of the kept names in another letter case (the SDK
// matches case-insensitively): then the scanner gives up.
func (s *sweepScanner) other(tok token, name []byte, kept ...string) error {
	for _, k := range kept {
		if len(k) == len(name) && asciiEqualFold(k, name) {
			return s.fail("member name in another letter case")
		}
	}
	return s.skip(tok, name)
}

// asciiEqualFold is strings.EqualFold for an ASCII name (names with
// other bytes never reach it).
func asciiEqualFold(k string, name []byte) bool {
	for i := range len(name) {
		a, b := k[i], name[i]
		if a == b {
			continue
		}
		if la := a | 0x20; 'a' <= la && la <= 'z' && la == b|0x20 {
			continue
		}
		return false
	}
	return true
}

func (s *sweepScanner) closes(name, parent []byte) error {
	if string(name) != string(parent) {
		return s.fail("mismatched end tag")
	}
	return nil
}

// value reads the text of a simple element whose start tag was just read,
// and its end tag. The text must be all of the element: a child element,
// comment or CDATA section is an error, as in the SDK.
func (s *sweepScanner) value(tok token, name []byte, intern bool) (string, error) {
	if tok == tokStartEmpty {
		return "", nil
	}
	raw, ent, err := s.text()
	if err != nil {
		return "", err
	}
	if s.i+1 >= len(s.b) || s.b[s.i+1] != '/' {
		return "", s.fail("value expected")
	}
	tok, end, err := s.next()
	if err != nil {
		return "", err
	}
	if tok != tokEnd || string(end) != string(name) {
		return "", s.fail("mismatched end tag")
	}
	if ent {
		raw = s.unescape(raw)
	}
	if !intern {
		return string(raw), nil
	}
	if v, ok := s.intern[string(raw)]; ok {
		return v, nil
	}
	if s.intern == nil {
		s.intern = make(map[string]string, 64)
	}
	v := string(raw)
	s.intern[v] = v
	return v, nil
}

// skip reads past the element whose start tag was just read, checking
// what it holds as encoding/xml would.
func (s *sweepScanner) skip(tok token, name []byte) error {
	if tok == tokStartEmpty {
		return nil
	}
	if s.jump(name) {
		return nil
	}
	var stack [][]byte
	open := name
	for {
		if s.endsHere(open) {
			if len(stack) == 0 {
				return nil
			}
			open = stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			continue
		}
		tok, n, err := s.next()
		if err != nil {
			return err
		}
		switch tok {
		case tokStart:
			stack = append(stack, open)
			open = n
		case tokEnd:
			if string(n) != string(open) {
				return s.fail("mismatched end tag")
			}
			if len(stack) == 0 {
				return nil
			}
			open = stack[len(stack)-1]
			stack = stack[:len(stack)-1]
		}
	}
}

// jump skips an element the quick way when that is exact: to the first
// "</name>", provided that what lies before it holds no comment, CDATA
// section or processing instruction (so that every '<' there starts a
// tag, text and attribute values holding none) and no other element of
// the same name. Unlike the full skip it does not check the text and the
// nesting in between, so a malformed member the sweep drops is not
// noticed (as a malformed number there is not).
func (s *sweepScanner) jump(name []byte) bool {
	var nb [72]byte
	if len(name) > len(nb)-2 {
		return false
	}
	needle := append(append(nb[:0], '<', '/'), name...)
	rest := s.b[s.i:]
	off := 0
	for {
		k := bytes.Index(rest[off:], needle)
		if k < 0 {
			return false
		}
		k += off
		e := k + len(needle)
		if e < len(rest) && (rest[e] == '>' || isSpace(rest[e])) {
			inner := rest[:k]
			if bytes.Contains(inner, []byte("<!")) || bytes.Contains(inner, []byte("<?")) || opens(inner, needle[1:]) {
				return false
			}
			for e < len(rest) && isSpace(rest[e]) {
				e++
			}
			if e >= len(rest) || rest[e] != '>' {
				return false
			}
			s.i += e + 1
			return true
		}
		off = k + len(needle)
	}
}

// opens reports whether b holds a start tag of name; lt is "<name".
func opens(b, lt []byte) bool {
	lt[0] = '<'
	for {
		k := bytes.Index(b, lt)
		if k < 0 {
			return false
		}
		b = b[k+len(lt):]
		if len(b) == 0 || !nameByte[b[0]] && b[0] != ':' {
			return true
		}
	}
}

// endsHere reads "</name>" if it comes next, with no text before it.
func (s *sweepScanner) endsHere(name []byte) bool {
	j := s.i + 2 + len(name)
	if j >= len(s.b) || s.b[s.i] != '<' || s.b[s.i+1] != '/' || s.b[j] != '>' || string(s.b[s.i+2:j]) != string(name) {
		return false
	}
	s.i = j + 1
	return true
}

// next reads (and checks, then drops) any text, then one tag.
func (s *sweepScanner) next() (token, []byte, error) {
	if _, _, err := s.text(); err != nil {
		return 0, nil, err
	}
	if s.i >= len(s.b) {
		return 0, nil, s.fail("unexpected end of document")
	}
	// s.b[s.i] == '<'
	s.i++
	if s.i >= len(s.b) {
		return 0, nil, s.fail("unexpected end of document")
	}
	end := false
	switch s.b[s.i] {
	case '/':
		end = true
		s.i++
	case '!', '?':
		return 0, nil, s.fail("comment, CDATA or processing instruction")
	}
	name, err := s.name(false)
	if err != nil {
		return 0, nil, err
	}
	if end {
		s.spaces()
		if s.i >= len(s.b) || s.b[s.i] != '>' {
			return 0, nil, s.fail("bad end tag")
		}
		s.i++
		return tokEnd, name, nil
	}
	for {
		sp := s.i
		s.spaces()
		if s.i >= len(s.b) {
			return 0, nil, s.fail("unexpected end of document")
		}
		switch s.b[s.i] {
		case '>':
			s.i++
			return tokStart, name, nil
		case '/':
			if s.i+1 < len(s.b) && s.b[s.i+1] == '>' {
				s.i += 2
				return tokStartEmpty, name, nil
			}
			return 0, nil, s.fail("bad start tag")
		}
		if s.i == sp {
			return 0, nil, s.fail("space expected before attribute")
		}
		if err := s.attr(); err != nil {
			return 0, nil, err
		}
	}
}

// name reads an ASCII XML name; a colon (a namespace prefix) is allowed
// only in attribute names.
func (s *sweepScanner) name(colon bool) ([]byte, error) {
	st := s.i
	if s.i >= len(s.b) || !isNameStart(s.b[s.i]) {
		return nil, s.fail("bad name")
	}
	for s.i++; s.i < len(s.b); s.i++ {
		c := s.b[s.i]
		if nameByte[c] || colon && c == ':' {
			continue
		}
		if c >= 0x80 || c == ':' {
			return nil, s.fail("unsupported name")
		}
		break
	}
	return s.b[st:s.i], nil
}

// attr reads and drops one attribute (xmlns on the root); its value may
// hold no markup and no entity.
func (s *sweepScanner) attr() error {
	if _, err := s.name(true); err != nil {
		return err
	}
	s.spaces()
	if s.i >= len(s.b) || s.b[s.i] != '=' {
		return s.fail("bad attribute")
	}
	s.i++
	s.spaces()
	if s.i >= len(s.b) || s.b[s.i] != '"' && s.b[s.i] != '\'' {
		return s.fail("bad attribute")
	}
	q := s.b[s.i]
	for s.i++; s.i < len(s.b); {
		c := s.b[s.i]
		switch {
		case c == q:
			s.i++
			return nil
		case c == '<' || c == '&' || c < 0x20 && c != '\t' && c != '\n':
			return s.fail("unsupported attribute value")
		case c >= 0x80:
			r, n := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && n == 1 || !isInCharacterRange(r) {
				return s.fail("invalid character")
			}
			s.i += n
		default:
			s.i++
		}
	}
	return s.fail("unexpected end of document")
}

// text reads character data up to the next '<' (or the end), checking it
// as encoding/xml does. It returns the raw bytes and whether they hold
// entity references.
func (s *sweepScanner) text() ([]byte, bool, error) {
	st := s.i
	ent := false
	b := s.b
	for s.i < len(b) {
		// Plain characters in a run, the common case.
		for s.i < len(b) && plainText[b[s.i]] {
			s.i++
		}
		if s.i >= len(b) {
			break
		}
		c := b[s.i]
		switch {
		case c == '<':
			return b[st:s.i], ent, nil
		case c == '&':
			n, _, ok := entity(b[s.i:])
			if !ok {
				return nil, false, s.fail("invalid entity")
			}
			s.i += n
			ent = true
		case c == '>':
			if s.i-st >= 2 && b[s.i-1] == ']' && b[s.i-2] == ']' {
				return nil, false, s.fail("unescaped ]]>")
			}
			s.i++
		case c >= 0x20 && c < 0x80 || c == '\t' || c == '\n':
			s.i++
		case c >= 0x80:
			r, n := utf8.DecodeRune(b[s.i:])
			if r == utf8.RuneError && n == 1 || !isInCharacterRange(r) {
				return nil, false, s.fail("invalid character")
			}
			s.i += n
		default: // control characters; a raw \r, which XML rewrites
			return nil, false, s.fail("unsupported character")
		}
	}
	return b[st:s.i], ent, nil
}

// entity decodes the reference at the start of b ("&amp;", "&#38;",
// "&#x26;"), giving its length and rune.
func entity(b []byte) (int, rune, bool) {
	end := -1
	for j := 1; j < len(b) && j < 16; j++ {
		if b[j] == ';' {
			end = j
			break
		}
	}
	if end < 0 {
		return 0, 0, false
	}
	switch string(b[1:end]) {
	case "amp":
		return end + 1, '&', true
	case "lt":
		return end + 1, '<', true
	case "gt":
		return end + 1, '>', true
	case "apos":
		return end + 1, '\'', true
	case "quot":
		return end + 1, '"', true
	}
	if end < 3 || b[1] != '#' {
		return 0, 0, false
	}
	digits, base := b[2:end], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 {
		return 0, 0, false
	}
	for _, d := range digits {
		if !('0' <= d && d <= '9' || base == 16 && ('a' <= d && d <= 'f' || 'A' <= d && d <= 'F')) {
			return 0, 0, false
		}
	}
	n, err := strconv.ParseUint(string(digits), base, 64)
	if err != nil || n > utf8.MaxRune || !isInCharacterRange(rune(n)) {
		return 0, 0, false
	}
	return end + 1, rune(n), true
}

// unescape decodes the (already checked) entity references of raw into
// the scratch buffer.
func (s *sweepScanner) unescape(raw []byte) []byte {
	out := s.buf[:0]
	for i := 0; i < len(raw); {
		if raw[i] != '&' {
			out = append(out, raw[i])
			i++
			continue
		}
		n, r, _ := entity(raw[i:])
		out = utf8.AppendRune(out, r)
		i += n
	}
	s.buf = out
	return out
}

const slab = 256

func (s *sweepScanner) str(v string) *string {
	if len(s.strs) == 0 {
		s.strs = make([]string, slab)
	}
	p := &s.strs[0]
	*p = v
	s.strs = s.strs[1:]
	return p
}

func (s *sweepScanner) int32(v int32) *int32 {
	if len(s.i32s) == 0 {
		s.i32s = make([]int32, slab)
	}
	p := &s.i32s[0]
	*p = v
	s.i32s = s.i32s[1:]
	return p
}

func (s *sweepScanner) bool(v bool) *bool {
	if len(s.bools) == 0 {
		s.bools = make([]bool, slab)
	}
	p := &s.bools[0]
	*p = v
	s.bools = s.bools[1:]
	return p
}

func (s *sweepScanner) time(v time.Time) *time.Time {
	if len(s.times) == 0 {
		s.times = make([]time.Time, slab/2)
	}
	p := &s.times[0]
	*p = v
	s.times = s.times[1:]
	return p
}
