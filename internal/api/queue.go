package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// recentRuns is the window of finished runs that waiting estimates and
// the queue's figures learn from.
const recentRuns = 10 * time.Minute

// Waiting is where a test run that has not begun stands: an estimate.
// Ahead counts the runs in the test queue's backlog at the run's priority
// class or before it (Temporal's approximate statistics); EstimatedStartInS
// is Ahead runs at the recent mean run time, shared among the runs that run
// at once now.
type Waiting struct {
	Ahead             int64   `json:"ahead"`
	EstimatedStartInS float64 `json:"estimated_start_in_s"`
}

// testRunWaiting is the Waiting of a task that runs tests and has not
// begun them; nil for another task, one whose run began or ended, or when
// nothing can be told.
func (s *Server) testRunWaiting(ctx context.Context, info TaskInfo) *Waiting {
	if info.Status != StatusQueued && info.Status != StatusStarted {
		return nil
	}
	typ, ok := s.registry.Get(info.TaskName)
	if !ok {
		return nil
	}
	resultTask, key, ok := typ.TestRun(info.TaskID)
	if !ok {
		return nil
	}
	accepted := time.Now()
	r, err := s.store.TestResultGetByTask(ctx, resultTask)
	switch {
	case errors.Is(err, derrors.NotFound):
		// Not accepted yet: it waits all the same.
	case err != nil:
		return nil
	case r.Status != store.ResultRunning || r.RunStartedAt != nil:
		return nil
	default:
		accepted = r.CreatedAt
	}
	ahead, err := s.testBacklog(ctx, key)
	if err != nil {
		return nil
	}
	q, err := s.store.TestQueue(ctx, "", time.Now().Add(-recentRuns))
	if err != nil {
		return nil
	}
	// Temporal's backlog figures lag; the runs accepted before this one
	// and not begun are ahead of it too (of any class: an estimate).
	if before, err := s.store.TestRunsWaitingBefore(ctx, accepted); err == nil {
		ahead = max(ahead, int64(before))
	}
	return &Waiting{Ahead: ahead, EstimatedStartInS: estimateStart(ahead, q)}
}

// estimateStart is when a run with ahead runs before it starts: they take
// the recent mean run time each, as many at once as run now. Without
// recent runs a run is taken to last a second.
func estimateStart(ahead int64, q *store.TestQueueStats) float64 {
	if ahead <= 0 {
		return 0
	}
	mean := q.MeanRunS
	if mean <= 0 {
		mean = 1
	}
	parallel := max(1, q.Running)
	return math.Round(float64(ahead)*mean/float64(parallel)*10) / 10
}

// testBacklog is the test queue's backlog at priority keys up to key:
// what is dispatched before a run of that key.
func (s *Server) testBacklog(ctx context.Context, key int) (int64, error) {
	resp, err := s.temporal.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
		Namespace:     s.namespace,
		TaskQueue:     &taskqueuepb.TaskQueue{Name: tasks.QueueTests, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
		TaskQueueType: enumspb.TASK_QUEUE_TYPE_ACTIVITY,
		ReportStats:   true,
	})
	if err != nil {
		return 0, err
	}
	byKey := resp.GetStatsByPriorityKey()
	if len(byKey) == 0 {
		return resp.GetStats().GetApproximateBacklogCount(), nil
	}
	var n int64
	for k, st := range byKey {
		if int(k) <= key {
			n += st.GetApproximateBacklogCount()
		}
	}
	return n, nil
}

// TestQueue is the answer to GET /courses/{id}/queue: the course's test
// runs waiting (accepted, not begun) and running, the same for all
// courses, the test queue's backlog in Temporal (every class, regrades
// too), and the figures of the runs finished in the last WindowS seconds.
type TestQueue struct {
	Course string `json:"course"`
	store.TestQueueStats
	Backlog int64 `json:"backlog"`
}

// serveTestQueue shows staff how their course's test runs stand.
func (s *Server) serveTestQueue(w http.ResponseWriter, r *http.Request) error {
	c, role, err := s.courseFor(r)
	if err != nil {
		return err
	}
	if !claimsOf(r).IsAdmin() && !course.IsStaff(role) {
		return fmt.Errorf("%w: only the course's staff see its test queue", derrors.Forbidden)
	}
	q, err := s.store.TestQueue(r.Context(), c.ID, time.Now().Add(-recentRuns))
	if err != nil {
		return err
	}
	backlog, err := s.testBacklog(r.Context(), tasks.PriorityKeyLast)
	if err != nil {
		backlog = -1 // Temporal did not answer: unknown
	}
	writeJSON(w, http.StatusOK, TestQueue{Course: c.FullPath, TestQueueStats: *q, Backlog: backlog})
	return nil
}
