package cloudtrail

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// This file is a small validating JSON scanner over an in-memory buffer. It
// never decodes: it only finds where a value ends, so that records can be
// handed on as the exact bytes of the file (Elastic's aws-s3 input also keeps
// each record as a json.RawMessage). It checks the full JSON grammar (RFC 8259)
// so that a broken record is reported at the right place instead of reaching
// the mapper; it does not check UTF-8.

// maxDepth bounds nesting, as encoding/json does (10000), so that hostile input
// cannot make the scanner's stack grow without bound.
const maxDepth = 10000

// syntaxError is invalid JSON at byte off of the buffer being scanned.
type syntaxError struct {
	off   int
	msg   string
	eof   bool // the buffer ended inside the value (more input could complete it)
	limit bool // valid JSON, perhaps, but nested deeper than allowed
}

func (e *syntaxError) Error() string { return e.msg }

// what words the error for a Problem reason.
func (e *syntaxError) what() string {
	if e.limit {
		return e.msg
	}
	return "invalid JSON: " + e.msg
}

func errAt(off int, format string, args ...any) *syntaxError {
	return &syntaxError{off: off, msg: fmt.Sprintf(format, args...)}
}

func errEOF(off int) *syntaxError {
	return &syntaxError{off: off, msg: "unexpected end of input", eof: true}
}

// plainStringByte reports the bytes that may appear unescaped inside a JSON
// string without ending it: everything but '"', '\\' and control characters.
var plainStringByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// skipWS returns the offset of the first non-whitespace byte at or after i.
func skipWS(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// plainKeyByte reports the bytes of a key that can be compared as raw
// bytes: printable ASCII but '"' and '\\'.
var plainKeyByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// Masks for finding bytes in a 64-bit word (SWAR): a byte of x is zero where
// (x - ones) & ^x & highs has its high bit set; bits above the lowest true
// match may be false positives, so only the lowest set bit is used.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plainRun returns the offset of the first byte at or after j that ends a
// run of plain string bytes: '"', '\\' or a control character. Eight bytes
// are tested at a time; CloudTrail strings (ARNs, user agents, parameters)
// are mostly longer than that.
func plainRun(b []byte, j int) int {
	for ; j+8 <= len(b); j += 8 {
		x := binary.LittleEndian.Uint64(b[j:])
		q := x ^ ('"' * ones)
		s := x ^ ('\\' * ones)
		m := ((q - ones) &^ q) | ((s - ones) &^ s) | ((x - 0x20*ones) &^ x)
		if m &= highs; m != 0 {
			return j + bits.TrailingZeros64(m)/8
		}
	}
	for j < len(b) && plainStringByte[b[j]] {
		j++
	}
	return j
}

// scanString returns the offset just after the string that starts at b[i] == '"'.
func scanString(b []byte, i int) (int, *syntaxError) {
	return scanStringFrom(b, i+1)
}

// scanStringFrom is scanString with the bytes b[i+1:j] known to be plain.
func scanStringFrom(b []byte, j int) (int, *syntaxError) {
	for {
		j = plainRun(b, j)
		if j >= len(b) {
			return j, errEOF(j)
		}
		switch c := b[j]; c {
		case '"':
			return j + 1, nil
		case '\\':
			if j+1 >= len(b) {
				return j + 1, errEOF(j + 1)
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				for k := j + 2; k < j+6; k++ {
					if k >= len(b) {
						return k, errEOF(k)
					}
					if !isHex(b[k]) {
						return k, errAt(k, "invalid character %s in \\u escape", quoteByte(b[k]))
					}
				}
				j += 6
			default:
				return j + 1, errAt(j+1, "invalid escape character %s in string", quoteByte(b[j+1]))
			}
		default:
			return j, errAt(j, "invalid control character %s in string", quoteByte(c))
		}
	}
}

// scanNumber returns the offset just after the number that starts at b[i].
func scanNumber(b []byte, i int) (int, *syntaxError) {
	j := i
	if b[j] == '-' {
		j++
	}
	digits := func(what string) *syntaxError {
		if j >= len(b) {
			return errEOF(j)
		}
		if !isDigit(b[j]) {
			return errAt(j, "invalid character %s in %s of number", quoteByte(b[j]), what)
		}
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		return nil
	}
	if j < len(b) && b[j] == '0' {
		j++
	} else if err := digits("integer part"); err != nil {
		return j, err
	}
	if j < len(b) && b[j] == '.' {
		j++
		if err := digits("fraction"); err != nil {
			return j, err
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if err := digits("exponent"); err != nil {
			return j, err
		}
	}
	return j, nil
}

// scanLiteral returns the offset just after the literal lit expected at b[i].
func scanLiteral(b []byte, i int, lit string) (int, *syntaxError) {
	for k := 0; k < len(lit); k++ {
		if i+k >= len(b) {
			return i + k, errEOF(i + k)
		}
		if b[i+k] != lit[k] {
			return i + k, errAt(i+k, "invalid character %s in literal %s", quoteByte(b[i+k]), lit)
		}
	}
	return i + len(lit), nil
}

// scanKey reads an object key and the colon after it, starting at or after i
// (leading whitespace allowed). It returns the offsets of the key's opening
// quote and closing quote + 1, and the offset after the colon.
// plain reports that the key holds only bytes of plainKeyByte.
func scanKey(b []byte, i int) (ks, ke, next int, plain bool, err *syntaxError) {
	ks = skipWS(b, i)
	if ks >= len(b) {
		return ks, ks, ks, false, errEOF(ks)
	}
	if b[ks] != '"' {
		return ks, ks, ks, false, errAt(ks, "invalid character %s looking for beginning of object key string", quoteByte(b[ks]))
	}
	// Keys are short: a byte loop beats plainRun, and it tells plain keys.
	ke = ks + 1
	for ke < len(b) && plainKeyByte[b[ke]] {
		ke++
	}
	if plain = ke < len(b) && b[ke] == '"'; plain {
		ke++
	} else if ke, err = scanStringFrom(b, ke); err != nil {
		return ks, ke, ke, false, err
	}
	next = skipWS(b, ke)
	if next >= len(b) {
		return ks, ke, next, false, errEOF(next)
	}
	if b[next] != ':' {
		return ks, ke, next, false, errAt(next, "invalid character %s after object key", quoteByte(b[next]))
	}
	return ks, ke, next + 1, plain, nil
}

// skipValue returns the offset just after the JSON value that starts at or
// after b[i] (leading whitespace allowed), or where and why it is invalid.
// It is iterative: nesting costs one byte of stack per level, not a call frame.
func skipValue(b []byte, i int) (int, *syntaxError) {
	return skipValueDepth(b, i, maxDepth, 0, nil)
}

// skipValueDepth is skipValue allowing at most depth levels of nesting in
// all, of which outer are already open around b[i] (a record's members are
// scanned with outer 1). Exceeding depth is an error with limit set.
// rc, when not nil, is told of every key and value (see recordCheck).
func skipValueDepth(b []byte, i, depth, outer int, rc *recordCheck) (int, *syntaxError) {
	depth = min(depth, maxDepth)
	limit := depth - outer
	var stackBuf [64]byte
	stack := stackBuf[:0] // '{' or '[' per open container
	var err *syntaxError
value:
	for {
		i = skipWS(b, i)
		if i >= len(b) {
			return i, errEOF(i)
		}
		switch c := b[i]; c {
		case '{', '[':
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			if len(stack) >= limit {
				if depth == maxDepth {
					return i, errAt(i, "exceeded max depth of %d", maxDepth)
				}
				return i, &syntaxError{off: i, limit: true,
					msg: fmt.Sprintf("nested deeper than %d levels, the maximum depth (--max-depth)", depth)}
			}
			i = skipWS(b, i+1)
			if i < len(b) && b[i] == closer {
				i++
				if rc != nil {
					rc.scalar()
				}
				break
			}
			stack = append(stack, c)
			if rc != nil {
				rc.open()
			}
			if c == '{' {
				var ks, ke int
				var plain bool
				if ks, ke, i, plain, err = scanKey(b, i); err != nil {
					return i, err
				}
				if rc != nil {
					rc.key(b, ks, ke, plain)
				}
			}
			continue value
		case '"':
			s := i
			if i, err = scanString(b, i); err != nil {
				return i, err
			}
			if rc != nil {
				rc.str(b, s, i)
			}
			// A string is the most common value: skip the scalar case.
			goto closed
		case 't':
			if i, err = scanLiteral(b, i, "true"); err != nil {
				return i, err
			}
		case 'f':
			if i, err = scanLiteral(b, i, "false"); err != nil {
				return i, err
			}
		case 'n':
			if i, err = scanLiteral(b, i, "null"); err != nil {
				return i, err
			}
		default:
			if c != '-' && !isDigit(c) {
				return i, errAt(i, "invalid character %s looking for beginning of value", quoteByte(c))
			}
			if i, err = scanNumber(b, i); err != nil {
				return i, err
			}
		}
		if rc != nil {
			rc.scalar()
		}
	closed:
		// A value is complete: close containers or move to the next element.
		for {
			if len(stack) == 0 {
				return i, nil
			}
			i = skipWS(b, i)
			if i >= len(b) {
				return i, errEOF(i)
			}
			top := stack[len(stack)-1]
			switch c := b[i]; {
			case c == ',':
				i++
				if top == '{' {
					var ks, ke int
					var plain bool
					if ks, ke, i, plain, err = scanKey(b, i); err != nil {
						return i, err
					}
					if rc != nil {
						rc.key(b, ks, ke, plain)
					}
				}
				continue value
			case top == '{' && c == '}', top == '[' && c == ']':
				stack = stack[:len(stack)-1]
				if rc != nil {
					rc.close()
				}
				i++
			case top == '{':
				return i, errAt(i, "invalid character %s after object key:value pair", quoteByte(c))
			default:
				return i, errAt(i, "invalid character %s after array element", quoteByte(c))
			}
		}
	}
}

// quoteByte renders a byte for an error message, like encoding/json does.
func quoteByte(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("'\\x%02x'", c)
	}
	return "'" + string(rune(c)) + "'"
}
