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
	secret := []byte("example-secret-of-at-least-32-bytes")

	token, err := auth.Mint(secret, "alice", []string{auth.RoleAdmin}, time.Hour, "computor", "computor-api")
	if err != nil {
		panic(err)
	}

	v, err := auth.NewVerifier(auth.Config{Secret: secret, Issuer: "computor", Audience: "computor-api"})
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
