package auth

import (
	"context"
	"testing"
)

func TestClaimsContext(t *testing.T) {
	c := &Claims{Subject: "alice"}
	tests := []struct {
		name   string
		ctx    context.Context
		want   *Claims
		wantOK bool
	}{
		{"stored", WithClaims(context.Background(), c), c, true},
		{"absent", context.Background(), nil, false},
		{"nil stored", WithClaims(context.Background(), nil), nil, false},
		{"other value", context.WithValue(context.Background(), struct{}{}, c), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ClaimsFrom(tt.ctx)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ClaimsFrom = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
