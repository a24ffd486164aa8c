package codeability

import (
	"fmt"
	"math"
	"math/big"
	"strings"
)

// abbrevMax bounds a value quoted in a message.
const abbrevMax = 80

// verifyEqual compares the student's value with the expected one as the
// published engine (catester's test_class.py) does, in order:
//
//   - typeCheck: the Python types must be the same (an int is not a
//     float; a list is not a tuple; numpy.float64 is not float);
//   - shapeCheck: str, bytes, list, tuple, range, dict, set and frozenset
//     must have the same len(), numpy arrays the same shape;
//   - the value: str, bytes, set and frozenset exactly; numpy arrays as
//     numpy.testing.assert_allclose (|a-b| <= atol + rtol*|b| for every
//     element, NaN equal to NaN); everything else as pytest.approx
//     (|a-b| <= max(rtol*|b|, atol) for numbers, NaN never equal, inf
//     only to itself), which we apply to nested lists, tuples and dict
//     values too, where pytest.approx stops at one level.
//
// The message names what differs but never quotes the expected value,
// which may come from the reference solution.
func verifyEqual(name string, got, want Value, t *Test) (bool, string) {
	if t.TypeCheck && got.Type != want.Type {
		return false, fmt.Sprintf("Variable `%s` has incorrect type, expected: %s, obtained: %s", name, want.Type, got.Type)
	}
	if t.ShapeCheck {
		if ok, msg := sameShape(got, want); !ok {
			return false, fmt.Sprintf("Variable `%s` has incorrect %s", name, msg)
		}
	}
	if !approxEqual(got, want, t.RelativeTolerance, t.AbsoluteTolerance, 0) {
		return false, fmt.Sprintf("Variable `%s` has incorrect value (obtained `%s`)", name, abbrev(got.Text))
	}
	return true, ""
}

// sized are the kinds whose len() the shape check compares.
func sized(k Kind) bool {
	switch k {
	case KindStr, KindBytes, KindList, KindTuple, KindRange, KindDict, KindSet, KindFrozenset:
		return true
	}
	return false
}

func length(v Value) int {
	if v.Kind == KindStr {
		return len([]rune(v.Str))
	}
	if v.Kind == KindBytes {
		return len([]rune(v.Str)) // latin-1: one rune per byte
	}
	return len(v.Items)
}

func sameShape(got, want Value) (bool, string) {
	switch {
	case sized(got.Kind):
		if !sized(want.Kind) {
			return false, "len: the expected value has none"
		}
		if length(got) != length(want) {
			return false, fmt.Sprintf("len, expected: %d, obtained: %d", length(want), length(got))
		}
	case got.Kind == KindNDArray:
		if want.Kind != KindNDArray || !equalInts(got.Shape, want.Shape) {
			return false, fmt.Sprintf("shape, expected: %s, obtained: %s", shapeText(want), shapeText(got))
		}
	}
	return true, ""
}

func shapeText(v Value) string {
	if v.Kind != KindNDArray {
		return "none"
	}
	parts := make([]string, len(v.Shape))
	for i, d := range v.Shape {
		parts[i] = fmt.Sprint(d)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// numeric reports whether v is a number (bool included, as in Python).
func numeric(v Value) bool {
	switch v.Kind {
	case KindInt, KindFloat, KindBool, KindComplex:
		return true
	case KindNumpyScalar:
		return len(v.Items) == 1 && numeric(v.Items[0])
	}
	return false
}

// scalar is a number's value: its real and imaginary parts.
func scalar(v Value) (re, im float64) {
	if v.Kind == KindNumpyScalar && len(v.Items) == 1 {
		return scalar(v.Items[0])
	}
	switch v.Kind {
	case KindInt:
		f, _ := new(big.Float).SetInt(v.Int).Float64()
		return f, 0
	case KindBool:
		if v.Bool {
			return 1, 0
		}
		return 0, 0
	case KindComplex:
		return v.Float, v.Imag
	}
	return v.Float, 0
}

func exactInt(v Value) *big.Int {
	if v.Kind == KindNumpyScalar && len(v.Items) == 1 {
		return exactInt(v.Items[0])
	}
	if v.Kind == KindInt {
		return v.Int
	}
	return nil
}

// approxNumber is pytest.approx for one number: equal, or within
// max(rel*|want|, abs); NaN is never equal, an infinity only to itself.
func approxNumber(got, want Value, rel, abs float64) bool {
	if gi, wi := exactInt(got), exactInt(want); gi != nil && wi != nil && gi.Cmp(wi) == 0 {
		return true
	}
	gr, gim := scalar(got)
	wr, wim := scalar(want)
	if gr == wr && gim == wim {
		return true
	}
	if math.IsNaN(gr) || math.IsNaN(wr) || math.IsNaN(gim) || math.IsNaN(wim) ||
		math.IsInf(gr, 0) || math.IsInf(wr, 0) || math.IsInf(gim, 0) || math.IsInf(wim, 0) {
		return false
	}
	tol := max(rel*math.Hypot(wr, wim), abs)
	return math.Hypot(gr-wr, gim-wim) <= tol
}

// allclose is numpy.testing.assert_allclose for one element:
// |got-want| <= abs + rel*|want|, with NaN equal to NaN.
func allclose(got, want Value, rel, abs float64) bool {
	if !numeric(got) || !numeric(want) {
		return exactEqual(got, want)
	}
	gr, gim := scalar(got)
	wr, wim := scalar(want)
	if math.IsNaN(gr) || math.IsNaN(wr) {
		return math.IsNaN(gr) && math.IsNaN(wr)
	}
	if gr == wr && gim == wim {
		return true
	}
	if math.IsInf(gr, 0) || math.IsInf(wr, 0) {
		return false
	}
	return math.Hypot(gr-wr, gim-wim) <= abs+rel*math.Hypot(wr, wim)
}

func approxEqual(got, want Value, rel, abs float64, depth int) bool {
	if depth > valueDepthMax {
		return false
	}
	switch {
	case got.Kind == KindStr || got.Kind == KindBytes || got.Kind == KindSet || got.Kind == KindFrozenset:
		return exactEqual(got, want)
	case got.Kind == KindNDArray:
		if want.Kind != KindNDArray || len(got.Items) != len(want.Items) {
			return false
		}
		for i := range got.Items {
			if !allclose(got.Items[i], want.Items[i], rel, abs) {
				return false
			}
		}
		return true
	case got.Kind == KindBool && want.Kind == KindBool:
		return got.Bool == want.Bool
	case numeric(got) && numeric(want):
		return approxNumber(got, want, rel, abs)
	case got.Kind == KindNone || want.Kind == KindNone:
		return got.Kind == want.Kind
	case sequence(got.Kind) && sequence(want.Kind):
		if len(got.Items) != len(want.Items) {
			return false
		}
		for i := range got.Items {
			if !approxEqual(got.Items[i], want.Items[i], rel, abs, depth+1) {
				return false
			}
		}
		return true
	case got.Kind == KindDict && want.Kind == KindDict:
		if len(got.Keys) != len(want.Keys) {
			return false
		}
		for i, k := range want.Keys {
			j := indexOfKey(got.Keys, k)
			if j < 0 || !approxEqual(got.Items[j], want.Items[i], rel, abs, depth+1) {
				return false
			}
		}
		return true
	}
	return exactEqual(got, want)
}

func sequence(k Kind) bool { return k == KindList || k == KindTuple || k == KindRange }

func indexOfKey(keys []Value, k Value) int {
	for i, x := range keys {
		if exactEqual(x, k) {
			return i
		}
	}
	return -1
}

// exactEqual is Python's == for the values the harness encodes: numbers
// compare by value across int, float and bool (1 == 1.0 == True), NaN
// equals nothing, sets ignore order, and values the harness could not
// encode compare by their str().
func exactEqual(a, b Value) bool {
	switch {
	case numeric(a) && numeric(b):
		if ai, bi := exactInt(a), exactInt(b); ai != nil && bi != nil {
			return ai.Cmp(bi) == 0
		}
		ar, aim := scalar(a)
		br, bim := scalar(b)
		return ar == br && aim == bim
	case a.Kind == KindStr && b.Kind == KindStr, a.Kind == KindBytes && b.Kind == KindBytes:
		return a.Str == b.Str
	case a.Kind == KindNone || b.Kind == KindNone:
		return a.Kind == b.Kind
	case (a.Kind == KindSet || a.Kind == KindFrozenset) && (b.Kind == KindSet || b.Kind == KindFrozenset):
		return sameSet(a.Items, b.Items)
	case sequence(a.Kind) && a.Kind == b.Kind, a.Kind == KindNDArray && b.Kind == KindNDArray:
		if len(a.Items) != len(b.Items) || !equalInts(a.Shape, b.Shape) {
			return false
		}
		for i := range a.Items {
			if !exactEqual(a.Items[i], b.Items[i]) {
				return false
			}
		}
		return true
	case a.Kind == KindDict && b.Kind == KindDict:
		if len(a.Keys) != len(b.Keys) {
			return false
		}
		for i, k := range b.Keys {
			j := indexOfKey(a.Keys, k)
			if j < 0 || !exactEqual(a.Items[j], b.Items[i]) {
				return false
			}
		}
		return true
	case a.Kind == KindOther && b.Kind == KindOther:
		return a.Type == b.Type && a.Text == b.Text
	}
	return false
}

func sameSet(a, b []Value) bool {
	if len(a) != len(b) {
		return false
	}
	used := make([]bool, len(b))
	for _, x := range a {
		found := false
		for j, y := range b {
			if !used[j] && exactEqual(x, y) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// qualify applies a string qualification to str() of the student's value,
// as the published engine does. It returns "" when the test passes, else
// why not.
func qualify(what string, got Value, t *Test) string {
	s := got.Text
	switch t.Qualification {
	case Matches:
		if s != t.Pattern {
			return fmt.Sprintf("%s does not match the specified pattern `%s`", what, abbrev(t.Pattern))
		}
	case Contains:
		if !strings.Contains(s, t.Pattern) {
			return fmt.Sprintf("%s does not contain the specified pattern `%s`", what, abbrev(t.Pattern))
		}
	case StartsWith:
		if !strings.HasPrefix(s, t.Pattern) {
			return fmt.Sprintf("%s does not start with the specified pattern `%s`", what, abbrev(t.Pattern))
		}
	case EndsWith:
		if !strings.HasSuffix(s, t.Pattern) {
			return fmt.Sprintf("%s does not end with the specified pattern `%s`", what, abbrev(t.Pattern))
		}
	case Count:
		n := strings.Count(s, t.Pattern)
		if t.CountRequirement != nil {
			if n != *t.CountRequirement {
				return fmt.Sprintf("%s contains the specified pattern `%s` %d times, expected %d", what, abbrev(t.Pattern), n, *t.CountRequirement)
			}
			return ""
		}
		if lo, hi := t.AllowedRange[0], t.AllowedRange[1]; n < lo || n > hi {
			return fmt.Sprintf("%s contains the specified pattern `%s` %d times, allowed: %d to %d", what, abbrev(t.Pattern), n, lo, hi)
		}
	case Regexp:
		re, err := compilePattern(t.Pattern)
		if err != nil {
			return "invalid test: " + err.Error()
		}
		if !re.MatchString(s) {
			return fmt.Sprintf("%s does not match the regular expression `%s`", what, abbrev(t.Pattern))
		}
	default:
		return fmt.Sprintf("invalid test: qualification %q", t.Qualification)
	}
	return ""
}

// countInRange is a structural test: the name must occur within
// allowedOccuranceRange, inclusive.
func countInRange(name string, n int, r [2]int) string {
	switch {
	case n < r[0]:
		return fmt.Sprintf("`%s` found %d times, minimum required: %d", name, n, r[0])
	case n > r[1]:
		return fmt.Sprintf("`%s` found %d times, maximum allowed: %d", name, n, r[1])
	}
	return ""
}

func abbrev(s string) string {
	s = strings.ReplaceAll(s, "\n", `\n`)
	if r := []rune(s); len(r) > abbrevMax {
		return string(r[:abbrevMax-1]) + "…"
	}
	return s
}
