// The real database servers behind RDS DB instances: one server per
// instance, with its own data folder (`<folder>/data`) and its own port on
// 127.0.0.1 — PostgreSQL for engines postgres and aurora-postgresql (made
// with initdb), MariaDB for mysql, mariadb and aurora-mysql (made with
// mariadb-install-db, the master user created in bootstrap mode) — under
// the master user and password, and stopped, started, snapshotted (copies
// of the stopped data folder) and changed (the master password, in
// single-user / bootstrap mode) on demand.
//
// Neither engine runs as root. When nuage runs as root, every engine
// process runs as the engine's system user (`postgres` / `mysql`, which
// Debian's packages make; `nobody` otherwise), which owns the instance's
// folder; the folder is bound at /run/nuage-rds in a mount namespace of the
// process's own, so the folders above it (a 0700 data folder, a temporary
// folder) need not be open to that user. Unprivileged, nuage runs them as
// itself, on the folder's own path. Servers die with nuage
// (PR_SET_PDEATHSIG, tied to the thread that started them: only the
// provider's engine worker does) and stop cleanly (PostgreSQL's fast
// shutdown, MariaDB's SIGTERM shutdown) at stop() and stop_all().
//
// Engines without binaries on the machine, or left out by enable(), are
// reported by installed(); nothing runs for them.
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
  // The server's settings from the instance's DB parameter group (name ->
  // value), applied at every start.
  std::map<std::string, std::string> parameters;
};

class Engines {
 public:
  Engines();
  ~Engines();  // stop_all()

  // Which RDS engines get a server: "all" (the default), "none", or a
  // comma-separated list of engine names ("postgres,mariadb"). Called
  // before any work; an unknown name is an error.
  Status enable(const std::string& engines);
  // The binaries that serve `engine` are installed and it is enabled; else
  // `note` says why not.
  bool installed(const std::string& engine, std::string* note = nullptr) const;
  // The PostgreSQL binaries' folder (/usr/lib/postgresql/<major>/bin), "" if none.
  const std::string& postgres_bin() const { return pg_bin_; }
  // The major version installed ("15"), "" if none.
  std::string postgres_version() const;
  // Whether MariaDB's server (mariadbd, mariadb-install-db) is installed.
  bool mariadb_installed() const { return !mariadbd_.empty(); }

  // initdb with the master user and password, DBName created, then start().
  Status create(const EngineSpec& spec);
  // Starts the server and waits (bounded) until it accepts connections.
  Status start(const EngineSpec& spec);
  // Fast shutdown; waits for it (then SIGKILL after a bound).
  void stop(const std::filesystem::path& folder);
  // Stops every server (nuage stops).
  void stop_all();
  bool running(const std::filesystem::path& folder);
  // Applies spec.parameters to the running server at once (PostgreSQL:
  // its parameters file, then a reload; MariaDB: SET GLOBAL for each of
  // `changes`), for dynamic parameters.
  Status apply_live(const EngineSpec& spec, const std::map<std::string, std::string>& changes);
  // Sets the master user's password; the server must be stopped.
  Status set_password(const EngineSpec& spec);
  // Copies the (stopped) data folder of `from` into `to`/data, owned as `from` is.
  Status copy_data(const std::filesystem::path& from, const std::filesystem::path& to);
  // Removes a folder made for an instance or a snapshot.
  void remove(const std::filesystem::path& folder);

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
  struct Server {
    pid_t pid = 0;
    int stop_signal = 0;  // the signal of a clean shutdown
  };
  // The user the processes of `engine` run as.
  const Identity& identity_of(const std::string& engine) const;
  // Gives a new folder to `id`'s user.
  Status prepare_folder(const std::filesystem::path& folder, const Identity& id);
  // Writes a file only `id`'s user reads.
  Status write_private(const std::filesystem::path& file, const std::string& text, const Identity& id);
  // Runs a process of the engine to completion with `input` on stdin and
  // its output appended to folder/engine.log; its exit status.
  Result<int> run(const EngineSpec& spec, const std::vector<std::string>& argv, const std::string& input);
  // The work of create() and start_once() for each engine.
  Status create_postgres(const EngineSpec& spec);
  Status create_mariadb(const EngineSpec& spec);
  Status start_once(const EngineSpec& spec);
  // Writes PostgreSQL's nuage-parameters.conf from spec.parameters (and
  // has postgresql.conf include it).
  Status write_postgres_parameters(const EngineSpec& spec);
  // Runs SQL in MariaDB's bootstrap mode (the server is stopped).
  Status mariadb_bootstrap(const EngineSpec& spec, const std::string& sql, const std::string& what);
  // Forks the process as `id`'s user; -1 on failure.
  pid_t spawn(const std::filesystem::path& folder, const std::vector<std::string>& argv, int stdin_fd,
              const Identity& id);
  // The instance's folder and its data folder as the engine's processes see them.
  std::string seen_path(const std::filesystem::path& folder) const;
  std::string data_path(const std::filesystem::path& folder) const { return seen_path(folder) + "/data"; }
  std::string log_tail(const std::filesystem::path& folder) const;

  std::string pg_bin_;
  std::string mariadbd_, mariadb_install_db_;
  // The system user MariaDB's processes run as: nuage's administrative
  // account on the server's own socket (unix_socket authentication).
  std::string mariadb_os_user_;
  Identity postgres_identity_, mariadb_identity_;
  std::vector<std::string> enabled_ = {"all"};
  std::mutex mu_;
  std::map<std::filesystem::path, Server> servers_;  // folder -> its server
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
