package metrics

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// Kinds of SDK metric; a name keeps the kind it was first used with.
const (
	kindCounter = "counter"
	kindGauge   = "gauge"
	kindTimer   = "timer"
)

// sdkMetrics holds the SDK's metrics: one vector per (name, sorted tag
// keys), created on first use. The SDK uses one name with different tag
// sets (a client's requests lack a worker's task_queue), which a checked
// collector would refuse; sdkMetrics is an unchecked collector, so each
// vector may have its own labels under a shared name.
type sdkMetrics struct {
	mu    sync.RWMutex
	kinds map[string]string               // name -> kind
	vecs  map[string]prometheus.Collector // name + "\x00" + keys -> vector
}

func newSDKMetrics() *sdkMetrics {
	return &sdkMetrics{kinds: map[string]string{}, vecs: map[string]prometheus.Collector{}}
}

// Describe sends nothing, which makes sdkMetrics an unchecked collector.
func (m *sdkMetrics) Describe(chan<- *prometheus.Desc) {}

// Collect sends every vector's series.
func (m *sdkMetrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, v := range m.vecs {
		v.Collect(ch)
	}
}

// vec returns the vector for name and keys, creating it with mk. It
// returns nil when name is already used with another kind.
func (m *sdkMetrics) vec(name, kind string, keys []string, mk func() prometheus.Collector) prometheus.Collector {
	id := name + "\x00" + strings.Join(keys, "\x00")
	m.mu.RLock()
	v, ok := m.vecs[id]
	m.mu.RUnlock()
	if ok {
		return v
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if have, ok := m.kinds[name]; ok && have != kind {
		return nil
	}
	if v, ok := m.vecs[id]; ok {
		return v
	}
	v = mk()
	m.kinds[name] = kind
	m.vecs[id] = v
	return v
}

// sdkHandler implements client.MetricsHandler with a fixed set of tags.
type sdkHandler struct {
	m    *sdkMetrics
	tags map[string]string // sanitized keys
}

// WithTags returns a handler with tags added; a new value replaces an old.
func (h *sdkHandler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(h.tags)+len(tags))
	maps.Copy(merged, h.tags)
	for k, v := range tags {
		merged[sanitizeLabel(k)] = v
	}
	return &sdkHandler{m: h.m, tags: merged}
}

// labels returns the sorted tag keys and their values.
func (h *sdkHandler) labels() ([]string, []string) {
	keys := slices.Sorted(maps.Keys(h.tags))
	values := make([]string, len(keys))
	for i, k := range keys {
		values[i] = h.tags[k]
	}
	return keys, values
}

func help(name string) string { return "Temporal SDK metric " + name + "." }

// Counter returns a counter exposed as name_total.
func (h *sdkHandler) Counter(name string) client.MetricsCounter {
	name = withSuffix(sanitize(name), "_total")
	keys, values := h.labels()
	v, _ := h.m.vec(name, kindCounter, keys, func() prometheus.Collector {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help(name)}, keys)
	}).(*prometheus.CounterVec)
	if v == nil {
		return client.MetricsNopHandler.Counter(name)
	}
	c := v.WithLabelValues(values...)
	return counterFunc(func(d int64) {
		if d > 0 {
			c.Add(float64(d))
		}
	})
}

// Gauge returns a gauge exposed as name.
func (h *sdkHandler) Gauge(name string) client.MetricsGauge {
	name = sanitize(name)
	keys, values := h.labels()
	v, _ := h.m.vec(name, kindGauge, keys, func() prometheus.Collector {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help(name)}, keys)
	}).(*prometheus.GaugeVec)
	if v == nil {
		return client.MetricsNopHandler.Gauge(name)
	}
	g := v.WithLabelValues(values...)
	return gaugeFunc(g.Set)
}

// Timer returns a histogram in seconds exposed as name_seconds.
func (h *sdkHandler) Timer(name string) client.MetricsTimer {
	name = withSuffix(sanitize(name), "_seconds")
	keys, values := h.labels()
	v, _ := h.m.vec(name, kindTimer, keys, func() prometheus.Collector {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help(name), Buckets: prometheus.DefBuckets}, keys)
	}).(*prometheus.HistogramVec)
	if v == nil {
		return client.MetricsNopHandler.Timer(name)
	}
	o := v.WithLabelValues(values...)
	return timerFunc(func(d time.Duration) { o.Observe(d.Seconds()) })
}

type counterFunc func(int64)

func (f counterFunc) Inc(d int64) { f(d) }

type gaugeFunc func(float64)

func (f gaugeFunc) Update(v float64) { f(v) }

type timerFunc func(time.Duration)

func (f timerFunc) Record(d time.Duration) { f(d) }

// sanitize maps name onto [a-zA-Z0-9_:], not starting with a digit.
func sanitize(name string) string {
	var b strings.Builder
	for i, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c == ':':
			b.WriteRune(c)
		case c >= '0' && c <= '9':
			if i == 0 {
				b.WriteByte('_')
			}
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

// sanitizeLabel maps a tag key onto a label name: as sanitize, without ':'.
func sanitizeLabel(key string) string { return strings.ReplaceAll(sanitize(key), ":", "_") }

func withSuffix(name, suffix string) string {
	if strings.HasSuffix(name, suffix) {
		return name
	}
	return name + suffix
}
