package sandbox

import (
	"encoding/binary"
	"fmt"
	"syscall"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
)

// DeniedSyscalls are the system calls a run may not make; they fail with
// EPERM. They reach into the kernel's most attacked surfaces (BPF,
// io_uring, perf, keyrings, userfaultfd), into other processes (ptrace,
// process_vm_*, pidfd_getfd, kcmp), or into the system as a whole
// (mounts, namespaces, modules, kexec, clocks, swap, quotas, reboot),
// and no build or test of student code needs them. Most would fail
// anyway for want of a capability; the filter keeps them shut should a
// kernel bug open one.
var DeniedSyscalls = []string{
	// Other processes.
	"ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "pidfd_getfd", "kcmp",
	// Mounts and namespaces.
	"mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig",
	"fsmount", "fspick", "mount_setattr", "unshare", "setns",
	// Kernel attack surface.
	"bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
	"keyctl", "add_key", "request_key", "fanotify_init", "open_by_handle_at", "name_to_handle_at",
	"lookup_dcookie", "personality", "uselib",
	// The system as a whole.
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot",
	"swapon", "swapoff", "acct", "quotactl", "quotactl_fd", "iopl", "ioperm", "syslog", "vhangup",
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "migrate_pages", "move_pages",
}

// seccompFilter returns the filter bwrap loads with --seccomp before it
// starts the command: an array of struct sock_filter that makes each of
// DeniedSyscalls fail with EPERM, and any call made in another
// architecture's convention fail with ENOSYS.
//
// The library's program lets calls of another architecture through (its
// default action): on x86-64 a process can still make i386 calls with
// int 0x80, whose numbers differ, so a deny list alone would not hold.
// The guard put in front refuses them; the library already refuses the
// x32 ABI.
func seccompFilter() ([]byte, error) {
	info, err := arch.GetInfo("")
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	var names []string
	for _, n := range DeniedSyscalls {
		// Architectures differ in which calls they have (arm64 has no
		// iopl); one a table lacks cannot be made.
		if _, ok := info.SyscallNames[n]; ok {
			names = append(names, n)
		}
	}
	policy := seccomp.Policy{
		DefaultAction: seccomp.ActionAllow,
		Syscalls:      []seccomp.SyscallGroup{{Names: names, Action: seccomp.ActionErrno}},
	}
	prog, err := policy.Assemble()
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	const archOffset = 4 // of struct seccomp_data
	guard := []bpf.Instruction{
		bpf.LoadAbsolute{Off: archOffset, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(info.ID), SkipTrue: 1},
		bpf.RetConstant{Val: uint32(seccomp.ActionErrno) | uint32(syscall.ENOSYS)},
	}
	raw, err := bpf.Assemble(append(guard, prog...))
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	// struct sock_filter { __u16 code; __u8 jt; __u8 jf; __u32 k; } in
	// the kernel's byte order.
	out := make([]byte, 0, 8*len(raw))
	for _, r := range raw {
		out = binary.NativeEndian.AppendUint16(out, r.Op)
		out = append(out, r.Jt, r.Jf)
		out = binary.NativeEndian.AppendUint32(out, r.K)
	}
	return out, nil
}
