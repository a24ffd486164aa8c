package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// maxJWKSBytes bounds the size of a JWKS response body.
const maxJWKSBytes = 1 << 20

// jwksCache fetches a JWKS over HTTP and caches its keys. It is safe for
// concurrent use; concurrent fetches are coalesced into one.
//
// Keys are refetched when they are older than refresh, or when a token names
// a kid that is not cached. Fetches, including failed ones, happen at most
// once per minInterval. If a refetch fails, the previously fetched keys stay
// in use until a later fetch succeeds.
type jwksCache struct {
	url         string
	client      *http.Client
	refresh     time.Duration
	minInterval time.Duration
	now         func() time.Time

	// sem is held (a value is sent) by the one goroutine fetching.
	sem chan struct{}

	mu        sync.Mutex
	keys      keySet    // nil until the first successful fetch
	fetched   time.Time // time of the last successful fetch
	attempted time.Time // time of the last fetch attempt
	lastErr   error     // error of the last failed fetch, if any
}

// newJWKSCache returns an empty cache for the JWKS at url.
func newJWKSCache(url string, client *http.Client, refresh time.Duration, now func() time.Time) *jwksCache {
	return &jwksCache{
		url:         url,
		client:      client,
		refresh:     refresh,
		minInterval: JWKSMinRefetchInterval,
		now:         now,
		sem:         make(chan struct{}, 1),
	}
}

// key returns the key for kid, fetching the JWKS if needed. Errors are
// *VerifyError values.
func (c *jwksCache) key(ctx context.Context, kid string) (publicKey, error) {
	if k, done, err := c.cached(kid); done {
		return k, err
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return publicKey{}, unauthorized(reasonKeysUnavailable, fmt.Errorf("auth: wait for JWKS fetch: %w", ctx.Err()))
	}
	defer func() { <-c.sem }()

	// Another goroutine may have fetched while we waited.
	if k, done, err := c.cached(kid); done {
		return k, err
	}
	fetchErr := c.fetch(ctx)
	return c.lookup(kid, fetchErr)
}

// cached answers from the cache alone. done is false when a fetch is due:
// the keys are missing, stale, or lack kid, and the rate limit allows a
// fetch.
func (c *jwksCache) cached(kid string) (k publicKey, done bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	mayFetch := c.attempted.IsZero() || now.Sub(c.attempted) >= c.minInterval
	fresh := c.keys != nil && now.Sub(c.fetched) < c.refresh
	if key, ok := c.keys.find(kid); ok && (fresh || !mayFetch) {
		return key, true, nil
	}
	if mayFetch {
		return publicKey{}, false, nil
	}
	k, err = c.lookupLocked(kid, c.lastErr)
	return k, true, err
}

// lookup answers from the cache without fetching. cause, if non-nil, is
// attached to the error returned when kid cannot be found.
func (c *jwksCache) lookup(kid string, cause error) (publicKey, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lookupLocked(kid, cause)
}

// lookupLocked is lookup with c.mu held.
func (c *jwksCache) lookupLocked(kid string, cause error) (publicKey, error) {
	if c.keys == nil {
		return publicKey{}, unauthorized(reasonKeysUnavailable, cause)
	}
	if k, ok := c.keys.find(kid); ok {
		return k, nil
	}
	return publicKey{}, unauthorized(reasonUnknownKey, cause)
}

// fetch downloads the JWKS and, on success, replaces the cached keys. A
// failure caused by ctx being done is not recorded as an attempt, so one
// impatient caller cannot delay everybody's retry.
func (c *jwksCache) fetch(ctx context.Context) error {
	start := c.now()
	keys, err := c.download(ctx)

	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			c.attempted = start
			c.lastErr = err
		}
		return err
	}
	c.keys = keys
	c.fetched = start
	c.attempted = start
	c.lastErr = nil
	return nil
}

// download performs one HTTP GET of the JWKS and parses it.
func (c *jwksCache) download(ctx context.Context) (keySet, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return nil, fmt.Errorf("auth: fetch JWKS: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("auth: fetch JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("auth: fetch JWKS %s: unexpected status %s", c.url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("auth: read JWKS %s: %w", c.url, err)
	}
	if len(body) > maxJWKSBytes {
		return nil, fmt.Errorf("auth: read JWKS %s: %w", c.url, errJWKSTooLarge)
	}
	keys, err := parseJWKS(body)
	if err != nil {
		return nil, fmt.Errorf("auth: JWKS %s: %w", c.url, err)
	}
	return keys, nil
}

// errJWKSTooLarge reports a JWKS response larger than maxJWKSBytes.
var errJWKSTooLarge = errors.New("response larger than 1 MiB")
