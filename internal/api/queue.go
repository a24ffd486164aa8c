package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sync"
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
// Ahead counts the runs accepted before it that have not begun, and those
// of a priority class dispatched before its own in the test queue's
// backlog (Temporal's approximate statistics); EstimatedStartInS is Ahead
// runs at the recent mean run time, shared among the runs that run at
// once now.
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
		// A submission beyond a few an hour waits as a practice run.
		if key == tasks.PriorityKeySubmission {
			if practice, err := course.SubmissionRunsAsPractice(ctx, s.store, r.CourseMemberID, r.CourseContentID, r.CreatedAt); err == nil && practice {
				key = tasks.PriorityKeyPractice
			}
		}
	}
	fig, err := s.queueFigures.get(ctx, s)
	if err != nil {
		return nil
	}
	// Ahead are the runs accepted before this one and not begun (of any
	// class: an estimate), and those of a class dispatched first, which
	// pass it whenever they came: Temporal's backlog at the keys before
	// the run's. The backlog of its own key is no measure of its place:
	// it counts the runs behind it too.
	before, err := s.store.TestRunsWaitingBefore(ctx, accepted)
	if err != nil {
		return nil
	}
	ahead := int64(before) + fig.backlog(key-1)
	return &Waiting{Ahead: ahead, EstimatedStartInS: estimateStart(ahead, fig.stats)}
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

// queueFiguresTTL is how long the test queue's figures serve waiting
// estimates: every student polling GET /tasks/{id} during a rush would
// otherwise ask Temporal for the queue's statistics and scan the waiting
// runs once a poll.
const queueFiguresTTL = 2 * time.Second

// queueFigures caches the test queue's figures for waiting estimates.
type queueFigures struct {
	mu   sync.Mutex
	last *queueSnapshot
	// failed is when reading them last failed: for queueFiguresTTL after
	// it, estimates use the last figures, or none, without asking again.
	failed time.Time
}

// queueSnapshot is the test queue's backlog by priority key and its
// recent runs, as of at. It is never changed once made.
type queueSnapshot struct {
	at    time.Time
	byKey map[int32]int64
	total int64
	stats *store.TestQueueStats
}

// get returns the figures, read again when older than queueFiguresTTL.
// One request reads them while the others wait; the read is bounded and
// does not end with the request that makes it. When it fails, the last
// figures serve, however old.
func (f *queueFigures) get(ctx context.Context, s *Server) (*queueSnapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.last != nil && time.Since(f.last.at) < queueFiguresTTL {
		return f.last, nil
	}
	if time.Since(f.failed) < queueFiguresTTL {
		if f.last != nil {
			return f.last, nil
		}
		return nil, errors.New("the test queue's figures are unavailable")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	snap, err := s.testBacklogs(ctx)
	if err == nil {
		snap.stats, err = s.store.TestQueue(ctx, "", time.Now().Add(-recentRuns))
	}
	if err != nil {
		f.failed = time.Now()
		if f.last != nil {
			return f.last, nil
		}
		return nil, err
	}
	snap.at = time.Now()
	f.last = snap
	return snap, nil
}

// testBacklogs reads the test queue's backlog from Temporal.
func (s *Server) testBacklogs(ctx context.Context) (*queueSnapshot, error) {
	resp, err := s.temporal.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
		Namespace:     s.namespace,
		TaskQueue:     &taskqueuepb.TaskQueue{Name: tasks.QueueTests, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
		TaskQueueType: enumspb.TASK_QUEUE_TYPE_ACTIVITY,
		ReportStats:   true,
	})
	if err != nil {
		return nil, err
	}
	snap := &queueSnapshot{byKey: map[int32]int64{}, total: resp.GetStats().GetApproximateBacklogCount()}
	for k, st := range resp.GetStatsByPriorityKey() {
		snap.byKey[k] = st.GetApproximateBacklogCount()
	}
	return snap, nil
}

// backlog is the test queue's backlog at priority keys up to key: what is
// dispatched before a run of that key.
func (q *queueSnapshot) backlog(key int) int64 {
	if len(q.byKey) == 0 {
		// No figures by key: the total is all that is known, which is
		// the backlog of every key, and of none before that less so.
		if key >= tasks.PriorityKeyLast {
			return q.total
		}
		return 0
	}
	var n int64
	for k, c := range q.byKey {
		if int(k) <= key {
			n += c
		}
	}
	return n
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
	backlog := int64(-1) // Temporal did not answer: unknown
	if snap, err := s.testBacklogs(r.Context()); err == nil {
		backlog = snap.backlog(tasks.PriorityKeyLast)
	}
	writeJSON(w, http.StatusOK, TestQueue{Course: c.FullPath, TestQueueStats: *q, Backlog: backlog})
	return nil
}
