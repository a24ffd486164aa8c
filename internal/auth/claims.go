package auth

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
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
	// Own says Computor's own key signed the token (iss [Issuer]), not an
	// identity provider's.
	Own bool
	// Namespaces are the Temporal namespaces the "permissions" claim
	// grants the services ("<namespace>:write").
	Namespaces []string
}

// namespacesOf reads the "<namespace>:write" entries of a permissions
// claim.
func namespacesOf(permissions []string) []string {
	var out []string
	for _, p := range permissions {
		if ns, role, ok := strings.Cut(p, ":"); ok && role == "write" && ns != "" {
			out = append(out, ns)
		}
	}
	return out
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

// IsService reports whether the bearer is a service (the API or a
// worker) rather than a person.
func (c *Claims) IsService() bool {
	return c.HasAnyRole(RoleAPIService, RoleWorkerService)
}

// tokenClaims is the JSON payload of the tokens this package reads and
// writes: the registered claims plus "roles", and "permissions" for a
// stock Temporal server.
type tokenClaims struct {
	jwt.RegisteredClaims
	Roles       roleList `json:"roles,omitempty"`
	Permissions []string `json:"permissions,omitempty"`
}

// UnmarshalJSON decodes the claims, refusing a time claim that is not a
// JSON number: RFC 7519 says NumericDate is a number, and a parser that
// takes "exp": "99999999999" as well reads what no issuer wrote.
func (c *tokenClaims) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	for name, v := range raw {
		// encoding/json matches names case-insensitively: "EXP" sets exp
		// too.
		if !strings.EqualFold(name, "exp") && !strings.EqualFold(name, "nbf") && !strings.EqualFold(name, "iat") {
			continue
		}
		if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
			return fmt.Errorf("%s claim must be a number", strings.ToLower(name))
		}
	}
	type plain tokenClaims // without this method
	return json.Unmarshal(data, (*plain)(c))
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
