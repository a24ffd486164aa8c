package auth

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// RoleAdmin is the role that sees and manages everything.
const RoleAdmin = "admin"

// Claims is what a verified token says about its bearer.
type Claims struct {
	// Subject is the "sub" claim: the username.
	Subject string
	// Roles is the "roles" claim. In the token it is a JSON array of
	// strings or a single string.
	Roles []string
	// ExpiresAt is the "exp" claim.
	ExpiresAt time.Time
}

// HasRole reports whether the bearer has the given role. Role names are
// compared exactly. The empty role is never held. A nil *Claims has no roles.
func (c *Claims) HasRole(role string) bool {
	if c == nil || role == "" {
		return false
	}
	return slices.Contains(c.Roles, role)
}

// IsAdmin reports whether the bearer has [RoleAdmin].
func (c *Claims) IsAdmin() bool {
	return c.HasRole(RoleAdmin)
}

// HasAnyRole reports whether the bearer has at least one of roles.
// It returns false when roles is empty.
func (c *Claims) HasAnyRole(roles ...string) bool {
	for _, r := range roles {
		if c.HasRole(r) {
			return true
		}
	}
	return false
}

// tokenClaims is the JSON payload of the tokens this package reads and
// writes: the registered claims plus "roles".
type tokenClaims struct {
	jwt.RegisteredClaims
	Roles roleList `json:"roles,omitempty"`
}

// roleList is the "roles" claim. It decodes from a JSON array of strings or
// from a single string, and always encodes as an array.
type roleList []string

// UnmarshalJSON implements [json.Unmarshaler].
func (r *roleList) UnmarshalJSON(data []byte) error {
	var single string
	if err := json.Unmarshal(data, &single); err == nil {
		if single == "" {
			*r = nil
		} else {
			*r = roleList{single}
		}
		return nil
	}
	var many []string
	if err := json.Unmarshal(data, &many); err != nil {
		return fmt.Errorf("roles claim must be a string or an array of strings: %w", err)
	}
	*r = many
	return nil
}
