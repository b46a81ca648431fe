// An EC2 instance's Linux environment: a folder plus a sandbox spec, never
// a long-running process. Nothing runs while no command runs; a command
// (user data at first boot, an SSM Run Command script) is one bubblewrap
// process that sees
//   - the host's system read-only (/usr, /bin, /lib, /etc ...);
//   - the instance's own writable folders, kept under
//     <work>/instances/<account>/<region>/<instance-id>/ (kRootFolders:
//     /root, /home, /tmp, /var, /opt, /srv, /mnt), so files survive a stop
//     and start, and go when the instance is terminated (remove());
//   - its own /etc/hostname and /etc/hosts (its private DNS name and IP),
//     bound over the host's read-only /etc (bubblewrap 0.8 has no overlay;
//     a writable copy of /etc per instance costs megabytes for little);
//   - never nuage's data folder nor another instance's folder (hidden, and
//     the instance's /tmp and /var cover the host's);
//   - root (uid 0) in a user namespace of its own, its host name in a UTS
//     namespace, its own PID namespace; the network is the host's loopback,
//     as Lambda sandboxes get it.
// Without bubblewrap the command is a plain process working in the
// instance's root folder, with no isolation (documented in design.md).
//
// run_script() runs one process to its end with a timeout, a cancel flag
// and bounded output buffers (the first `max_bytes` of each stream kept,
// the rest counted).
//
// Thread-safety: InstanceEnvironment is immutable once built; prepare() and
// remove() touch only the instance's folder (callers serialize them per
// instance); run_script() blocks its calling thread (a worker, never an I/O
// thread).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/sandbox.h"

namespace nuage::runtime {

inline constexpr const char* kRootFolders[] = {"root", "home", "tmp", "var", "opt", "srv", "mnt"};

struct InstanceIdentity {
  std::string account;
  std::string region;
  std::string instance_id;
  std::string hostname;    // ip-10-0-1-23.ec2.internal
  std::string private_ip;  // 10.0.1.23
};

// <work_dir>/instances/<account>/<region>/<instance-id>
std::filesystem::path instance_folder(const std::filesystem::path& work_dir, const std::string& account,
                                      const std::string& region, const std::string& instance_id);

class InstanceEnvironment {
 public:
  InstanceEnvironment(const std::filesystem::path& work_dir, std::vector<std::filesystem::path> hidden,
                      SandboxMode mode, InstanceIdentity identity);

  const std::filesystem::path& folder() const { return folder_; }
  // Creates the instance's folders when missing and writes its hostname and
  // hosts files (again: the private IP may change).
  Status prepare() const;
  // Removes the instance's folder and everything in it.
  static void remove(const std::filesystem::path& work_dir, const std::string& account, const std::string& region,
                     const std::string& instance_id);
  // The spec of `argv` run as root in the instance, in `cwd` (a path inside
  // the instance; "" is /root), stdout and stderr apart.
  SandboxSpec spec(std::vector<std::string> argv, const std::string& cwd) const;
  // The host path of `path` inside the instance when it lies in one of its
  // own folders (/var/log/x -> <folder>/var/log/x); empty otherwise.
  std::filesystem::path host_path(const std::string& path) const;

 private:
  std::filesystem::path folder_;
  std::vector<std::filesystem::path> hidden_;
  SandboxMode mode_;
  InstanceIdentity identity_;
};

struct ScriptLimits {
  std::chrono::milliseconds timeout{3600 * 1000};
  size_t max_bytes = 4 << 20;  // kept of each of stdout and stderr
};

struct ScriptResult {
  int exit_code = -1;
  bool timed_out = false;
  bool cancelled = false;
  std::string error;  // the process could not start
  std::string out, err;
  uint64_t out_bytes = 0, err_bytes = 0;  // written in all, kept or not
};

// Spawns `spec` and reads both streams until it exits, the timeout passes or
// `cancel` becomes true (then kills it).
ScriptResult run_script(const SandboxSpec& spec, const ScriptLimits& limits, const std::atomic<bool>* cancel);

}  // namespace nuage::runtime
