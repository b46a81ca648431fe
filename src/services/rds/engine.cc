#include "services/rds/engine.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>

#include "common/text.h"

namespace nuage::services::rds {

namespace fs = std::filesystem;

namespace {

// Where an instance's folder appears to engine processes run in a mount
// namespace of their own (nuage is root).
const char* kBoundFolder = "/run/nuage-rds";
constexpr auto kReadyBound = std::chrono::seconds(60);
constexpr auto kStopBound = std::chrono::seconds(30);

bool is_postgres(const std::string& engine) { return engine == "postgres" || engine == "aurora-postgresql"; }
// MariaDB serves the MySQL-compatible engines: its wire protocol, SQL and
// clients are MySQL's.
bool is_mariadb(const std::string& engine) {
  return engine == "mysql" || engine == "mariadb" || engine == "aurora-mysql";
}
const char* const kEngineNames[] = {"postgres", "aurora-postgresql", "mysql", "mariadb", "aurora-mysql"};

// The server options every MariaDB run uses (bootstrap and serving alike):
// no option files of the machine's own server, and a modest memory
// footprint per instance.
std::vector<std::string> mariadb_options(const std::string& data) {
  return {"--no-defaults",
          "--datadir=" + data,
          "--innodb-buffer-pool-size=32M",
          "--innodb-log-file-size=16M",
          "--character-set-server=utf8mb4",
          "--skip-name-resolve"};
}

std::string mariadb_literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string quote_identifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string quote_literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

void sleep_briefly() { std::this_thread::sleep_for(std::chrono::milliseconds(10)); }

// Waits (bounded) for `pid` to exit; true if it did.
bool wait_exit(pid_t pid, std::chrono::steady_clock::duration bound, int* status) {
  auto until = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < until) {
    pid_t r = ::waitpid(pid, status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return true;
    sleep_briefly();
  }
  return false;
}

// The state letter of a process (/proc/<pid>/stat), 0 if it is gone.
char process_state(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(stat, text);
  auto close = text.rfind(')');
  return close == std::string::npos || close + 2 >= text.size() ? 0 : text[close + 2];
}

// A server of an earlier nuage leaves its pid file (postmaster.pid,
// mariadbd.pid) behind when it is killed with nuage; its process may linger
// as a zombie (a container's init need not reap), which PostgreSQL takes
// for a running server. The file goes when its process is gone or a
// zombie; a live server of that data folder (it outlived its nuage) is
// shut down first (`stop_signal`).
void clear_stale_lock(const fs::path& pid_file, const std::string& program, int stop_signal) {
  std::ifstream in(pid_file);
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 0) return;
  in.close();
  char state = process_state(pid);
  if (state != 0 && state != 'Z') {
    std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
    std::string command((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    if (command.find(program) == std::string::npos) return;  // a reused pid: the server sorts it out
    ::kill(pid, stop_signal);
    auto until = std::chrono::steady_clock::now() + kStopBound;
    while (process_state(pid) != 0 && process_state(pid) != 'Z' && std::chrono::steady_clock::now() < until)
      sleep_briefly();
    if (process_state(pid) != 0 && process_state(pid) != 'Z') ::kill(pid, SIGKILL);
  }
  std::error_code ec;
  fs::remove(pid_file, ec);
}

}  // namespace

Engines::Engines() {
  std::error_code ec;
  int best = 0;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    int major = std::atoi(entry.path().filename().c_str());
    if (major > best && ::access((entry.path() / "bin" / "postgres").c_str(), X_OK) == 0) {
      best = major;
      pg_bin_ = (entry.path() / "bin").string();
    }
  }
  if (::access("/usr/sbin/mariadbd", X_OK) == 0 && ::access("/usr/bin/mariadb-install-db", X_OK) == 0) {
    mariadbd_ = "/usr/sbin/mariadbd";
    mariadb_install_db_ = "/usr/bin/mariadb-install-db";
  }
  if (::geteuid() == 0) {
    auto identity = [](const char* user) {
      Identity id;
      id.drop = true;
      struct passwd* pw = ::getpwnam(user);
      if (!pw) pw = ::getpwnam("nobody");
      id.uid = pw ? pw->pw_uid : 65534;
      id.gid = pw ? pw->pw_gid : 65534;
      return id;
    };
    postgres_identity_ = identity("postgres");
    mariadb_identity_ = identity("mysql");
  }
  struct passwd* pw = ::getpwuid(mariadb_identity_.drop ? mariadb_identity_.uid : ::geteuid());
  mariadb_os_user_ = pw ? pw->pw_name : "nobody";
}

Engines::~Engines() { stop_all(); }

Status Engines::enable(const std::string& engines) {
  std::vector<std::string> names;
  for (const auto& part : text::split(engines, ',')) {
    std::string name(text::trim(part));
    bool known = name == "all" || name == "none";
    for (const char* e : kEngineNames) known = known || name == e;
    if (!known) return validation_error("unknown RDS engine '" + name + "' (all, none, or engine names)");
    names.push_back(name);
  }
  enabled_ = names;
  return Status::Ok();
}

bool Engines::installed(const std::string& engine, std::string* note) const {
  bool enabled = false;
  for (const auto& e : enabled_) enabled = enabled || e == "all" || e == engine;
  if (!enabled) {
    if (note) *note = "the " + engine + " engine is left out by nuage serve --rds-engines";
    return false;
  }
  if (is_postgres(engine)) {
    if (!pg_bin_.empty()) return true;
    if (note) *note = "PostgreSQL is not installed (apt-get install postgresql)";
    return false;
  }
  if (is_mariadb(engine)) {
    if (!mariadbd_.empty()) return true;
    if (note) *note = "MariaDB is not installed (apt-get install mariadb-server)";
    return false;
  }
  if (note) *note = "no server runs engine " + engine;
  return false;
}

const Engines::Identity& Engines::identity_of(const std::string& engine) const {
  return is_mariadb(engine) ? mariadb_identity_ : postgres_identity_;
}

std::string Engines::postgres_version() const {
  if (pg_bin_.empty()) return "";
  return fs::path(pg_bin_).parent_path().filename().string();
}

// Both identities drop or neither does: one answer for where folders appear.
std::string Engines::seen_path(const fs::path& folder) const {
  return (postgres_identity_.drop ? fs::path(kBoundFolder) : folder).string();
}

Status Engines::prepare_folder(const fs::path& folder, const Identity& id) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) return internal_error("cannot create " + folder.string() + ": " + ec.message());
  ::chmod(folder.c_str(), 0700);
  if (id.drop && ::chown(folder.c_str(), id.uid, id.gid) != 0)
    return internal_error("cannot give " + folder.string() + " to the engine's user");
  return Status::Ok();
}

Status Engines::write_private(const fs::path& file, const std::string& text, const Identity& id) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return internal_error("cannot write " + file.string());
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (id.drop && ::fchown(fd, id.uid, id.gid) != 0) ok = false;
  ::close(fd);
  if (!ok) return internal_error("cannot write " + file.string());
  return Status::Ok();
}

pid_t Engines::spawn(const fs::path& folder, const std::vector<std::string>& args, int stdin_fd,
                     const Identity& identity) {
  // Everything is prepared before fork: after it, only system calls.
  std::vector<std::string> own = args;
  std::vector<char*> argv;
  for (auto& a : own) argv.push_back(a.data());
  argv.push_back(nullptr);
  // /usr/sbin: mariadb-install-db looks for mariadbd there.
  std::vector<std::string> env_strings = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "LC_ALL=C.UTF-8",
                                          "TZ=UTC"};
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string folder_text = folder.string();
  std::string cwd = identity.drop ? std::string(kBoundFolder) : folder_text;
  std::string log_path = (folder / "engine.log").string();
  int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log < 0) return -1;
  if (identity.drop && ::fchown(log, identity.uid, identity.gid) != 0) {
    ::close(log);
    return -1;
  }
  Identity id = identity;
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    if (id.drop) {
      if (::unshare(CLONE_NEWNS) != 0) _exit(120);
      if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(121);
      if (::mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0) _exit(122);
      ::mkdir(kBoundFolder, 0755);
      if (::mount(folder_text.c_str(), kBoundFolder, nullptr, MS_BIND, nullptr) != 0) _exit(123);
      if (::setgroups(0, nullptr) != 0 || ::setresgid(id.gid, id.gid, id.gid) != 0 ||
          ::setresuid(id.uid, id.uid, id.uid) != 0)
        _exit(124);
    }
    // After the switch of user, which clears it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) _exit(125);
    int in = stdin_fd >= 0 ? stdin_fd : ::open("/dev/null", O_RDONLY);
    ::dup2(in, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::close_range(3, ~0U, 0);
    if (::chdir(cwd.c_str()) != 0) _exit(126);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  ::close(log);
  return pid;
}

Result<int> Engines::run(const EngineSpec& spec, const std::vector<std::string>& argv, const std::string& input) {
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return internal_error("cannot create a pipe");
  pid_t pid = spawn(spec.folder, argv, in[0], identity_of(spec.engine));
  ::close(in[0]);
  if (pid < 0) {
    ::close(in[1]);
    return internal_error("cannot start " + argv[0]);
  }
  size_t written = 0;
  while (written < input.size()) {
    ssize_t n = ::write(in[1], input.data() + written, input.size() - written);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  ::close(in[1]);
  int status = 0;
  if (!wait_exit(pid, std::chrono::minutes(2), &status)) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return internal_error(argv[0] + " did not finish");
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string Engines::log_tail(const fs::path& folder) const {
  std::ifstream log(folder / "engine.log");
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(log, line)) {
    lines.push_back(line);
    if (lines.size() > 3) lines.pop_front();
  }
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : " | ") + l;
  return out;
}

Status Engines::create(const EngineSpec& spec) {
  std::string note;
  if (!installed(spec.engine, &note)) return internal_error(note);
  NUAGE_TRY(prepare_folder(spec.folder, identity_of(spec.engine)));
  NUAGE_TRY(is_mariadb(spec.engine) ? create_mariadb(spec) : create_postgres(spec));
  return start(spec);
}

Status Engines::create_postgres(const EngineSpec& spec) {
  fs::path pwfile = spec.folder / "pwfile";
  NUAGE_TRY(write_private(pwfile, spec.master_password + "\n", identity_of(spec.engine)));
  // --no-sync: a fresh cluster need not reach the disk before its first
  // checkpoint; kill -9 of nuage loses nothing the OS holds.
  auto code =
      run(spec,
          {pg_bin_ + "/initdb", "-D", data_path(spec.folder), "-U", spec.master_user,
           "--pwfile=" + seen_path(spec.folder) + "/pwfile", "-A", "scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8",
           "--no-sync"},
          "");
  std::error_code ec;
  fs::remove(pwfile, ec);
  if (!code) return code.error();
  if (*code != 0) return internal_error("initdb failed: " + log_tail(spec.folder));
  if (!spec.db_name.empty() && spec.db_name != "postgres") {
    auto created = run(
        spec, {pg_bin_ + "/postgres", "--single", "-D", data_path(spec.folder), "postgres"},
        "CREATE DATABASE " + quote_identifier(spec.db_name) + " OWNER " + quote_identifier(spec.master_user) + ";\n");
    if (!created) return created.error();
    if (*created != 0) return internal_error("creating the database failed: " + log_tail(spec.folder));
  }
  return Status::Ok();
}

Status Engines::create_mariadb(const EngineSpec& spec) {
  // The system tables, with root only through the server's own socket
  // (inside the instance's 0700 folder), then the master user with every
  // privilege from any host, as RDS gives it, and DBName.
  std::vector<std::string> argv = {mariadb_install_db_};
  for (auto& o : mariadb_options(data_path(spec.folder))) argv.push_back(o);
  for (const char* o : {"--auth-root-authentication-method=socket", "--skip-test-db", "--innodb-flush-method=nosync"})
    argv.push_back(o);
  auto code = run(spec, argv, "");
  if (!code) return code.error();
  if (*code != 0) return internal_error("mariadb-install-db failed: " + log_tail(spec.folder));
  std::string account = mariadb_literal(spec.master_user) + "@'%'";
  std::string admin = mariadb_literal(mariadb_os_user_) + "@'localhost'";
  std::string sql = "FLUSH PRIVILEGES;\nCREATE USER " + account + " IDENTIFIED BY " +
                    mariadb_literal(spec.master_password) + ";\nGRANT ALL PRIVILEGES ON *.* TO " + account +
                    " WITH GRANT OPTION;\n";
  // nuage's own way in, for parameters applied at once: the engine's
  // system user on the socket only.
  if (mariadb_os_user_ != "root")
    sql += "CREATE USER " + admin + " IDENTIFIED VIA unix_socket;\nGRANT ALL PRIVILEGES ON *.* TO " + admin + ";\n";
  if (!spec.db_name.empty()) sql += "CREATE DATABASE `" + spec.db_name + "`;\n";
  return mariadb_bootstrap(spec, sql, "creating the master user");
}

Status Engines::mariadb_bootstrap(const EngineSpec& spec, const std::string& sql, const std::string& what) {
  std::vector<std::string> argv = {mariadbd_};
  for (auto& o : mariadb_options(data_path(spec.folder))) argv.push_back(o);
  argv.push_back("--bootstrap");
  auto code = run(spec, argv, sql);
  if (!code) return code.error();
  if (*code != 0) return internal_error(what + " failed: " + log_tail(spec.folder));
  return Status::Ok();
}

Status Engines::start(const EngineSpec& spec) {
  std::string note;
  if (!installed(spec.engine, &note)) return internal_error(note);
  if (running(spec.folder)) return Status::Ok();
  // The processes of a server killed with nuage take a moment to go (its
  // shared memory is "still in use" until they have): a server that exits
  // at once is started again, a few times.
  Status last = Status::Ok();
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    if (is_mariadb(spec.engine))
      clear_stale_lock(spec.folder / "data" / "mariadbd.pid", "mariadbd", SIGTERM);
    else
      clear_stale_lock(spec.folder / "data" / "postmaster.pid", "postgres", SIGINT);
    last = start_once(spec);
    if (last.ok() || running(spec.folder)) return last;
  }
  return last;
}

Status Engines::start_once(const EngineSpec& spec) {
  bool mariadb = is_mariadb(spec.engine);
  std::vector<std::string> argv;
  if (mariadb) {
    argv = {mariadbd_};
    for (auto& o : mariadb_options(data_path(spec.folder))) argv.push_back(o);
    for (const std::string& o : std::vector<std::string>{
             "--bind-address=127.0.0.1", "--port=" + std::to_string(spec.port),
          "--socket=" + seen_path(spec.folder) + "/mysqld.sock", "--pid-file=" + data_path(spec.folder) + "/mariadbd.pid"})
      argv.push_back(o);
    // Later options win over mariadb_options().
    for (const auto& [name, value] : spec.parameters) argv.push_back("--" + name + "=" + value);
  } else {
    NUAGE_TRY(write_postgres_parameters(spec));
    argv = {pg_bin_ + "/postgres", "-D", data_path(spec.folder), "-c", "listen_addresses=127.0.0.1", "-c",
            "port=" + std::to_string(spec.port), "-c", "unix_socket_directories="};
  }
  const char* program = mariadb ? "mariadbd" : "postgres";
  pid_t pid = spawn(spec.folder, argv, -1, identity_of(spec.engine));
  if (pid < 0) return internal_error(std::string("cannot start ") + program);
  auto until = std::chrono::steady_clock::now() + kReadyBound;
  fs::path pid_file = spec.folder / "data" / "postmaster.pid";
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return internal_error(std::string(program) + " exited: " + log_tail(spec.folder));
    // PostgreSQL: line 8 of postmaster.pid is the server's status, "ready"
    // once it accepts connections (what pg_ctl -w waits for). MariaDB
    // writes its pid file once ready for connections: this server's, not
    // one of an earlier nuage still going away.
    bool ready = false;
    if (mariadb) {
      std::ifstream in(spec.folder / "data" / "mariadbd.pid");
      pid_t written = 0;
      ready = (in >> written) && written == pid;
    } else {
      std::ifstream in(pid_file);
      std::string line;
      for (int i = 0; i < 8 && std::getline(in, line); ++i) {
      }
      ready = text::trim(line) == "ready";
    }
    if (ready && accepting(spec.port)) {
      std::lock_guard lock(mu_);
      servers_[spec.folder] = {pid, mariadb ? SIGTERM : SIGINT};
      return Status::Ok();
    }
    sleep_briefly();
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return internal_error(std::string(program) + " did not accept connections in time: " + log_tail(spec.folder));
}

bool Engines::running(const fs::path& folder) {
  std::lock_guard lock(mu_);
  auto it = servers_.find(folder);
  if (it == servers_.end()) return false;
  int status = 0;
  if (::waitpid(it->second.pid, &status, WNOHANG) == it->second.pid) {
    servers_.erase(it);
    return false;
  }
  return true;
}

void Engines::stop(const fs::path& folder) {
  Server server;
  {
    std::lock_guard lock(mu_);
    auto it = servers_.find(folder);
    if (it == servers_.end()) return;
    server = it->second;
    servers_.erase(it);
  }
  // A clean shutdown: sessions end, a checkpoint is written.
  ::kill(server.pid, server.stop_signal);
  int status = 0;
  if (!wait_exit(server.pid, kStopBound, &status)) {
    ::kill(server.pid, SIGKILL);
    ::waitpid(server.pid, &status, 0);
  }
}

void Engines::stop_all() {
  std::map<fs::path, Server> servers;
  {
    std::lock_guard lock(mu_);
    servers.swap(servers_);
  }
  for (const auto& [folder, server] : servers) ::kill(server.pid, server.stop_signal);
  for (const auto& [folder, server] : servers) {
    int status = 0;
    if (!wait_exit(server.pid, kStopBound, &status)) {
      ::kill(server.pid, SIGKILL);
      ::waitpid(server.pid, &status, 0);
    }
  }
}

Status Engines::write_postgres_parameters(const EngineSpec& spec) {
  fs::path conf = spec.folder / "data" / "postgresql.conf";
  const std::string include = "include_if_exists = 'nuage-parameters.conf'";
  std::ifstream in(conf);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  if (text.find(include) == std::string::npos) {
    std::ofstream out(conf, std::ios::app);
    out << "\n# The instance's DB parameter group (nuage).\n" << include << "\n";
    if (!out.flush()) return internal_error("cannot write " + conf.string());
  }
  std::string body = "# Written by nuage from the DB parameter group; rewritten at every start.\n";
  for (const auto& [name, value] : spec.parameters) body += name + " = " + quote_literal(value) + "\n";
  return write_private(spec.folder / "data" / "nuage-parameters.conf", body, identity_of(spec.engine));
}

Status Engines::apply_live(const EngineSpec& spec, const std::map<std::string, std::string>& changes) {
  std::string note;
  if (!installed(spec.engine, &note)) return internal_error(note);
  if (is_mariadb(spec.engine)) {
    std::string sql;
    for (const auto& [name, value] : changes) {
      bool number = !value.empty() && value.find_first_not_of("-0123456789") == std::string::npos;
      sql += "SET GLOBAL " + name + " = " + (number ? value : mariadb_literal(value)) + ";\n";
    }
    EngineSpec client = spec;
    auto code = run(client,
                    {"/usr/bin/mariadb", "--no-defaults", "--socket=" + seen_path(spec.folder) + "/mysqld.sock", "-u",
                     mariadb_os_user_, "--batch"},
                    sql);
    if (!code) return code.error();
    if (*code != 0) return internal_error("applying parameters failed: " + log_tail(spec.folder));
    return Status::Ok();
  }
  NUAGE_TRY(write_postgres_parameters(spec));
  pid_t pid = 0;
  {
    std::lock_guard lock(mu_);
    auto it = servers_.find(spec.folder);
    if (it == servers_.end()) return Status::Ok();  // applied at the next start
    pid = it->second.pid;
  }
  // The reload is the postmaster's: its log says when it has read the file.
  std::error_code ec;
  auto before = fs::file_size(spec.folder / "engine.log", ec);
  if (ec) before = 0;
  ::kill(pid, SIGHUP);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < until) {
    std::ifstream log(spec.folder / "engine.log");
    log.seekg(static_cast<std::streamoff>(before));
    std::string added((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    if (added.find("changed to") != std::string::npos || added.find("removed from configuration file") != std::string::npos ||
        added.find("contains errors") != std::string::npos)
      return Status::Ok();
    sleep_briefly();
  }
  return Status::Ok();
}

Status Engines::set_password(const EngineSpec& spec) {
  std::string note;
  if (!installed(spec.engine, &note)) return internal_error(note);
  if (is_mariadb(spec.engine))
    return mariadb_bootstrap(spec,
                             "FLUSH PRIVILEGES;\nALTER USER " + mariadb_literal(spec.master_user) +
                                 "@'%' IDENTIFIED BY " + mariadb_literal(spec.master_password) + ";\n",
                             "changing the password");
  auto code = run(spec, {pg_bin_ + "/postgres", "--single", "-D", data_path(spec.folder), "postgres"},
                  "ALTER ROLE " + quote_identifier(spec.master_user) + " WITH PASSWORD " +
                      quote_literal(spec.master_password) + ";\n");
  if (!code) return code.error();
  if (*code != 0) return internal_error("changing the password failed: " + log_tail(spec.folder));
  return Status::Ok();
}

Status Engines::copy_data(const fs::path& from, const fs::path& to) {
  // The copy belongs to whoever owns the original: the engine's user.
  struct stat owner {};
  if (::stat(from.c_str(), &owner) != 0) return internal_error("no data to copy at " + from.string());
  Identity id = postgres_identity_;
  id.uid = owner.st_uid;
  id.gid = owner.st_gid;
  NUAGE_TRY(prepare_folder(to, id));
  std::error_code ec;
  fs::copy(from / "data", to / "data", fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
  if (ec) return internal_error("copying the data failed: " + ec.message());
  fs::remove(to / "data" / "postmaster.pid", ec);
  fs::remove(to / "data" / "mariadbd.pid", ec);
  if (id.drop) {
    if (::chown((to / "data").c_str(), id.uid, id.gid) != 0)
      return internal_error("cannot give the copied data to the engine's user");
    for (const auto& entry : fs::recursive_directory_iterator(to / "data", ec))
      if (::lchown(entry.path().c_str(), id.uid, id.gid) != 0)
        return internal_error("cannot give the copied data to the engine's user");
  }
  return Status::Ok();
}

void Engines::remove(const fs::path& folder) {
  stop(folder);
  std::error_code ec;
  fs::remove_all(folder, ec);
}

uint16_t Engines::free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

bool Engines::accepting(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

EngineWorker::EngineWorker() : thread_([this] { loop(); }) {}

EngineWorker::~EngineWorker() { stop(); }

void EngineWorker::post(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void EngineWorker::run_and_wait(const std::function<void()>& fn) {
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool done = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !thread_.joinable()) {
      fn();
      return;
    }
    jobs_.push_front([&] {
      fn();
      std::lock_guard l(done_mu);
      done = true;
      done_cv.notify_one();
    });
  }
  cv_.notify_one();
  std::unique_lock l(done_mu);
  done_cv.wait(l, [&] { return done; });
}

void EngineWorker::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    jobs_.clear();
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void EngineWorker::loop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace nuage::services::rds
