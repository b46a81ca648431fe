// One Lambda execution environment: a sandboxed process (runtime/sandbox.h:
// the runtime client or the package's `bootstrap`, with its code at
// /var/task, its layers at /opt and nuage's runtime clients at /var/runtime)
// and the Lambda Runtime API server it talks to
// (AWS_LAMBDA_RUNTIME_API=127.0.0.1:<port>):
//   GET  /2018-06-01/runtime/invocation/next          blocks until an invocation
//   POST /2018-06-01/runtime/invocation/{id}/response
//   POST /2018-06-01/runtime/invocation/{id}/error
//   POST /2018-06-01/runtime/init/error
// The environment runs one invocation at a time (the pool guarantees it);
// what the process prints is captured and handed back with the invocation
// it belongs to.
// Thread-safety: invoke() is called by one thread at a time; the Runtime API
// handlers and the output reader run on their own threads and share state
// with invoke() under mu_.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/message.h"
#include "runtime/sandbox.h"

namespace nuage::http {
class Server;
}

namespace nuage::runtime {

// Everything needed to start an environment for one function configuration.
struct EnvironmentSpec {
  std::string runtime;                    // python3.13, nodejs20.x, provided.al2023
  std::filesystem::path code_dir;         // extracted code, mounted at /var/task
  std::filesystem::path opt_dir;          // merged layers, mounted at /opt ("" = none)
  std::filesystem::path runtime_dir;      // nuage's runtime clients, mounted at /var/runtime
  std::vector<Mount> file_systems;        // writable host folders at /mnt/... (bubblewrap only)
  std::vector<std::filesystem::path> hidden;  // folders the function must not see (nuage's data)
  std::map<std::string, std::string> env;     // complete environment, paths as seen inside
  SandboxMode sandbox = SandboxMode::kProcess;
  std::string python = "python3";         // interpreters of the machine
  std::string node = "node";
};

struct Invocation {
  std::string request_id;
  std::string payload;
  std::string invoked_arn;
  std::string client_context;
  std::chrono::milliseconds timeout{3000};
};

struct Outcome {
  enum Kind { kResponse, kError, kInitError, kTimeout, kExited } kind = kResponse;
  std::string payload;                   // the response, or the error document
  std::string output;                    // what the process printed meanwhile
  double duration_ms = 0;                // from delivery to answer
  std::optional<double> init_ms;         // cold start: spawn to first /next
  uint64_t max_memory_mb = 0;            // VmHWM of the environment's processes
};

class Environment {
 public:
  // Where the environment's paths are, in the sandbox and outside.
  static std::string task_root(const EnvironmentSpec& spec);
  static std::string opt_root(const EnvironmentSpec& spec);
  static std::string runtime_root(const EnvironmentSpec& spec);

  // Starts the Runtime API server (port 0) and the process. `spec.env`
  // receives AWS_LAMBDA_RUNTIME_API here.
  static std::unique_ptr<Environment> start(EnvironmentSpec spec, std::string* error);
  ~Environment();  // kills the process group, stops the server

  // Delivers one invocation and waits for its answer (or the timeout, or
  // the process's death). After anything but kResponse/kError the
  // environment is dead and must be dropped.
  Outcome invoke(const Invocation& invocation);
  bool alive() const;
  // The resident memory of its processes (kB), for the budget.
  uint64_t resident_kb() const { return process_ ? process_->resident_kb() : 0; }

 private:
  Environment() = default;
  http::Response handle(http::Request& request);
  void read_output();
  std::string drain_output_locked();
  void kill_all();

  std::unique_ptr<http::Server> server_;
  std::thread server_thread_;
  std::thread reader_;
  std::unique_ptr<Process> process_;
  int out_fd_ = -1;  // process_->output()
  std::chrono::steady_clock::time_point spawned_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool exited_ = false;             // output closed or process reaped
  bool initialized_ = false;        // first /next arrived
  std::optional<double> init_ms_;
  bool init_reported_ = false;      // init_ms_ handed out with a cold invocation
  std::optional<std::string> init_error_;
  std::optional<Invocation> pending_;  // waiting for /next
  std::string current_id_;            // delivered, not answered
  std::chrono::steady_clock::time_point delivered_at_;
  bool delivered_ = false;
  std::optional<Outcome> answer_;
  std::string output_;                 // printed, not yet handed out
};

}  // namespace nuage::runtime
