#include "runtime/sandbox.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "common/text.h"

namespace nuage::runtime {

const char* sandbox_name(SandboxMode mode) { return mode == SandboxMode::kBubblewrap ? "bubblewrap" : "process"; }

SandboxMode detect_sandbox() {
  const char* forced = std::getenv("NUAGE_LAMBDA_SANDBOX");
  if (forced && std::string(forced) == "process") return SandboxMode::kProcess;
  return ::access("/usr/bin/bwrap", X_OK) == 0 ? SandboxMode::kBubblewrap : SandboxMode::kProcess;
}

namespace {

std::vector<std::string> command(const SandboxSpec& spec) {
  if (spec.mode != SandboxMode::kBubblewrap) return spec.argv;
  std::vector<std::string> cmd = {"/usr/bin/bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                                  "--tmpfs", "/tmp", "--tmpfs", "/var"};
  for (const auto& h : spec.hidden) {
    std::string p = h.string();
    if (p.empty() || text::starts_with(p, "/tmp/") || text::starts_with(p, "/var/")) continue;  // already hidden
    cmd.insert(cmd.end(), {"--tmpfs", p});
  }
  // Mount points under /mnt are made in a tmpfs of its own: the host's root
  // is read-only, and its /mnt is none of the sandbox's business.
  for (const auto& m : spec.mounts)
    if (text::starts_with(m.target, "/mnt/")) {
      cmd.insert(cmd.end(), {"--tmpfs", "/mnt"});
      break;
    }
  for (const auto& m : spec.mounts) {
    if (m.source.empty()) cmd.insert(cmd.end(), {"--tmpfs", m.target});
    else cmd.insert(cmd.end(), {m.writable ? "--bind" : "--ro-bind", m.source.string(), m.target});
  }
  if (spec.as_root) cmd.insert(cmd.end(), {"--unshare-user", "--uid", "0", "--gid", "0"});
  if (!spec.hostname.empty()) cmd.insert(cmd.end(), {"--unshare-uts", "--hostname", spec.hostname});
  cmd.insert(cmd.end(), {"--die-with-parent", "--unshare-pid"});
  if (!spec.sandbox_cwd.empty()) cmd.insert(cmd.end(), {"--chdir", spec.sandbox_cwd});
  cmd.push_back("--");
  cmd.insert(cmd.end(), spec.argv.begin(), spec.argv.end());
  return cmd;
}

uint64_t status_kb(pid_t pid, std::string_view field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (text::starts_with(line, field)) return std::strtoull(line.c_str() + field.size(), nullptr, 10);
  return 0;
}

// Applies `fn` to pid and every descendant (bounded depth). A child is
// listed under the thread that forked it, so every thread is read.
template <class Fn>
void for_tree(pid_t pid, const Fn& fn, int depth = 0) {
  fn(pid);
  if (depth > 8) return;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream children(task.path() / "children");
    pid_t child;
    while (children >> child) for_tree(child, fn, depth + 1);
  }
}

}  // namespace

uint64_t tree_peak_kb(pid_t pid) {
  uint64_t best = 0;
  for_tree(pid, [&](pid_t p) { best = std::max(best, status_kb(p, "VmHWM:")); });
  return best;
}

uint64_t tree_resident_kb(pid_t pid) {
  uint64_t total = 0;
  for_tree(pid, [&](pid_t p) { total += status_kb(p, "VmRSS:"); });
  return total;
}

std::unique_ptr<Process> Process::spawn(const SandboxSpec& spec, std::string* error) {
  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls.
  std::vector<std::string> args = command(spec);
  if (args.empty()) {
    *error = "no command to run";
    return nullptr;
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : spec.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string cwd = spec.cwd.string();
  bool sandboxed = spec.mode == SandboxMode::kBubblewrap;

  int out[2];
  int err[2] = {-1, -1};
  if (::pipe2(out, O_CLOEXEC) != 0) {
    *error = "cannot create a pipe";
    return nullptr;
  }
  if (spec.separate_stderr && ::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    *error = "cannot create a pipe";
    return nullptr;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    for (int fd : {out[0], out[1], err[0], err[1]})
      if (fd >= 0) ::close(fd);
    *error = "cannot fork";
    return nullptr;
  }
  if (pid == 0) {
    ::setsid();
    if (!sandboxed) ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::dup2(out[1], 1);
    ::dup2(err[1] >= 0 ? err[1] : out[1], 2);
    ::close_range(3, ~0U, 0);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) _exit(126);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  ::close(out[1]);
  if (err[1] >= 0) ::close(err[1]);
  std::unique_ptr<Process> process(new Process());
  process->pid_ = pid;
  process->out_fd_ = out[0];
  process->err_fd_ = err[0];
  ::fcntl(process->out_fd_, F_SETFL, O_NONBLOCK);
  if (err[0] >= 0) ::fcntl(err[0], F_SETFL, O_NONBLOCK);
  return process;
}

Process::~Process() {
  kill();
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

pid_t Process::live_pid() const {
  std::lock_guard lock(mu_);
  return pid_;
}

bool Process::exited() {
  std::lock_guard lock(mu_);
  if (pid_ <= 0) return true;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
  pid_ = -1;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

int Process::exit_code() const {
  std::lock_guard lock(mu_);
  return exit_code_;
}

void Process::kill() {
  pid_t pid;
  {
    std::lock_guard lock(mu_);
    pid = pid_;
    pid_ = -1;
  }
  if (pid <= 0) return;
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::lock_guard lock(mu_);
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

uint64_t Process::peak_memory_kb() const {
  pid_t pid = live_pid();
  return pid > 0 ? tree_peak_kb(pid) : 0;
}

uint64_t Process::resident_kb() const {
  pid_t pid = live_pid();
  return pid > 0 ? tree_resident_kb(pid) : 0;
}

}  // namespace nuage::runtime
