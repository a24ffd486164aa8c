package auth

import (
	"context"
	"slices"
	"testing"
	"time"
)

// A verified token of Computor's own key is not checked again for a
// while, but never past its exp, and its claims cannot be changed
// through what Verify returned.
func TestVerifiedCache(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	v, err := newVerifier(Config{Key: testKey.Public()}, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	claims := ownClaims(clock.Now())
	claims["exp"] = clock.Now().Add(2 * time.Minute).Unix()
	claims["roles"] = []string{"student"}
	token := signOwn(t, claims)
	first, err := v.Verify(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	first.Roles[0] = RoleAdmin // a caller that changes what it got
	again, err := v.Verify(ctx, token)
	if err != nil || !slices.Equal(again.Roles, []string{"student"}) {
		t.Fatalf("cached claims %+v (%v): the caller's change leaked into the cache", again, err)
	}
	if len(v.seen.entries) != 1 {
		t.Fatalf("%d cached tokens, want 1", len(v.seen.entries))
	}
	// Past exp and the leeway the token is refused, cache or not.
	clock.Advance(2*time.Minute + DefaultLeeway + time.Second)
	if _, err := v.Verify(ctx, token); err == nil {
		t.Fatal("an expired token was taken from the cache")
	}
	// A token that fails is never cached.
	bad := signOwn(t, ownClaims(clock.Now())) + "x"
	for range 2 {
		if _, err := v.Verify(ctx, bad); err == nil {
			t.Fatal("a bad signature passed")
		}
	}
}

// BenchmarkVerify measures the check of a token the verifier saw before
// (a service's token on every call) against one it did not.
func BenchmarkVerify(b *testing.B) {
	v, err := NewVerifier(Config{Key: testKey.Public()})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	token, err := testKey.Mint(Token{Subject: "computor-api", Roles: []string{RoleAPIService}, TTL: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("seen", func(b *testing.B) {
		for b.Loop() {
			if _, err := v.Verify(ctx, token); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := v.verify(ctx, token); err != nil {
				b.Fatal(err)
			}
		}
	})
}
