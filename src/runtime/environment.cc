#include "runtime/environment.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/text.h"
#include "http/server.h"

namespace nuage::runtime {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const char* sandbox_name(SandboxMode mode) { return mode == SandboxMode::kBubblewrap ? "bubblewrap" : "process"; }

SandboxMode detect_sandbox() {
  const char* forced = std::getenv("NUAGE_LAMBDA_SANDBOX");
  if (forced && std::string(forced) == "process") return SandboxMode::kProcess;
  return ::access("/usr/bin/bwrap", X_OK) == 0 ? SandboxMode::kBubblewrap : SandboxMode::kProcess;
}

std::string Environment::task_root(const EnvironmentSpec& spec) {
  return spec.sandbox == SandboxMode::kBubblewrap ? "/var/task" : spec.code_dir.string();
}
std::string Environment::opt_root(const EnvironmentSpec& spec) {
  if (spec.sandbox == SandboxMode::kBubblewrap) return "/opt";
  return spec.opt_dir.empty() ? "/opt" : spec.opt_dir.string();
}
std::string Environment::runtime_root(const EnvironmentSpec& spec) {
  return spec.sandbox == SandboxMode::kBubblewrap ? "/var/runtime" : spec.runtime_dir.string();
}

namespace {

std::vector<std::string> command(const EnvironmentSpec& spec) {
  std::vector<std::string> cmd;
  if (spec.sandbox == SandboxMode::kBubblewrap) {
    cmd = {"/usr/bin/bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
           "--tmpfs", "/var"};
    for (const auto& h : spec.hidden) {
      std::string p = h.string();
      if (p.empty() || text::starts_with(p, "/tmp/") || text::starts_with(p, "/var/")) continue;  // already hidden
      cmd.insert(cmd.end(), {"--tmpfs", p});
    }
    cmd.insert(cmd.end(), {"--ro-bind", spec.code_dir.string(), "/var/task"});
    if (!spec.opt_dir.empty()) cmd.insert(cmd.end(), {"--ro-bind", spec.opt_dir.string(), "/opt"});
    else cmd.insert(cmd.end(), {"--tmpfs", "/opt"});
    cmd.insert(cmd.end(), {"--ro-bind", spec.runtime_dir.string(), "/var/runtime", "--die-with-parent",
                           "--unshare-pid", "--chdir", "/var/task", "--"});
  }
  std::string runtime_dir = Environment::runtime_root(spec);
  if (text::starts_with(spec.runtime, "python")) {
    cmd.insert(cmd.end(), {spec.python, "-u", runtime_dir + "/bootstrap.py"});
  } else if (text::starts_with(spec.runtime, "nodejs")) {
    cmd.insert(cmd.end(), {spec.node, runtime_dir + "/bootstrap.js"});
  } else {
    cmd.push_back(Environment::task_root(spec) + "/bootstrap");
  }
  return cmd;
}

std::string json_error(const std::string& type, const std::string& message) {
  return nlohmann::json{{"errorMessage", message}, {"errorType", type}}.dump();
}

http::Response reply(int status, const std::string& body) {
  http::Response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.body = body;
  return r;
}

// VmHWM (kB) of pid and every descendant: the sandbox's own processes are small,
// so the largest is the runtime's.
uint64_t max_hwm_kb(pid_t pid, int depth = 0) {
  uint64_t best = 0;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (text::starts_with(line, "VmHWM:")) best = std::strtoull(line.c_str() + 6, nullptr, 10);
  if (depth > 8) return best;
  std::ifstream children("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  pid_t child;
  while (children >> child) best = std::max(best, max_hwm_kb(child, depth + 1));
  return best;
}

}  // namespace

std::unique_ptr<Environment> Environment::start(EnvironmentSpec spec, std::string* error) {
  std::unique_ptr<Environment> env(new Environment());
  http::ServerOptions so;
  so.host = "127.0.0.1";
  so.port = 0;
  so.io_threads = 1;
  so.worker_threads = 2;
  so.memory_body_limit = 8 * 1024 * 1024;  // responses are at most 6 MB: never spooled
  so.max_body_bytes = 16 * 1024 * 1024;
  so.idle_timeout = std::chrono::seconds(3600);
  so.shutdown_grace = std::chrono::seconds(1);
  Environment* self = env.get();
  env->server_ = std::make_unique<http::Server>(so, [self](http::Request& r) { return self->handle(r); });
  uint16_t port = 0;
  try {
    port = env->server_->start();
  } catch (const std::exception& e) {
    *error = std::string("cannot start the Runtime API: ") + e.what();
    return nullptr;
  }
  env->server_thread_ = std::thread([self] { self->server_->run(); });
  spec.env["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:" + std::to_string(port);

  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls.
  std::vector<std::string> args = command(spec);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : spec.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string cwd = spec.code_dir.string();
  bool sandboxed = spec.sandbox == SandboxMode::kBubblewrap;

  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    *error = "cannot create a pipe";
    return nullptr;
  }
  env->spawned_ = Clock::now();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out[0]);
    ::close(out[1]);
    *error = "cannot fork";
    return nullptr;
  }
  if (pid == 0) {
    ::setsid();
    if (!sandboxed) ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::close_range(3, ~0U, 0);
    if (::chdir(cwd.c_str()) != 0) _exit(126);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  ::close(out[1]);
  env->pid_ = pid;
  env->out_fd_ = out[0];
  ::fcntl(env->out_fd_, F_SETFL, O_NONBLOCK);
  env->reader_ = std::thread([self] { self->read_output(); });
  return env;
}

Environment::~Environment() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  kill_all();
  if (server_) server_->stop();
  if (server_thread_.joinable()) server_thread_.join();
  if (reader_.joinable()) reader_.join();
  if (out_fd_ >= 0) ::close(out_fd_);
}

void Environment::kill_all() {
  pid_t pid;
  {
    std::lock_guard lock(mu_);
    pid = pid_;
    pid_ = -1;
    exited_ = true;
  }
  if (pid <= 0) return;
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

bool Environment::alive() const {
  std::lock_guard lock(mu_);
  return !exited_ && !stopping_;
}

uint64_t Environment::max_memory_mb() const {
  pid_t pid;
  {
    std::lock_guard lock(mu_);
    pid = pid_;
  }
  return pid > 0 ? (max_hwm_kb(pid) + 1023) / 1024 : 0;
}

std::string Environment::drain_output_locked() {
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(out_fd_, buf, sizeof buf);
    if (n <= 0) break;
    output_.append(buf, static_cast<size_t>(n));
  }
  std::string out;
  out.swap(output_);
  return out;
}

void Environment::read_output() {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    pollfd p{out_fd_, POLLIN, 0};
    int r = ::poll(&p, 1, 200);
    if (r <= 0) continue;
    std::lock_guard lock(mu_);
    char buf[65536];
    bool eof = false;
    for (;;) {
      ssize_t n = ::read(out_fd_, buf, sizeof buf);
      if (n > 0) {
        // Bounded: a handler printing without end loses the oldest output.
        output_.append(buf, static_cast<size_t>(n));
        if (output_.size() > 8 * 1024 * 1024) output_.erase(0, output_.size() - 4 * 1024 * 1024);
        continue;
      }
      eof = n == 0;
      break;
    }
    if (eof) {
      exited_ = true;
      cv_.notify_all();
      return;
    }
  }
}

http::Response Environment::handle(http::Request& request) {
  std::string path(request.path());
  static const std::string kPrefix = "/2018-06-01/runtime/";
  if (!text::starts_with(path, kPrefix)) return reply(404, json_error("InvalidRequest", "unknown path"));
  std::string rest = path.substr(kPrefix.size());
  std::unique_lock lock(mu_);
  if (request.method == "GET" && rest == "invocation/next") {
    if (!initialized_) {
      initialized_ = true;
      init_ms_ = std::chrono::duration<double, std::milli>(Clock::now() - spawned_).count();
    }
    cv_.notify_all();
    cv_.wait(lock, [&] { return pending_.has_value() || stopping_; });
    if (stopping_) return reply(503, json_error("ServiceUnavailable", "shutting down"));
    Invocation inv = std::move(*pending_);
    pending_.reset();
    current_id_ = inv.request_id;
    delivered_ = true;
    delivered_at_ = Clock::now();
    auto deadline = std::chrono::duration_cast<std::chrono::milliseconds>(
                        (std::chrono::system_clock::now() + inv.timeout).time_since_epoch())
                        .count();
    http::Response r = reply(200, inv.payload);
    r.headers.set("Lambda-Runtime-Aws-Request-Id", inv.request_id);
    r.headers.set("Lambda-Runtime-Deadline-Ms", std::to_string(deadline));
    r.headers.set("Lambda-Runtime-Invoked-Function-Arn", inv.invoked_arn);
    std::string hex;
    for (char c : inv.request_id)
      if (c != '-') hex += c;
    hex.resize(32, '0');
    r.headers.set("Lambda-Runtime-Trace-Id",
                  "Root=1-" + hex.substr(0, 8) + "-" + hex.substr(8, 24) + ";Parent=" + hex.substr(16, 16) + ";Sampled=0");
    if (!inv.client_context.empty()) r.headers.set("Lambda-Runtime-Client-Context", inv.client_context);
    cv_.notify_all();
    return r;
  }
  if (request.method == "POST" && rest == "init/error") {
    std::string body = request.body.read_all();
    std::string type = request.headers.get("Lambda-Runtime-Function-Error-Type", "Runtime.Unknown");
    auto doc = nlohmann::json::parse(body, nullptr, false);
    init_error_ = doc.is_object() ? body : json_error(type, body);
    cv_.notify_all();
    return reply(202, R"({"status":"OK"})");
  }
  if (request.method == "POST" && text::starts_with(rest, "invocation/")) {
    std::string tail = rest.substr(11);
    auto slash = tail.find('/');
    std::string id = tail.substr(0, slash);
    std::string what = slash == std::string::npos ? "" : tail.substr(slash + 1);
    if (what != "response" && what != "error") return reply(404, json_error("InvalidRequest", "unknown path"));
    if (id.empty() || id != current_id_)
      return reply(400, json_error("InvalidRequestID", "Invalid request ID"));
    Outcome o;
    o.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - delivered_at_).count();
    std::string body = request.body.read_all();
    if (what == "response") {
      if (body.size() > 6291556) {
        o.kind = Outcome::kError;
        o.payload = json_error("Function.ResponseSizeTooLarge",
                               "Response payload size exceeded maximum allowed payload size (6291556 bytes).");
      } else {
        o.payload = std::move(body);
      }
    } else {
      o.kind = Outcome::kError;
      auto doc = nlohmann::json::parse(body, nullptr, false);
      std::string type = request.headers.get("Lambda-Runtime-Function-Error-Type", "Runtime.Unknown");
      o.payload = doc.is_object() ? body : json_error(type, body);
    }
    current_id_.clear();
    answer_ = std::move(o);
    cv_.notify_all();
    return reply(202, R"({"status":"OK"})");
  }
  return reply(404, json_error("InvalidRequest", "unknown path"));
}

Outcome Environment::invoke(const Invocation& invocation) {
  std::unique_lock lock(mu_);
  auto started = Clock::now();
  pending_ = invocation;
  answer_.reset();
  delivered_ = false;
  cv_.notify_all();
  // Init gets AWS's 10 s on top of the function's timeout.
  auto init_limit = std::chrono::seconds(10) + invocation.timeout;
  Outcome result;
  for (;;) {
    if (answer_) {
      result = std::move(*answer_);
      answer_.reset();
      break;
    }
    if (init_error_) {
      result.kind = Outcome::kInitError;
      result.payload = *init_error_;
      break;
    }
    auto now = Clock::now();
    if ((delivered_ && now - delivered_at_ >= invocation.timeout) || (!delivered_ && now - started >= init_limit)) {
      result.kind = Outcome::kTimeout;
      result.duration_ms = std::chrono::duration<double, std::milli>(invocation.timeout).count();
      break;
    }
    if (exited_) {
      result.kind = Outcome::kExited;
      break;
    }
    cv_.wait_for(lock, std::chrono::milliseconds(50));
    if (pid_ > 0 && !exited_) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exited_ = true;
      }
    }
  }
  pending_.reset();
  if (init_ms_ && !init_reported_) {
    result.init_ms = init_ms_;
    init_reported_ = true;
  }
  if (result.kind == Outcome::kExited && result.duration_ms == 0 && delivered_)
    result.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - delivered_at_).count();
  lock.unlock();
  result.max_memory_mb = max_memory_mb();
  if (result.kind != Outcome::kResponse && result.kind != Outcome::kError) kill_all();
  lock.lock();
  result.output = drain_output_locked();
  return result;
}

}  // namespace nuage::runtime
