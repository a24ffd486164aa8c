package auth

import (
	"net/http"
	"strings"
)

// TokenFromRequest extracts the token presented by an HTTP request.
//
// It accepts "Authorization: Bearer <token>" (scheme case-insensitive) and
// HTTP Basic authentication, in which case the password is the token and the
// username is ignored; the latter lets git clients authenticate over HTTP.
// It returns "" when r carries no token or the header is malformed.
func TokenFromRequest(r *http.Request) string {
	if r == nil {
		return ""
	}
	h := r.Header.Get("Authorization")
	scheme, rest, ok := strings.Cut(h, " ")
	if !ok {
		return ""
	}
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		tok := strings.Trim(rest, " ")
		if strings.ContainsAny(tok, " \t\r\n") {
			return ""
		}
		return tok
	case strings.EqualFold(scheme, "Basic"):
		_, password, ok := r.BasicAuth()
		if !ok {
			return ""
		}
		return password
	default:
		return ""
	}
}
