package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// jwksServer serves a replaceable JWKS document and counts requests.
type jwksServer struct {
	*httptest.Server
	hits atomic.Int32

	mu     sync.Mutex
	status int
	body   []byte
	delay  time.Duration
}

func newJWKSServer(t *testing.T, body []byte) *jwksServer {
	t.Helper()
	s := &jwksServer{status: http.StatusOK, body: body}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		status, body, delay := s.status, s.body, s.delay
		s.mu.Unlock()
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(status int, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, body
}

func (s *jwksServer) setDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// jwksVerifier returns a verifier for srv's JWKS using clock.
func jwksVerifier(t *testing.T, url string, clock *fakeClock) *Verifier {
	t.Helper()
	v, err := newVerifier(Config{
		JWKSURL:    url,
		Issuer:     testIssuer,
		Audience:   testAudience,
		HTTPClient: &http.Client{Timeout: 5 * time.Second},
	}, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func genRSA(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func genEC(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestVerifyJWKS(t *testing.T) {
	rsaKey, otherRSA, ecKey := genRSA(t), genRSA(t), genEC(t)
	srv := newJWKSServer(t, jwksJSON(t,
		rsaJWK("rsa1", &rsaKey.PublicKey),
		ecJWK(t, "ec1", &ecKey.PublicKey),
		withMember(ecJWK(t, "ec-rs", &ecKey.PublicKey), "alg", nil),
	))
	clock := newFakeClock()
	v := jwksVerifier(t, srv.URL, clock)
	now := clock.Now()

	claims := func(f func(jwt.MapClaims)) jwt.MapClaims {
		c := baseClaims(now)
		if f != nil {
			f(c)
		}
		return c
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	ecPoint, err := ecKey.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		token  string
		reason string // "" means accepted
	}{
		{"RS256", sign(t, jwt.SigningMethodRS256, rsaKey, claims(nil), kidHeader("rsa1")), ""},
		{"ES256", sign(t, jwt.SigningMethodES256, ecKey, claims(nil), kidHeader("ec1")), ""},
		{"RS256 signed by another key", sign(t, jwt.SigningMethodRS256, otherRSA, claims(nil), kidHeader("rsa1")), reasonSignature},
		{"unknown kid", sign(t, jwt.SigningMethodRS256, otherRSA, claims(nil), kidHeader("nope")), reasonUnknownKey},
		{"no kid with several keys", sign(t, jwt.SigningMethodRS256, rsaKey, claims(nil), nil), reasonUnknownKey},
		{"ES256 token naming an RSA key", sign(t, jwt.SigningMethodES256, ecKey, claims(nil), kidHeader("rsa1")), reasonKeyMismatch},
		{"RS256 token naming an EC key", sign(t, jwt.SigningMethodRS256, rsaKey, claims(nil), kidHeader("ec-rs")), reasonKeyMismatch},
		{"HS256 with the public key as secret", sign(t, jwt.SigningMethodHS256, pubPEM, claims(nil), kidHeader("rsa1")), reasonAlgorithm},
		{"HS256", sign(t, jwt.SigningMethodHS256, []byte("0123456789abcdef0123456789abcdef"), claims(nil), kidHeader("rsa1")), reasonAlgorithm},
		{"HS256 with the EC public key as secret", sign(t, jwt.SigningMethodHS256, ecPoint, claims(nil), kidHeader("ec1")), reasonAlgorithm},
		{"PS256", sign(t, jwt.SigningMethodPS256, rsaKey, claims(nil), kidHeader("rsa1")), reasonAlgorithm},
		{"ES384", sign(t, jwt.SigningMethodES384, genECCurve(t, elliptic.P384()), claims(nil), kidHeader("ec1")), reasonAlgorithm},
		{"alg none", b64(`{"alg":"none","kid":"rsa1"}`) + "." + b64JSON(t, claims(nil)) + ".", reasonAlgorithm},
		{"expired", sign(t, jwt.SigningMethodRS256, rsaKey, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() }), kidHeader("rsa1")), reasonExpired},
		{"wrong issuer", sign(t, jwt.SigningMethodES256, ecKey, claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.example.test" }), kidHeader("ec1")), reasonIssuer},
		{"Computor's issuer", sign(t, jwt.SigningMethodES256, ecKey, claims(func(c jwt.MapClaims) { c["iss"] = Issuer }), kidHeader("ec1")), reasonIssuer},
		{"missing issuer", sign(t, jwt.SigningMethodRS256, rsaKey, claims(func(c jwt.MapClaims) { delete(c, "iss") }), kidHeader("rsa1")), reasonIssuer},
		{"wrong issuer and expired", sign(t, jwt.SigningMethodRS256, rsaKey, claims(func(c jwt.MapClaims) {
			c["iss"] = Issuer
			c["exp"] = now.Add(-time.Hour).Unix()
		}), kidHeader("rsa1")), reasonExpired},
		{"wrong issuer, bad signature", sign(t, jwt.SigningMethodRS256, otherRSA, claims(func(c jwt.MapClaims) { c["iss"] = Issuer }), kidHeader("rsa1")), reasonSignature},
		{"exp as string", sign(t, jwt.SigningMethodES256, ecKey, claims(func(c jwt.MapClaims) { c["exp"] = fmt.Sprint(now.Add(time.Hour).Unix()) }), kidHeader("ec1")), reasonMalformed},
		{"over the maximum lifetime", sign(t, jwt.SigningMethodES256, ecKey, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(DefaultMaxLifetime + time.Hour).Unix() }), kidHeader("ec1")), reasonLifetime},
		{"Computor's kid without Config.Key", sign(t, jwt.SigningMethodES256, testKey.priv, claims(nil), kidHeader(testKey.KeyID())), reasonUnknownKey},
		{"wrong audience", sign(t, jwt.SigningMethodES256, ecKey, claims(func(c jwt.MapClaims) { c["aud"] = "other" }), kidHeader("ec1")), reasonAudience},
		{"missing sub", sign(t, jwt.SigningMethodRS256, rsaKey, claims(func(c jwt.MapClaims) { delete(c, "sub") }), kidHeader("rsa1")), reasonMissingSubject},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(t.Context(), tt.token)
			if tt.reason != "" {
				wantReason(t, err, tt.reason)
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if c.Subject != "alice" {
				t.Errorf("Subject = %q", c.Subject)
			}
			// An identity provider's token is a person's, never one of
			// Computor's services (the frontend checks Own).
			if c.Own {
				t.Error("Own = true for an identity provider's token")
			}
		})
	}
	// The clock never moved, so the unknown kid could not trigger a refetch.
	if got := srv.hits.Load(); got != 1 {
		t.Errorf("JWKS fetched %d times, want 1", got)
	}
}

func genECCurve(t testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestJWKSKeyRotation(t *testing.T) {
	oldKey, newKey := genRSA(t), genEC(t)
	srv := newJWKSServer(t, jwksJSON(t, rsaJWK("old", &oldKey.PublicKey)))
	clock := newFakeClock()
	v := jwksVerifier(t, srv.URL, clock)
	oldTok := sign(t, jwt.SigningMethodRS256, oldKey, baseClaims(clock.Now()), kidHeader("old"))
	newTok := sign(t, jwt.SigningMethodES256, newKey, baseClaims(clock.Now()), kidHeader("new"))

	steps := []struct {
		name     string
		advance  time.Duration
		rotate   bool // serve only the new key from now on
		token    string
		reason   string
		wantHits int32
	}{
		{"first use fetches", 0, false, oldTok, "", 1},
		{"known kid is cached", 10 * time.Second, false, oldTok, "", 1},
		{"rotation: unknown kid within rate limit", 0, true, newTok, reasonUnknownKey, 1},
		{"unknown kid again, still rate-limited", 10 * time.Second, false, newTok, reasonUnknownKey, 1},
		{"unknown kid after 30s refetches", JWKSMinRefetchInterval, false, newTok, "", 2},
		{"new kid now cached", time.Second, false, newTok, "", 2},
		{"retired kid rejected without refetch", time.Second, false, oldTok, reasonUnknownKey, 2},
		{"retired kid after 30s refetches once", JWKSMinRefetchInterval, false, oldTok, reasonUnknownKey, 3},
		{"cache expires after JWKSRefresh", DefaultJWKSRefresh, false, newTok, "", 4},
	}
	for _, st := range steps {
		clock.Advance(st.advance)
		if st.rotate {
			srv.set(http.StatusOK, jwksJSON(t, ecJWK(t, "new", &newKey.PublicKey)))
		}
		_, err := v.Verify(t.Context(), st.token)
		if st.reason == "" && err != nil {
			t.Fatalf("%s: Verify: %v", st.name, err)
		}
		if st.reason != "" {
			wantReason(t, err, st.reason)
		}
		if got := srv.hits.Load(); got != st.wantHits {
			t.Fatalf("%s: JWKS fetched %d times, want %d", st.name, got, st.wantHits)
		}
	}
}

func TestJWKSUnavailable(t *testing.T) {
	key := genRSA(t)
	tests := []struct {
		name      string
		setup     func(t *testing.T) string // returns the JWKS URL
		wantCause error                     // checked with errors.Is when non-nil
	}{
		{"server down", func(t *testing.T) string {
			srv := newJWKSServer(t, nil)
			srv.Close()
			return srv.URL
		}, nil},
		{"HTTP 500", func(t *testing.T) string {
			srv := newJWKSServer(t, []byte("oops"))
			srv.set(http.StatusInternalServerError, []byte("oops"))
			return srv.URL
		}, nil},
		{"not JSON", func(t *testing.T) string {
			return newJWKSServer(t, []byte("<html>login</html>")).URL
		}, nil},
		{"no usable keys", func(t *testing.T) string {
			return newJWKSServer(t, jwksJSON(t, map[string]any{"kty": "oct", "kid": "k", "k": "AAAA"})).URL
		}, nil},
		{"body over 1 MiB", func(t *testing.T) string {
			big := `{"keys":[],"pad":"` + strings.Repeat("x", maxJWKSBytes) + `"}`
			return newJWKSServer(t, []byte(big)).URL
		}, errJWKSTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			v := jwksVerifier(t, tt.setup(t), clock)
			tok := sign(t, jwt.SigningMethodRS256, key, baseClaims(clock.Now()), kidHeader("k"))
			c, err := v.Verify(t.Context(), tok)
			wantReason(t, err, reasonKeysUnavailable)
			if c != nil {
				t.Errorf("claims = %+v, want nil", c)
			}
			var ve *VerifyError
			if !errors.As(err, &ve) || ve.Err == nil {
				t.Fatalf("cause missing from %#v", err)
			}
			if tt.wantCause != nil && !errors.Is(err, tt.wantCause) {
				t.Errorf("cause = %v, want %v", ve.Err, tt.wantCause)
			}
		})
	}
}

func TestJWKSOutageAndRecovery(t *testing.T) {
	key := genRSA(t)
	good := jwksJSON(t, rsaJWK("k", &key.PublicKey))
	srv := newJWKSServer(t, good)
	srv.set(http.StatusServiceUnavailable, nil)
	clock := newFakeClock()
	v := jwksVerifier(t, srv.URL, clock)
	tok := sign(t, jwt.SigningMethodRS256, key, baseClaims(clock.Now()), kidHeader("k"))

	steps := []struct {
		name     string
		advance  time.Duration
		status   int
		reason   string
		wantHits int32
	}{
		{"down at start", 0, http.StatusServiceUnavailable, reasonKeysUnavailable, 1},
		{"failed fetch is not retried at once", time.Second, http.StatusOK, reasonKeysUnavailable, 1},
		{"retried after 30s", JWKSMinRefetchInterval, http.StatusOK, "", 2},
		{"down again when the cache expires: stale keys used", DefaultJWKSRefresh, http.StatusServiceUnavailable, "", 3},
		{"stale keys, no retry within 30s", time.Second, http.StatusServiceUnavailable, "", 3},
		{"back up: refreshed", JWKSMinRefetchInterval, http.StatusOK, "", 4},
	}
	for _, st := range steps {
		clock.Advance(st.advance)
		body := good
		if st.status != http.StatusOK {
			body = nil
		}
		srv.set(st.status, body)
		_, err := v.Verify(t.Context(), tok)
		if st.reason == "" && err != nil {
			t.Fatalf("%s: Verify: %v", st.name, err)
		}
		if st.reason != "" {
			wantReason(t, err, st.reason)
		}
		if got := srv.hits.Load(); got != st.wantHits {
			t.Fatalf("%s: JWKS fetched %d times, want %d", st.name, got, st.wantHits)
		}
	}
}

func TestJWKSConcurrentFetchIsShared(t *testing.T) {
	key := genEC(t)
	srv := newJWKSServer(t, jwksJSON(t, ecJWK(t, "k", &key.PublicKey)))
	srv.setDelay(100 * time.Millisecond)
	clock := newFakeClock()
	v := jwksVerifier(t, srv.URL, clock)
	tok := sign(t, jwt.SigningMethodES256, key, baseClaims(clock.Now()), kidHeader("k"))

	const n = 16
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := v.Verify(context.Background(), tok)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Verify: %v", err)
		}
	}
	if got := srv.hits.Load(); got != 1 {
		t.Errorf("JWKS fetched %d times by %d concurrent callers, want 1", got, n)
	}
}

func TestJWKSCanceledFetchIsNotRateLimited(t *testing.T) {
	key := genEC(t)
	srv := newJWKSServer(t, jwksJSON(t, ecJWK(t, "k", &key.PublicKey)))
	srv.setDelay(time.Minute)
	clock := newFakeClock()
	v := jwksVerifier(t, srv.URL, clock)
	tok := sign(t, jwt.SigningMethodES256, key, baseClaims(clock.Now()), kidHeader("k"))

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := v.Verify(ctx, tok)
	wantReason(t, err, reasonKeysUnavailable)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cause = %v, want context.DeadlineExceeded", err.(*VerifyError).Err)
	}

	// The clock has not moved, yet the next caller may fetch at once.
	srv.setDelay(0)
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("Verify after a canceled fetch: %v", err)
	}
	if got := srv.hits.Load(); got != 2 {
		t.Errorf("JWKS fetched %d times, want 2", got)
	}
}
