package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
)

// WorkerSave records a worker's announcement: made on its first, updated
// (queues, sandbox, seen now) on every later one.
func (s *sqlStore) WorkerSave(ctx context.Context, p WorkerSaveParams) error {
	if p.Identity == "" || len(p.Identity) > 1000 {
		return fmt.Errorf("worker identity %q: %w: empty or longer than 1000 bytes", p.Identity, derrors.Invalid)
	}
	queues, err := json.Marshal(p.Queues)
	if err != nil || p.Queues == nil {
		queues = []byte("[]")
	}
	var sandbox any
	if len(p.Sandbox) > 0 && string(p.Sandbox) != "null" {
		if !json.Valid(p.Sandbox) {
			return fmt.Errorf("worker %s: sandbox: %w: not JSON", p.Identity, derrors.Invalid)
		}
		sandbox = string(p.Sandbox)
	}
	t := s.dialect.timeArg(now())
	started := s.dialect.timeArg(p.StartedAt.UTC().Truncate(time.Microsecond))
	_, err = s.db.ExecContext(ctx, `INSERT INTO workers (identity, queues, sandbox, started_at, seen_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (identity) DO UPDATE SET queues = excluded.queues, sandbox = excluded.sandbox,
	started_at = excluded.started_at, seen_at = excluded.seen_at`,
		p.Identity, string(queues), sandbox, started, t)
	if err != nil {
		return s.fail(ctx, "save worker "+p.Identity, err)
	}
	return nil
}

// WorkerList lists the workers seen at or after since, by identity.
func (s *sqlStore) WorkerList(ctx context.Context, since time.Time) ([]Worker, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT identity, queues, sandbox, started_at, seen_at
FROM workers WHERE seen_at >= $1 ORDER BY identity`, s.dialect.timeArg(since.UTC()))
	if err != nil {
		return nil, s.fail(ctx, "list workers", err)
	}
	defer rows.Close()
	out := []Worker{}
	for rows.Next() {
		var w Worker
		var queues []byte
		var sandbox *[]byte
		if err := rows.Scan(&w.Identity, &queues, &sandbox, (*dbTime)(&w.StartedAt), (*dbTime)(&w.SeenAt)); err != nil {
			return nil, s.fail(ctx, "list workers", err)
		}
		if err := json.Unmarshal(queues, &w.Queues); err != nil {
			return nil, fmt.Errorf("list workers: queues of %s: %v", w.Identity, err)
		}
		if sandbox != nil {
			w.Sandbox = json.RawMessage(*sandbox)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, "list workers", err)
	}
	return out, nil
}
