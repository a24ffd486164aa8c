package auth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/derrors"
)

func ExampleVerifier_Verify() {
	key, err := auth.NewSigningKey()
	if err != nil {
		panic(err)
	}
	token, err := key.Mint(auth.Token{Subject: "alice", Roles: []string{auth.RoleAdmin}, TTL: time.Hour, Audience: "computor-api"})
	if err != nil {
		panic(err)
	}

	// Verifying needs only the public half.
	v, err := auth.NewVerifier(auth.Config{Key: key.Public(), Audience: "computor-api"})
	if err != nil {
		panic(err)
	}
	claims, err := v.Verify(context.Background(), token)
	if err != nil {
		panic(err)
	}
	fmt.Println(claims.Subject, claims.Roles, claims.IsAdmin())

	_, err = v.Verify(context.Background(), token[:len(token)-4]+"AAAA")
	fmt.Println(err, errors.Is(err, derrors.Unauthenticated))

	// Output:
	// alice [admin] true
	// unauthorized: invalid signature true
}

func ExampleSigningKey_Mint() {
	key, err := auth.NewSigningKey()
	if err != nil {
		panic(err)
	}
	// A worker's token for the Temporal frontend: it carries the
	// "permissions" claim of the namespace; the API refuses service roles.
	token, err := key.Mint(auth.Token{Subject: "worker-1", Roles: []string{auth.RoleWorkerService}, TTL: time.Hour, Namespace: "computor"})
	if err != nil {
		panic(err)
	}
	v, err := auth.NewVerifier(auth.Config{Key: key.Public()})
	if err != nil {
		panic(err)
	}
	claims, err := v.Verify(context.Background(), token)
	if err != nil {
		panic(err)
	}
	fmt.Println(claims.Subject, claims.IsService())

	// Output:
	// worker-1 true
}

func ExampleParseSigningKey() {
	key, err := auth.NewSigningKey()
	if err != nil {
		panic(err)
	}
	pemBytes, err := key.PEM() // for a 0600 file
	if err != nil {
		panic(err)
	}
	again, err := auth.ParseSigningKey(pemBytes)
	if err != nil {
		panic(err)
	}
	fmt.Println(again.KeyID() == key.KeyID())

	// Output:
	// true
}

func ExampleTokenFromRequest() {
	r := httptest.NewRequest(http.MethodGet, "/tasks", nil)
	r.Header.Set("Authorization", "Bearer abc.def.ghi")
	fmt.Println(auth.TokenFromRequest(r))

	// git over HTTP sends the token as the Basic auth password.
	r = httptest.NewRequest(http.MethodGet, "/repo.git/info/refs", nil)
	r.SetBasicAuth("git", "abc.def.ghi")
	fmt.Println(auth.TokenFromRequest(r))

	// Output:
	// abc.def.ghi
	// abc.def.ghi
}
