// Package metrics collects Computor's Prometheus metrics and serves them in
// the text exposition format.
//
// A [Registry] holds the HTTP API's request metrics, the count of submitted
// tasks, the Go runtime and process collectors, and every metric the
// Temporal SDK emits through [Registry.SDKHandler]. One process builds one
// Registry and serves [Registry.Handler] on /metrics.
//
// # Metric names
//
//   - http_requests_total{route,code}: API requests by route pattern and
//     status code.
//   - http_request_duration_seconds{route}: API request latency.
//   - computor_tasks_submitted_total{task_name,queue}: tasks started by
//     POST /tasks/submit.
//   - temporal_*: the SDK's metrics, with its tags as labels. Counters get
//     a _total suffix and timers, which are histograms in seconds, a
//     _seconds suffix, as in the SDK's Prometheus naming scope.
//   - go_* and process_*: the standard runtime and process collectors.
package metrics
