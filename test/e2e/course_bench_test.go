package e2e

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// Benchmarks of the course tasks through the whole stack (API, Temporal,
// worker, store, git, sandbox). Run with, for example:
//
//	go test -run '^$' -bench 'ReleaseStudents|StudentTesting' -benchtime 1x ./test/e2e/

// newCourse creates an empty course with a template and returns its path.
func newCourse(b *testing.B, s *stack, admin string) string {
	b.Helper()
	org := fmt.Sprintf("bench%d", rand.IntN(1_000_000_000))
	s.mustFinish(b, admin, "create_organization", map[string]any{"path": org, "title": "B"}, nil)
	s.mustFinish(b, admin, "create_course_family", map[string]any{"organization": org, "path": "f", "title": "F"}, nil)
	s.mustFinish(b, admin, "create_course", map[string]any{"course_family": org + ".f", "path": "c", "title": "C"}, nil)
	return org + ".f.c"
}

func benchReleaseStudents(b *testing.B, s *stack) {
	admin := s.tokenFor(b, "bench-admin", "admin")
	for _, n := range []int{50, 500} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				course := newCourse(b, s, admin)
				var list []map[string]any
				for i := range n {
					list = append(list, map[string]any{"username": fmt.Sprintf("b%04d", i), "group": fmt.Sprintf("g%d", i%10)})
				}
				b.StartTimer()
				s.mustFinish(b, admin, "release_students", map[string]any{"course": course, "students": list}, nil)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "students/s")
		})
	}
}

func BenchmarkReleaseStudents(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchReleaseStudents(b, shared) })
	b.Run("postgres", func(b *testing.B) {
		dir := b.TempDir()
		apiAddr := freeAddr()
		startDevProcess(b, "--data-dir", dir, "--api-addr", apiAddr, "--temporal-addr", freeAddr(), "--no-ui",
			"--log-level", "warn", "--database-url", postgresURL(b))
		benchReleaseStudents(b, &stack{api: "http://" + apiAddr, dataDir: dir})
	})
}

// BenchmarkStudentTesting measures the Python sample: the time from submit
// to stored result, one run at a time (median reported), and the runs per
// minute the worker sustains with 8 runs in flight, one student each. Each
// sub-benchmark gets a course of its own, since a student may run the
// tests 100 times.
func BenchmarkStudentTesting(b *testing.B) {
	s := shared
	users := []string{"bench-a", "bench-b", "bench-c", "bench-d", "bench-e", "bench-f", "bench-g", "bench-h"}
	course := func(b *testing.B) map[string]string {
		course, members := sampleCourse(b, s, users)
		for _, u := range users {
			pushSolution(b, s, course, u, "sum/sum.py", solution(b, "sum/correct.py"))
		}
		return members
	}
	run := func(members map[string]string, user string) time.Duration {
		token := s.tokenFor(b, user)
		start := time.Now()
		id := s.submit(b, token, "student_testing", map[string]any{"course_member": members[user], "content": "sum"}, 0)
		if res := s.await(b, token, id); res.Status != "FINISHED" {
			b.Fatalf("run: %s", deref(res.Error))
		}
		return time.Since(start)
	}
	b.Run("latency", func(b *testing.B) {
		members := course(b)
		var ds []time.Duration
		for i := 0; b.Loop(); i++ {
			ds = append(ds, run(members, users[i%len(users)]))
		}
		slices.Sort(ds)
		b.ReportMetric(float64(ds[len(ds)/2].Milliseconds()), "median-ms")
	})
	b.Run("throughput", func(b *testing.B) {
		members := course(b)
		for b.Loop() {
			var wg sync.WaitGroup
			for _, u := range users {
				wg.Go(func() {
					for range 5 {
						run(members, u)
					}
				})
			}
			wg.Wait()
		}
		b.ReportMetric(40*float64(b.N)/b.Elapsed().Minutes(), "runs/min")
	})
}
