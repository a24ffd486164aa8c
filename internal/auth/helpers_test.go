package auth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/golang-jwt/jwt/v5"
)

// testKeyPEM is a fixed P-256 key, so that fuzz corpora stay meaningful
// from run to run.
const testKeyPEM = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjfM7YGz2kS1jki9+
X7ROuIbyjgLTRkRu+D4L6cIae6ChRANCAATQgcat0Pz3dPNCeQBwYZViYODWEJ29
WH1vOkIUXIWpkj4CWN9hOdYpMMVXWz0Dqlno/JAwlDrkeSutFdA1r/15
-----END PRIVATE KEY-----
`

// testKey is Computor's own signing key in tests.
var testKey = func() *SigningKey {
	k, err := ParseSigningKey([]byte(testKeyPEM))
	if err != nil {
		panic(err)
	}
	return k
}()

const (
	// testIssuer is the identity provider's issuer.
	testIssuer   = "https://id.example.test"
	testAudience = "computor-api"
)

// ownClaims returns claims that a verifier with Key testKey.Public() and
// Audience testAudience accepts at now, once signed with [signOwn].
func ownClaims(now time.Time) jwt.MapClaims {
	c := baseClaims(now)
	c["iss"] = Issuer
	return c
}

// signOwn signs claims with testKey, as Mint does: ES256, kid the key's
// thumbprint.
func signOwn(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	return sign(t, jwt.SigningMethodES256, testKey.priv, claims, kidHeader(testKey.KeyID()))
}

// kidHeader is a header with the given "kid".
func kidHeader(kid string) map[string]any { return map[string]any{"kid": kid} }

// baseClaims returns claims that a verifier configured with JWKSURL,
// testIssuer and testAudience accepts at now from the identity provider.
func baseClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"sub":   "alice",
		"iss":   testIssuer,
		"aud":   testAudience,
		"iat":   now.Unix(),
		"nbf":   now.Unix(),
		"exp":   now.Add(time.Hour).Unix(),
		"roles": []string{"user"},
	}
}

// sign signs claims with method and key, adding extra header fields.
func sign(t testing.TB, method jwt.SigningMethod, key any, claims jwt.MapClaims, header map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign token: %v", err)
	}
	return s
}

// b64 encodes s as unpadded base64url.
func b64(s string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// b64JSON encodes v as JSON, then as unpadded base64url.
func b64JSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// wantReason fails t unless err is a *VerifyError with the given reason that
// also matches derrors.Unauthenticated.
func wantReason(t testing.TB, err error, reason string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want reason %q", reason)
	}
	if !errors.Is(err, derrors.Unauthenticated) {
		t.Fatalf("err = %v, does not wrap derrors.Unauthenticated", err)
	}
	var ve *VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %T %v, want *VerifyError", err, err)
	}
	if ve.Reason != reason {
		t.Fatalf("reason = %q (cause: %v), want %q", ve.Reason, ve.Err, reason)
	}
	if got, want := err.Error(), "unauthorized: "+reason; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}

// fakeClock is a manually advanced clock, safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
