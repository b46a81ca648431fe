#include "runtime/environment.h"

#include <poll.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "common/text.h"
#include "http/server.h"

namespace nuage::runtime {

using Clock = std::chrono::steady_clock;

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

// The sandboxed process of an environment: the runtime client of its
// runtime (or the package's bootstrap) over its code, layers and nuage's
// runtime clients.
SandboxSpec sandbox_spec(const EnvironmentSpec& spec) {
  SandboxSpec out;
  out.mode = spec.sandbox;
  out.env = spec.env;
  out.hidden = spec.hidden;
  out.mounts = {{spec.code_dir, "/var/task"}, {spec.opt_dir, "/opt"}, {spec.runtime_dir, "/var/runtime"}};
  out.mounts.insert(out.mounts.end(), spec.file_systems.begin(), spec.file_systems.end());
  out.cwd = spec.code_dir;
  out.sandbox_cwd = "/var/task";
  std::string runtime_dir = Environment::runtime_root(spec);
  if (text::starts_with(spec.runtime, "python")) {
    out.argv = {spec.python, "-u", runtime_dir + "/bootstrap.py"};
  } else if (text::starts_with(spec.runtime, "nodejs")) {
    out.argv = {spec.node, runtime_dir + "/bootstrap.js"};
  } else {
    out.argv = {Environment::task_root(spec) + "/bootstrap"};
  }
  return out;
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

  env->spawned_ = Clock::now();
  env->process_ = Process::spawn(sandbox_spec(spec), error);
  if (!env->process_) return nullptr;
  env->out_fd_ = env->process_->output();
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
  process_.reset();
}

void Environment::kill_all() {
  {
    std::lock_guard lock(mu_);
    exited_ = true;
  }
  if (process_) process_->kill();
}

bool Environment::alive() const {
  std::lock_guard lock(mu_);
  return !exited_ && !stopping_;
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
    if (!exited_ && process_->exited()) exited_ = true;
  }
  pending_.reset();
  if (init_ms_ && !init_reported_) {
    result.init_ms = init_ms_;
    init_reported_ = true;
  }
  if (result.kind == Outcome::kExited && result.duration_ms == 0 && delivered_)
    result.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - delivered_at_).count();
  lock.unlock();
  result.max_memory_mb = (process_->peak_memory_kb() + 1023) / 1024;
  if (result.kind != Outcome::kResponse && result.kind != Outcome::kError) kill_all();
  lock.lock();
  result.output = drain_output_locked();
  return result;
}

}  // namespace nuage::runtime
