package sandbox

import (
	"context"
	"testing"
)

// BenchmarkRun measures one trivial run: the sandbox's own cost, with and
// without a cgroup, in a bounded work dir.
func BenchmarkRun(b *testing.B) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{{"cgroup", Config{}}, {"rlimits", Config{Cgroups: CgroupNone}}} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := tc.cfg
			cfg.Slots = 1
			cfg.UIDBase = int(nextUIDBase.Add(16)) - 16
			sb, err := NewBubblewrap(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer sb.Close()
			for b.Loop() {
				w, err := sb.NewWorkDir(0)
				if err != nil {
					b.Fatal(err)
				}
				res, err := sb.Run(context.Background(), Spec{Command: "true", Dir: w.Path})
				if err != nil || res.ExitCode != 0 {
					b.Fatal(err, res)
				}
				_ = w.Close()
			}
		})
	}
}
