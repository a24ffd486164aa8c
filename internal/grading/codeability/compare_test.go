package codeability

import (
	"encoding/json"
	"math"
	"math/big"
	"strings"
	"testing"
)

func i(n int64) Value {
	return Value{Kind: KindInt, Type: "int", Int: big.NewInt(n), Text: big.NewInt(n).String()}
}
func f(x float64) Value { return floatValue(x) }
func s(x string) Value  { return strValue(x) }
func b(x bool) Value    { return boolValue(x) }
func none() Value       { return Value{Kind: KindNone, Type: "NoneType", Text: "None"} }
func seq(k Kind, items ...Value) Value {
	return Value{Kind: k, Type: string(k), Items: items, Text: string(k)}
}
func arr(shape []int, dtype string, items ...float64) Value {
	v := Value{Kind: KindNDArray, Type: "ndarray", DType: dtype, Shape: shape}
	for _, x := range items {
		v.Items = append(v.Items, f(x))
	}
	return v
}
func npScalar(typ string, x float64) Value {
	return Value{Kind: KindNumpyScalar, Type: typ, Float: x, Items: []Value{f(x)}, Text: pyFloat(x)}
}
func dict(kv ...Value) Value {
	v := Value{Kind: KindDict, Type: "dict"}
	for j := 0; j+1 < len(kv); j += 2 {
		v.Keys = append(v.Keys, kv[j])
		v.Items = append(v.Items, kv[j+1])
	}
	return v
}

// The cases follow catester's test_class.py (type, then len/shape, then
// value with pytest.approx or numpy.testing.assert_allclose) and the
// defaults of computor-types.
func TestVerifyEqual(t *testing.T) {
	def := Test{TypeCheck: true, ShapeCheck: true, RelativeTolerance: RelativeToleranceDefault, AbsoluteTolerance: AbsoluteToleranceDefault}
	loose := def
	loose.TypeCheck, loose.ShapeCheck = false, false
	tight := def
	tight.RelativeTolerance, tight.AbsoluteTolerance = 1e-12, 0
	rel := def
	rel.RelativeTolerance, rel.AbsoluteTolerance = 0.01, 0
	inf, nan := math.Inf(1), math.NaN()
	for _, tc := range []struct {
		name      string
		got, want Value
		t         Test
		ok        bool
		msg       string
	}{
		{"equal ints", i(3), i(3), def, true, ""},
		{"big ints", Value{Kind: KindInt, Type: "int", Int: new(big.Int).Lsh(big.NewInt(1), 100)}, Value{Kind: KindInt, Type: "int", Int: new(big.Int).Lsh(big.NewInt(1), 100)}, tight, true, ""},
		{"int is not float (typeCheck)", i(3), f(3), def, false, "incorrect type, expected: float, obtained: int"},
		{"int equals float without typeCheck", i(3), f(3), loose, true, ""},
		{"float within absoluteTolerance", f(1.00005), f(1), def, true, ""},
		{"float outside absoluteTolerance", f(1.001), f(1), def, false, "incorrect value (obtained `1.001`)"},
		{"relative tolerance scales", f(1010), f(1000), rel, true, ""},
		{"relative tolerance exceeded", f(1011), f(1000), rel, false, "incorrect value"},
		{"tolerance is the larger of the two", f(1.5), f(1000), Test{RelativeTolerance: 0.001, AbsoluteTolerance: 0.1, TypeCheck: true}, false, "incorrect value"},
		{"abs tolerance wins near zero", f(0.05), f(0), Test{RelativeTolerance: 0.001, AbsoluteTolerance: 0.1, TypeCheck: true}, true, ""},
		{"nan is not nan (pytest.approx)", f(nan), f(nan), def, false, "incorrect value"},
		{"inf equals inf", f(inf), f(inf), def, true, ""},
		{"inf is not a big number", f(1e308), f(inf), def, false, "incorrect value"},
		{"bool exact", b(true), b(true), def, true, ""},
		{"bool differs", b(false), b(true), def, false, "incorrect value"},
		{"bool is not int", b(true), i(1), def, false, "incorrect type"},
		{"None", none(), none(), def, true, ""},
		{"None is not 0", none(), i(0), loose, false, "incorrect value"},
		{"strings exact", s("abc"), s("abc"), def, true, ""},
		{"strings differ", s("abd"), s("abc"), def, false, "incorrect value"},
		{"string len checked first", s("ab"), s("abc"), def, false, "incorrect len, expected: 3, obtained: 2"},
		{"list approx per element", seq(KindList, f(1.00001), i(2)), seq(KindList, f(1), i(2)), def, true, ""},
		{"nested list approx", seq(KindList, seq(KindList, f(1.00001))), seq(KindList, seq(KindList, f(1))), def, true, ""},
		{"list len", seq(KindList, i(1)), seq(KindList, i(1), i(2)), def, false, "incorrect len, expected: 2, obtained: 1"},
		{"list is not tuple", seq(KindList, i(1)), seq(KindTuple, i(1)), def, false, "incorrect type, expected: tuple, obtained: list"},
		{"list and tuple without typeCheck", seq(KindList, i(1)), seq(KindTuple, i(1)), loose, true, ""},
		{"set ignores order", seq(KindSet, i(1), i(2)), seq(KindSet, i(2), i(1)), def, true, ""},
		{"set exact, no tolerance", seq(KindSet, f(1.00001)), seq(KindSet, f(1)), def, false, "incorrect value"},
		{"dict ignores key order", dict(s("a"), i(1), s("b"), f(2)), dict(s("b"), f(2.00001), s("a"), i(1)), def, true, ""},
		{"dict missing key", dict(s("a"), i(1), s("c"), i(2)), dict(s("a"), i(1), s("b"), i(2)), def, false, "incorrect value"},
		{"dict len", dict(s("a"), i(1)), dict(s("a"), i(1), s("b"), i(2)), def, false, "incorrect len"},
		{"array allclose", arr([]int{2}, "float64", 1, 2.00001), arr([]int{2}, "float64", 1, 2), def, true, ""},
		{"array nan equals nan (assert_allclose)", arr([]int{1}, "float64", nan), arr([]int{1}, "float64", nan), def, true, ""},
		{"array rtol+atol", arr([]int{1}, "float64", 1000.5), arr([]int{1}, "float64", 1000), Test{TypeCheck: true, ShapeCheck: true, RelativeTolerance: 0.0004, AbsoluteTolerance: 0.1}, true, ""},
		{"array value differs", arr([]int{1}, "float64", 3), arr([]int{1}, "float64", 2), def, false, "incorrect value"},
		{"array shape (shapeCheck)", arr([]int{2, 1}, "float64", 1, 2), arr([]int{1, 2}, "float64", 1, 2), def, false, "incorrect shape, expected: (1, 2), obtained: (2, 1)"},
		{"array shape ignored without shapeCheck", arr([]int{2, 1}, "float64", 1, 2), arr([]int{1, 2}, "float64", 1, 2), loose, true, ""},
		{"numpy scalar type", npScalar("numpy.float64", 1), f(1), def, false, "incorrect type, expected: float, obtained: numpy.float64"},
		{"numpy scalar value", npScalar("numpy.float64", 1.00001), npScalar("numpy.float64", 1), def, true, ""},
		{"complex", Value{Kind: KindComplex, Type: "complex", Float: 1, Imag: 2}, Value{Kind: KindComplex, Type: "complex", Float: 1, Imag: 2.00001}, def, true, ""},
		{"other by str", Value{Kind: KindOther, Type: "fractions.Fraction", Text: "1/3"}, Value{Kind: KindOther, Type: "fractions.Fraction", Text: "1/3"}, def, true, ""},
		{"other differs", Value{Kind: KindOther, Type: "fractions.Fraction", Text: "1/2"}, Value{Kind: KindOther, Type: "fractions.Fraction", Text: "1/3"}, def, false, "incorrect value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, msg := verifyEqual("x", tc.got, tc.want, &tc.t)
			if ok != tc.ok || !strings.Contains(msg, tc.msg) {
				t.Errorf("verifyEqual = %v %q, want %v containing %q", ok, msg, tc.ok, tc.msg)
			}
		})
	}
}

// String qualifications apply to str() of the student's value, as
// catester does: matches is ==, contains is find, count is str.count
// (with countRequirement, else allowedOccuranceRange), regexp is re.match
// (anchored at the start only).
func TestQualify(t *testing.T) {
	two := 2
	for _, tc := range []struct {
		name string
		val  Value
		t    Test
		msg  string // "" passes
	}{
		{"matches", s("abc"), Test{Qualification: Matches, Pattern: "abc"}, ""},
		{"matches is whole", s("abcd"), Test{Qualification: Matches, Pattern: "abc"}, "does not match the specified pattern `abc`"},
		{"matches str of a number", i(42), Test{Qualification: Matches, Pattern: "42"}, ""},
		{"contains", s("xabcx"), Test{Qualification: Contains, Pattern: "abc"}, ""},
		{"contains fails", s("xabx"), Test{Qualification: Contains, Pattern: "abc"}, "does not contain"},
		{"startsWith", s("abc"), Test{Qualification: StartsWith, Pattern: "ab"}, ""},
		{"startsWith fails", s("cab"), Test{Qualification: StartsWith, Pattern: "ab"}, "does not start with"},
		{"endsWith", s("abc"), Test{Qualification: EndsWith, Pattern: "bc"}, ""},
		{"endsWith fails", s("bca"), Test{Qualification: EndsWith, Pattern: "bc"}, "does not end with"},
		{"count exact", s("a-a-a"), Test{Qualification: Count, Pattern: "a", CountRequirement: &two}, "3 times, expected 2"},
		{"count exact ok", s("a-a"), Test{Qualification: Count, Pattern: "a", CountRequirement: &two}, ""},
		{"count non-overlapping", s("aaaa"), Test{Qualification: Count, Pattern: "aa", CountRequirement: &two}, ""},
		{"count in range", s("a-a-a"), Test{Qualification: Count, Pattern: "a", AllowedRange: [2]int{1, 3}}, ""},
		{"count above range", s("a-a-a"), Test{Qualification: Count, Pattern: "a", AllowedRange: [2]int{1, 2}}, "3 times, allowed: 1 to 2"},
		{"regexp match at start", s("mean = 2.5\n"), Test{Qualification: Regexp, Pattern: `mean = \d`}, ""},
		{"regexp not searched", s("the mean = 2"), Test{Qualification: Regexp, Pattern: `mean`}, "does not match the regular expression"},
		{"regexp need not match to the end", s("abc"), Test{Qualification: Regexp, Pattern: `a`}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := qualify("Variable `x`", tc.val, &tc.t)
			if (tc.msg == "") != (msg == "") || !strings.Contains(msg, tc.msg) {
				t.Errorf("qualify = %q, want %q", msg, tc.msg)
			}
		})
	}
}

func TestCountInRange(t *testing.T) {
	for _, tc := range []struct {
		n   int
		r   [2]int
		msg string
	}{
		{0, [2]int{0, 0}, ""},
		{1, [2]int{0, 0}, "found 1 times, maximum allowed: 0"},
		{0, [2]int{1, 3}, "found 0 times, minimum required: 1"},
		{3, [2]int{1, 3}, ""},
	} {
		if msg := countInRange("for", tc.n, tc.r); (tc.msg == "") != (msg == "") || !strings.Contains(msg, tc.msg) {
			t.Errorf("countInRange(%d, %v) = %q, want %q", tc.n, tc.r, msg, tc.msg)
		}
	}
}

func TestDecodeValueRejectsMalformed(t *testing.T) {
	for _, raw := range []string{
		`{"t":"int","v":"12a"}`,
		`{"t":"float","v":"NaNx"}`,
		`{"t":"ndarray","shape":[2],"items":[{"t":"int","v":"1"}]}`,
		`{"t":"ndarray","shape":[-1],"items":[]}`,
		`{"t":"dict","keys":[],"items":[{"t":"int","v":"1"}]}`,
		`{"t":"weird"}`,
		strings.Repeat(`{"t":"list","items":[`, 100) + `{"t":"NoneType"}` + strings.Repeat(`]}`, 100),
	} {
		if _, err := decodeValue(json.RawMessage(raw), 0); err == nil {
			t.Errorf("decodeValue(%.60s) accepted", raw)
		}
	}
	v, err := decodeValue(json.RawMessage(`{"t":"float","v":"-inf","s":"-inf"}`), 0)
	if err != nil || !math.IsInf(v.Float, -1) {
		t.Errorf("-inf: %+v %v", v, err)
	}
}

func FuzzDecodeValue(f *testing.F) {
	f.Add([]byte(`{"t":"dict","keys":[{"t":"str","v":"a","s":"a"}],"items":[{"t":"float","v":"nan","s":"nan"}],"s":"{}"}`))
	f.Add([]byte(`{"t":"ndarray","dtype":"int64","shape":[1,1],"items":[{"t":"int","v":"1"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeValue(b, 0)
		if err != nil {
			return
		}
		// Whatever decodes can be compared without a panic.
		tt := Test{TypeCheck: true, ShapeCheck: true, RelativeTolerance: 1e-9, AbsoluteTolerance: 1e-9}
		verifyEqual("x", v, v, &tt)
		tt.Qualification, tt.Pattern = Count, "a"
		qualify("x", v, &tt)
	})
}
