package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// PollerWindow is how recently a worker must have polled to be listed.
// Temporal remembers pollers for five minutes, dead ones included, while a
// live worker renews its poll at least once a minute (the server's long-poll
// expiry), so a worker silent for longer than this has stopped.
const PollerWindow = 75 * time.Second

// Poller is a worker Temporal has seen polling a queue recently.
type Poller struct {
	Identity       string    `json:"identity"`
	LastAccessTime time.Time `json:"last_access_time"`
}

// QueueStatus is what Temporal knows of one task queue.
type QueueStatus struct {
	Queue string `json:"queue"`
	// WorkflowPollers and ActivityPollers poll for workflow and activity
	// tasks.
	WorkflowPollers []Poller `json:"workflow_pollers"`
	ActivityPollers []Poller `json:"activity_pollers"`
	// Backlog counts tasks waiting for a worker (approximate).
	WorkflowBacklog int64 `json:"workflow_backlog"`
	ActivityBacklog int64 `json:"activity_backlog"`
}

// WorkersStatus is the answer to GET /tasks/workers/status.
type WorkersStatus struct {
	Queues []QueueStatus `json:"queues"`
	// Workers lists every identity polling any queue.
	Workers []string `json:"workers"`
	// Sandboxes says, for each worker of Workers, how it isolates student
	// code (cgroup version, bounded work dirs, seccomp, and notes on what
	// is off), as it announced at start; null for a worker that runs no
	// student code or has not announced itself.
	Sandboxes map[string]json.RawMessage `json:"sandboxes"`
}

// serveWorkersStatus shows, for each queue, the pollers Temporal has seen
// recently and the backlog, from Temporal's task-queue description. Admins
// only: identities name hosts and processes.
func (s *Server) serveWorkersStatus(w http.ResponseWriter, r *http.Request) error {
	if !claimsOf(r).IsAdmin() {
		return problem(http.StatusForbidden, "worker status needs the admin role")
	}
	out := WorkersStatus{Queues: []QueueStatus{}, Workers: []string{}}
	for _, q := range tasks.Queues() {
		qs := QueueStatus{Queue: q, WorkflowPollers: []Poller{}, ActivityPollers: []Poller{}}
		for _, typ := range []enumspb.TaskQueueType{enumspb.TASK_QUEUE_TYPE_WORKFLOW, enumspb.TASK_QUEUE_TYPE_ACTIVITY} {
			resp, err := s.temporal.WorkflowService().DescribeTaskQueue(r.Context(), &workflowservice.DescribeTaskQueueRequest{
				Namespace:     s.namespace,
				TaskQueue:     &taskqueuepb.TaskQueue{Name: q, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
				TaskQueueType: typ,
				ReportStats:   true,
			})
			if err != nil {
				return fmt.Errorf("describe queue %s: %w", q, err)
			}
			pollers := make([]Poller, 0, len(resp.GetPollers()))
			for _, p := range resp.GetPollers() {
				if time.Since(p.GetLastAccessTime().AsTime()) > PollerWindow {
					continue // a worker that stopped polling, most likely dead
				}
				pollers = append(pollers, Poller{Identity: p.GetIdentity(), LastAccessTime: p.GetLastAccessTime().AsTime().UTC()})
				if !slices.Contains(out.Workers, p.GetIdentity()) {
					out.Workers = append(out.Workers, p.GetIdentity())
				}
			}
			backlog := resp.GetStats().GetApproximateBacklogCount()
			if typ == enumspb.TASK_QUEUE_TYPE_WORKFLOW {
				qs.WorkflowPollers, qs.WorkflowBacklog = pollers, backlog
			} else {
				qs.ActivityPollers, qs.ActivityBacklog = pollers, backlog
			}
		}
		out.Queues = append(out.Queues, qs)
	}
	slices.Sort(out.Workers)
	out.Sandboxes = make(map[string]json.RawMessage, len(out.Workers))
	for _, id := range out.Workers {
		out.Sandboxes[id] = json.RawMessage("null")
	}
	if s.store != nil {
		announced, err := s.store.WorkerList(r.Context(), time.Now().Add(-3*store.WorkerAnnounceInterval))
		if err != nil {
			return fmt.Errorf("list workers: %w", err)
		}
		for _, a := range announced {
			if _, polling := out.Sandboxes[a.Identity]; polling && a.Sandbox != nil {
				out.Sandboxes[a.Identity] = a.Sandbox
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
