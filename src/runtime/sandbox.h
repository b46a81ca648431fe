// A sandboxed process: how nuage runs code it did not write — Lambda
// execution environments today, EC2 instances' commands and ECS containers
// as they land. With bubblewrap (/usr/bin/bwrap) the process sees the host
// read-only, fresh tmpfs at /tmp and /var, nuage's data folder hidden, the
// folders it is given bound read-only where it expects them, its own PID
// namespace, and it dies with nuage; without bubblewrap it is a plain process
// in its own session (killed with nuage through PR_SET_PDEATHSIG) and sees
// paths as they are on disk. stdout and stderr are one pipe the owner reads,
// or two when the spec asks (EC2 instances' commands report them apart).
//
// Thread-safety: a Process is safe from any thread; kill() and exited() may
// race (the process is reaped once).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace nuage::runtime {

enum class SandboxMode { kBubblewrap, kProcess };
const char* sandbox_name(SandboxMode mode);
// bubblewrap when /usr/bin/bwrap exists (and NUAGE_LAMBDA_SANDBOX is not "process").
SandboxMode detect_sandbox();

// A folder of the host seen at `target` inside the sandbox, read-only unless
// `writable` (file systems: EFS access points under /mnt); an empty `source`
// is an empty tmpfs there instead.
struct Mount {
  std::filesystem::path source;
  std::string target;
  bool writable = false;
};

struct SandboxSpec {
  SandboxMode mode = SandboxMode::kProcess;
  std::vector<std::string> argv;              // argv[0]: the executable's path as the process sees it
  std::map<std::string, std::string> env;     // the complete environment
  std::vector<Mount> mounts;                  // bubblewrap only
  std::vector<std::filesystem::path> hidden;  // folders it must never see (bubblewrap: empty tmpfs)
  std::filesystem::path cwd;                  // working folder on disk (plain processes)
  std::string sandbox_cwd;                    // working folder inside bubblewrap
  // bubblewrap only: root (uid 0) in a user namespace of its own, and a
  // host name of its own (UTS namespace) when not empty.
  bool as_root = false;
  std::string hostname;
  // stderr on a pipe of its own (error_output()) instead of with stdout.
  bool separate_stderr = false;
};

class Process {
 public:
  // Forks and executes the spec. nullptr with `error` set when it cannot.
  static std::unique_ptr<Process> spawn(const SandboxSpec& spec, std::string* error);
  ~Process();  // kill()
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // The read end of stdout+stderr (non-blocking), owned by the Process.
  int output() const { return out_fd_; }
  // The read end of stderr when the spec separated it (non-blocking), else -1.
  int error_output() const { return err_fd_; }
  // Reaps the process if it exited; true once it is gone.
  bool exited();
  // SIGKILL to its process group, then reaps it.
  void kill();
  // Once exited(): its exit status (128 + the signal that killed it); -1 before.
  int exit_code() const;
  // The largest VmHWM (kB) among its processes: the runtime's, since a
  // sandbox's own processes are small.
  uint64_t peak_memory_kb() const;
  // The resident memory (VmRSS, kB) of all its processes together.
  uint64_t resident_kb() const;

 private:
  Process() = default;
  pid_t live_pid() const;

  mutable std::mutex mu_;
  pid_t pid_ = -1;  // -1 once reaped
  int out_fd_ = -1;
  int err_fd_ = -1;
  int exit_code_ = -1;
};

// VmHWM (largest) and VmRSS (sum) of `pid` and its descendants, in kB.
uint64_t tree_peak_kb(pid_t pid);
uint64_t tree_resident_kb(pid_t pid);

}  // namespace nuage::runtime
