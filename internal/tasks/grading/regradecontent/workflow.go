package regradecontent

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/tasks"
)

// Typed references to the activities.
var (
	plan    = tasks.ActivityRef[PlanInput, *Plan]{Name: ActivityPlan}
	regrade = tasks.ActivityRef[RegradeInput, *Outcome]{Name: ActivityRegrade}
)

// inFlight bounds the regrades scheduled at once: enough to keep every
// worker busy, few enough for Temporal's limit of pending activities per
// workflow. The rest wait in the workflow, the scheduled ones in the test
// queue behind every submission and practice run.
const inFlight = 100

// regradeOptions dispatch a member's regrade from the test queue at the
// lowest priority class, fairly among members. A platform failure is
// retried; when the retries run out, the member keeps the old result.
func regradeOptions(member string) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		TaskQueue:           tasks.QueueTests,
		StartToCloseTimeout: 30 * time.Minute,
		HeartbeatTimeout:    30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 5,
			NonRetryableErrorTypes: []string{ErrTypeTestSpec},
		},
		Priority: temporal.Priority{PriorityKey: tasks.PriorityKeyRegrade, FairnessKey: member},
	}
}

// Workflow plans the regrade, regrades every target with at most inFlight
// at once, and reports progress (n of m) in the task's memo.
func Workflow(ctx workflow.Context, p Params) (*Result, error) {
	began := workflow.Now(ctx)
	origin := tasks.OriginOf(ctx)
	pl, err := plan.Run(workflow.WithActivityOptions(ctx, tasks.ActivityOptions()), PlanInput{Params: p, Origin: origin})
	if err != nil {
		return nil, err
	}
	res := &Result{Content: pl.ContentPath, TestsVersion: pl.TestsVersion, Changes: []Change{}}
	total := len(pl.Targets)
	if err := setProgress(ctx, 0, total); err != nil {
		return nil, err
	}
	type pending struct {
		target Target
		future tasks.Future[*Outcome]
	}
	var specErr error
	sel := workflow.NewSelector(ctx)
	next, done := 0, 0
	schedule := func() {
		t := pl.Targets[next]
		next++
		f := regrade.Start(workflow.WithActivityOptions(ctx, regradeOptions(t.CourseMember)), RegradeInput{
			Target: t, Plan: pl.Common, TaskID: origin.TaskID, Submitter: origin.Submitter,
		})
		p := pending{target: t, future: f}
		sel.AddFuture(f.Untyped(), func(workflow.Future) {
			done++
			out, err := p.future.Get(ctx)
			if err != nil {
				var app *temporal.ApplicationError
				if specErr == nil && asSpecError(err, &app) {
					specErr = err
				}
				res.Failed++
				res.Failures = append(res.Failures, Failure{CourseMember: p.target.CourseMember, Username: p.target.Username,
					Result: p.target.ResultID, Error: failureMessage(err)})
				return
			}
			res.Regraded++
			if out.NewScore != p.target.Score || out.NewStatus != p.target.Status {
				res.Changed++
				res.Changes = append(res.Changes, Change{CourseMember: p.target.CourseMember, Username: p.target.Username,
					OldResult: p.target.ResultID, NewResult: out.ResultID, OldScore: p.target.Score, NewScore: out.NewScore})
			} else {
				res.Unchanged++
			}
		})
	}
	for next < total && next < inFlight {
		schedule()
	}
	lastShown := 0
	for done < total {
		sel.Select(ctx)
		if next < total && specErr == nil {
			schedule()
		}
		if specErr != nil && next < total {
			// Every member would fail alike: stop scheduling, and finish
			// those in flight.
			for ; next < total; next++ {
				t := pl.Targets[next]
				done++
				res.Failed++
				res.Failures = append(res.Failures, Failure{CourseMember: t.CourseMember, Username: t.Username,
					Result: t.ResultID, Error: "not regraded: " + failureMessage(specErr)})
			}
		}
		// The memo changes at most every percent, to keep the history short.
		if done == total || (done-lastShown)*100 >= total {
			lastShown = done
			if err := setProgress(ctx, done, total); err != nil {
				return nil, err
			}
		}
	}
	res.DurationS = workflow.Now(ctx).Sub(began).Seconds()
	if specErr != nil {
		return res, fmt.Errorf("the assignment's tests cannot be read; %d of %d regraded: %w", res.Regraded, total, specErr)
	}
	return res, nil
}

// setProgress shows n of m as the task's progress (GET /tasks/{id}).
func setProgress(ctx workflow.Context, n, m int) error {
	p := tasks.Progress{Percent: 100, Message: fmt.Sprintf("regraded %d of %d", n, m)}
	if m > 0 {
		p.Percent = float64(n) * 100 / float64(m)
	}
	return workflow.UpsertMemo(ctx, map[string]any{tasks.MemoProgress: p.Rounded()})
}

func asSpecError(err error, app **temporal.ApplicationError) bool {
	return errors.As(err, app) && (*app).Type() == ErrTypeTestSpec
}

// failureMessage is what the summary says of a member not regraded: the
// message of an invalid test.yaml, or that the platform failed, since the
// worker's own error may name host paths. The history has the whole error.
func failureMessage(err error) string {
	var app *temporal.ApplicationError
	if asSpecError(err, &app) {
		return app.Message()
	}
	return "the platform could not regrade it (the old result stays); the task's history has the details"
}
