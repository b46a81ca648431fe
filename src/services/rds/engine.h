// The real database servers behind RDS DB instances: one PostgreSQL server
// per instance, with its own data folder (`<folder>/data`) and its own port
// on 127.0.0.1, made with initdb under the master user and password, and
// stopped, started, snapshotted (copies of the stopped data folder) and
// changed (the master password, in single-user mode) on demand.
//
// PostgreSQL refuses to run as root. When nuage runs as root, every engine
// process runs as the `postgres` system user (Debian's package makes it;
// `nobody` otherwise), which owns the instance's folder; the folder is bound
// at /run/nuage-rds in a mount namespace of the process's own, so the
// folders above it (a 0700 data folder, a temporary folder) need not be
// open to that user. Unprivileged, nuage runs them as itself, on the
// folder's own path. Servers die with nuage (PR_SET_PDEATHSIG, tied to the
// thread that started them: only the provider's engine worker does) and
// stop cleanly (fast shutdown) at stop() and stop_all().
//
// Engines without binaries on the machine (mysql, mariadb without
// mariadb-server) are reported by installed(); nothing runs for them.
//
// Thread-safety: every method is safe from any thread; the blocking ones
// (create, start, stop, ...) are meant for the provider's engine worker.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"

namespace nuage::services::rds {

// What one server is made from.
struct EngineSpec {
  std::string engine;            // "postgres", "aurora-postgresql", "mysql", ...
  std::filesystem::path folder;  // the instance's folder; the data is in folder/data
  uint16_t port = 0;
  std::string master_user, master_password, db_name;
};

class Engines {
 public:
  Engines();
  ~Engines();  // stop_all()

  // The binaries that serve `engine` are installed; else `note` says what is missing.
  bool installed(const std::string& engine, std::string* note = nullptr) const;
  // The PostgreSQL binaries' folder (/usr/lib/postgresql/<major>/bin), "" if none.
  const std::string& postgres_bin() const { return pg_bin_; }
  // The major version installed ("15"), "" if none.
  std::string postgres_version() const;

  // initdb with the master user and password, DBName created, then start().
  Status create(const EngineSpec& spec);
  // Starts the server and waits (bounded) until it accepts connections.
  Status start(const EngineSpec& spec);
  // Fast shutdown; waits for it (then SIGKILL after a bound).
  void stop(const std::filesystem::path& folder);
  // Stops every server (nuage stops).
  void stop_all();
  bool running(const std::filesystem::path& folder);
  // Sets the master user's password; the server must be stopped.
  Status set_password(const EngineSpec& spec);
  // Copies the (stopped) data folder of `from` into `to`/data.
  Status copy_data(const std::filesystem::path& from, const std::filesystem::path& to);
  // Removes a folder made for an instance or a snapshot.
  void remove(const std::filesystem::path& folder);
  // Gives a new folder to the engines' user (root: the postgres user).
  Status prepare_folder(const std::filesystem::path& folder);

  // A free TCP port on 127.0.0.1 (0 if none).
  static uint16_t free_port();
  // Whether something accepts TCP connections on 127.0.0.1:port.
  static bool accepting(uint16_t port);

 private:
  struct Identity {
    bool drop = false;  // nuage is root: switch to uid/gid in a namespace of its own
    uid_t uid = 0;
    gid_t gid = 0;
  };
  // Runs a process of the engine to completion with `input` on stdin and
  // its output appended to folder/engine.log; its exit status.
  Result<int> run(const EngineSpec& spec, const std::vector<std::string>& argv, const std::string& input);
  // One attempt of start().
  Status start_once(const EngineSpec& spec);
  // Forks the process as the engine's user; -1 on failure.
  pid_t spawn(const std::filesystem::path& folder, const std::vector<std::string>& argv, int stdin_fd);
  // The data folder as the engine's processes see it.
  std::string data_path(const std::filesystem::path& folder) const;
  std::string log_tail(const std::filesystem::path& folder) const;

  std::string pg_bin_;
  Identity identity_;
  std::mutex mu_;
  std::map<std::filesystem::path, pid_t> servers_;  // folder -> postmaster pid
};

// One thread that runs engine work in order: the servers it starts die
// with it, so it lives as long as the provider. post() after stop() drops
// the work.
class EngineWorker {
 public:
  EngineWorker();
  ~EngineWorker();  // stop()
  void post(std::function<void()> job);
  // Finishes the job in progress, drops the queue and joins.
  void stop();
  // Runs `fn` on the worker and waits for it (stop_all at shutdown).
  void run_and_wait(const std::function<void()>& fn);

 private:
  void loop();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace nuage::services::rds
