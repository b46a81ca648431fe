#include "runtime/instance_environment.h"

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <fstream>

#include "common/text.h"

namespace nuage::runtime {

namespace fs = std::filesystem;

fs::path instance_folder(const fs::path& work_dir, const std::string& account, const std::string& region,
                         const std::string& instance_id) {
  return work_dir / "instances" / account / region / instance_id;
}

InstanceEnvironment::InstanceEnvironment(const fs::path& work_dir, std::vector<fs::path> hidden, SandboxMode mode,
                                         InstanceIdentity identity)
    : folder_(instance_folder(work_dir, identity.account, identity.region, identity.instance_id)),
      hidden_(std::move(hidden)),
      mode_(mode),
      identity_(std::move(identity)) {}

namespace {

// Written beside and renamed over, so a reader never sees half a file. The
// temporary name is this writer's own: an instance's first boot and its
// first command prepare the same folder at once, and a shared name lets one
// rename the other's file away (its rename then fails).
Status write_whole(const fs::path& path, const std::string& text) {
  static std::atomic<uint64_t> writers{0};
  fs::path tmp = path;
  tmp += ".tmp." + std::to_string(writers.fetch_add(1));
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    if (!f) return internal_error("cannot write " + path.string());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return internal_error("cannot write " + path.string() + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

Status InstanceEnvironment::prepare() const {
  std::error_code ec;
  for (const char* name : kRootFolders) {
    fs::create_directories(folder_ / name, ec);
    if (ec) return internal_error("cannot create " + (folder_ / name).string());
  }
  fs::create_directories(folder_ / "var" / "log", ec);
  fs::create_directories(folder_ / "etc", ec);
  fs::permissions(folder_ / "tmp", fs::perms::all | fs::perms::sticky_bit, ec);
  std::string short_name = identity_.hostname.substr(0, identity_.hostname.find('.'));
  NUAGE_TRY(write_whole(folder_ / "etc" / "hostname", short_name + "\n"));
  NUAGE_TRY(write_whole(folder_ / "etc" / "hosts", "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n" +
                                                       identity_.private_ip + " " + identity_.hostname + " " +
                                                       short_name + "\n"));
  return Status::Ok();
}

void InstanceEnvironment::remove(const fs::path& work_dir, const std::string& account, const std::string& region,
                                 const std::string& instance_id) {
  if (work_dir.empty() || instance_id.empty()) return;
  std::error_code ec;
  fs::remove_all(instance_folder(work_dir, account, region, instance_id), ec);
}

fs::path InstanceEnvironment::host_path(const std::string& path) const {
  for (const char* name : kRootFolders) {
    std::string top = std::string("/") + name;
    if (path == top) return folder_ / name;
    if (text::starts_with(path, top + "/")) return folder_ / name / path.substr(top.size() + 1);
  }
  return {};
}

SandboxSpec InstanceEnvironment::spec(std::vector<std::string> argv, const std::string& cwd) const {
  SandboxSpec spec;
  spec.mode = mode_;
  spec.argv = std::move(argv);
  spec.separate_stderr = true;
  spec.env = {{"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
              {"HOME", "/root"},
              {"USER", "root"},
              {"LANG", "C.UTF-8"},
              {"HOSTNAME", identity_.hostname.substr(0, identity_.hostname.find('.'))},
              {"AWS_DEFAULT_REGION", identity_.region},
              {"AWS_REGION", identity_.region}};
  std::string inside = cwd.empty() ? "/root" : cwd;
  if (mode_ != SandboxMode::kBubblewrap) {
    fs::path on_host = host_path(inside);
    spec.cwd = on_host.empty() ? folder_ / "root" : on_host;
    return spec;
  }
  spec.as_root = true;
  spec.hostname = identity_.hostname.substr(0, identity_.hostname.find('.'));
  spec.hidden = hidden_;
  for (const char* name : kRootFolders) spec.mounts.push_back({folder_ / name, std::string("/") + name, true});
  // Bound over the host's files (a read-only root has no room for new ones).
  for (const char* name : {"hostname", "hosts"}) {
    std::error_code ec;
    if (fs::exists(fs::path("/etc") / name, ec))
      spec.mounts.push_back({folder_ / "etc" / name, std::string("/etc/") + name, false});
  }
  spec.sandbox_cwd = inside;
  return spec;
}

namespace {

// Reads what is there; false at end of file. Keeps up to `cap` bytes.
bool drain(int fd, std::string& into, uint64_t& total, size_t cap) {
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    total += static_cast<uint64_t>(n);
    if (into.size() < cap) into.append(buf, std::min(static_cast<size_t>(n), cap - into.size()));
  }
}

}  // namespace

ScriptResult run_script(const SandboxSpec& spec, const ScriptLimits& limits, const std::atomic<bool>* cancel) {
  ScriptResult result;
  auto process = Process::spawn(spec, &result.error);
  if (!process) return result;
  auto deadline = std::chrono::steady_clock::now() + limits.timeout;
  bool out_open = true, err_open = process->error_output() >= 0;
  while (out_open || err_open) {
    if (cancel && cancel->load()) {
      result.cancelled = true;
      break;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd fds[2];
    nfds_t n = 0;
    if (out_open) fds[n++] = {process->output(), POLLIN, 0};
    if (err_open) fds[n++] = {process->error_output(), POLLIN, 0};
    // Wakes at least every 50 ms to notice a cancellation.
    int wait_ms = static_cast<int>(std::min<int64_t>(left.count(), 50));
    if (::poll(fds, n, wait_ms) < 0 && errno != EINTR) break;
    for (nfds_t i = 0; i < n; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (fds[i].fd == process->output()) out_open = drain(fds[i].fd, result.out, result.out_bytes, limits.max_bytes);
      else err_open = drain(fds[i].fd, result.err, result.err_bytes, limits.max_bytes);
    }
  }
  if (result.cancelled || result.timed_out) {
    process->kill();
  } else {
    // Both streams closed: the process is exiting; reap it.
    while (!process->exited()) {
      if (std::chrono::steady_clock::now() > deadline) {
        result.timed_out = true;
        process->kill();
        break;
      }
      ::usleep(200);
    }
  }
  result.exit_code = process->exit_code();
  return result;
}

}  // namespace nuage::runtime
