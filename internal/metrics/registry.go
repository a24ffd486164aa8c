package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"
)

// Registry holds a process's metrics. Its methods are safe for concurrent
// use; a nil *Registry records nothing.
type Registry struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	submitted *prometheus.CounterVec
	ended     *prometheus.CounterVec
	taskTime  *prometheus.HistogramVec
	waits     *prometheus.CounterVec
	sdk       *sdkMetrics
}

// New returns a Registry with the API, task and SDK metrics and the Go and
// process collectors.
func New() *Registry {
	r := &Registry{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests served, by route pattern and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "Time to serve an HTTP request, by route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		submitted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "computor_tasks_submitted_total",
			Help: "Tasks started through the API, by task type and queue.",
		}, []string{"task_name", "queue"}),
		ended: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "computor_tasks_ended_total",
			Help: "Tasks a worker saw end, by task type, queue and status (FINISHED, FAILED, CANCELLED).",
		}, []string{"task_name", "queue", "status"}),
		taskTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "computor_task_duration_seconds",
			Help:    "Time from a task's start to its end, by task type and status.",
			Buckets: []float64{.01, .05, .1, .5, 1, 5, 10, 30, 60, 300, 900, 3600},
		}, []string{"task_name", "status"}),
		waits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "computor_result_waits_total",
			Help: "Waits of result long polls for a task to close, by how they ended: long_poll (the long poll of the task's history answered), closed (the long poll missed the close and the close watch saw it) or timeout.",
		}, []string{"ended"}),
		sdk: newSDKMetrics(),
	}
	r.reg.MustRegister(
		r.requests, r.duration, r.submitted, r.ended, r.taskTime, r.waits, r.sdk,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return r
}

// Handler serves the metrics in the Prometheus text exposition format.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// ObserveRequest records one HTTP request: its route pattern (such as
// "GET /tasks/{id}"), status code and duration.
func (r *Registry) ObserveRequest(route string, code int, d time.Duration) {
	if r == nil {
		return
	}
	r.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	r.duration.WithLabelValues(route).Observe(d.Seconds())
}

// TaskSubmitted counts one task started on queue.
func (r *Registry) TaskSubmitted(taskName, queue string) {
	if r == nil {
		return
	}
	r.submitted.WithLabelValues(taskName, queue).Inc()
}

// TaskEnded counts one task that ended with status after running for d.
func (r *Registry) TaskEnded(taskName, queue, status string, d time.Duration) {
	if r == nil {
		return
	}
	r.ended.WithLabelValues(taskName, queue, status).Inc()
	r.taskTime.WithLabelValues(taskName, status).Observe(d.Seconds())
}

// ResultWait counts one wait of a result long poll that ended as ended:
// "long_poll", "closed" or "timeout".
func (r *Registry) ResultWait(ended string) {
	if r == nil {
		return
	}
	r.waits.WithLabelValues(ended).Inc()
}

// SDKHandler returns a Temporal SDK metrics handler that records into r;
// pass it as client.Options.MetricsHandler.
func (r *Registry) SDKHandler() client.MetricsHandler {
	if r == nil {
		return client.MetricsNopHandler
	}
	return &sdkHandler{m: r.sdk}
}
