#include "http/server.h"

#include "common/text.h"
#include "http/worker_pool.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/optional.hpp>

namespace nuage::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Beast's string_view may be boost's or std's depending on configuration.
template <typename S>
std::string_view sv(const S& s) {
  return std::string_view(s.data(), s.size());
}

// Comma-separated token lists (Connection: keep-alive, close).
bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (text::iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

std::string http_date() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

// Creates a new, exclusively owned spool file. O_EXCL makes the random name
// safe against collisions and against files planted in a shared /tmp.
int create_spool_file(const std::filesystem::path& dir, std::filesystem::path& out) {
  thread_local std::mt19937_64 rng{std::random_device{}() ^
                                   (static_cast<uint64_t>(::getpid()) << 32) ^
                                   std::hash<std::thread::id>{}(std::this_thread::get_id())};
  for (int attempt = 0; attempt < 16; ++attempt) {
    char name[48];
    std::snprintf(name, sizeof name, "nuage-body-%016llx",
                  static_cast<unsigned long long>(rng()));
    std::filesystem::path p = dir / name;
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      out = std::move(p);
      return fd;
    }
    if (errno != EEXIST) return -1;
  }
  errno = EEXIST;
  return -1;
}

bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Request body that stays in memory up to a limit and then spills everything
// to a spool file, so bodies of unknown length (chunked) never have to be
// held whole in memory.
struct SpoolBody {
  struct value_type {
    // Configuration, set before the body is read.
    uint64_t memory_limit = UINT64_MAX;
    std::filesystem::path spool_dir;

    std::string memory;
    std::filesystem::path file;
    int fd = -1;
    uint64_t size = 0;
    bool spool_failed = false;  // disk trouble, as opposed to a client error

    value_type() = default;
    value_type(const value_type&) = delete;
    value_type& operator=(const value_type&) = delete;
    value_type(value_type&& o) noexcept
        : memory_limit(o.memory_limit),
          spool_dir(std::move(o.spool_dir)),
          memory(std::move(o.memory)),
          file(std::move(o.file)),
          fd(std::exchange(o.fd, -1)),
          size(o.size),
          spool_failed(o.spool_failed) {
      o.file.clear();
    }
    value_type& operator=(value_type&& o) noexcept {
      if (this != &o) {
        discard();
        memory_limit = o.memory_limit;
        spool_dir = std::move(o.spool_dir);
        memory = std::move(o.memory);
        file = std::move(o.file);
        o.file.clear();
        fd = std::exchange(o.fd, -1);
        size = o.size;
        spool_failed = o.spool_failed;
      }
      return *this;
    }
    ~value_type() { discard(); }

    void discard() {
      if (fd >= 0) ::close(std::exchange(fd, -1));
      if (!file.empty()) {
        std::error_code ec;
        std::filesystem::remove(file, ec);
        file.clear();
      }
    }

    bool spill() {
      fd = create_spool_file(spool_dir, file);
      if (fd < 0) return false;
      if (!memory.empty()) {
        if (!write_all(fd, memory.data(), memory.size())) return false;
        std::string().swap(memory);
      }
      return true;
    }

    // Hands the bytes (or the file, with its ownership) to a Body.
    Body take() {
      if (file.empty()) return Body(std::move(memory));
      if (fd >= 0) ::close(std::exchange(fd, -1));
      Body b = Body::spooled(std::move(file), size);
      file.clear();
      return b;
    }
  };

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(bhttp::header<isRequest, Fields>&, value_type& b) : body_(b) {}

    void init(const boost::optional<uint64_t>& length, beast::error_code& ec) {
      ec = {};
      if (length && *length > body_.memory_limit) {
        if (!body_.spill()) fail(ec);
      } else if (length) {
        body_.memory.reserve(static_cast<size_t>(*length));
      }
    }

    template <class ConstBufferSequence>
    size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
      ec = {};
      size_t n = 0;
      for (auto b : beast::buffers_range_ref(buffers)) {
        const char* p = static_cast<const char*>(b.data());
        if (body_.fd >= 0) {
          if (!write_all(body_.fd, p, b.size())) {
            fail(ec);
            return n;
          }
        } else {
          body_.memory.append(p, b.size());
        }
        n += b.size();
      }
      body_.size += n;
      if (body_.fd < 0 && body_.memory.size() > body_.memory_limit && !body_.spill()) fail(ec);
      return n;
    }

    void finish(beast::error_code& ec) { ec = {}; }

   private:
    void fail(beast::error_code& ec) {
      int err = errno ? errno : EIO;
      body_.spool_failed = true;
      ec = beast::error_code(err, boost::system::system_category());
    }

    value_type& body_;
  };
};

// Response body: a string, or a byte range of an open file read in chunks.
struct OutBody {
  struct value_type {
    std::string text;
    int fd = -1;
    uint64_t offset = 0;
    uint64_t length = 0;

    value_type() = default;
    value_type(const value_type&) = delete;
    value_type& operator=(const value_type&) = delete;
    value_type(value_type&& o) noexcept
        : text(std::move(o.text)),
          fd(std::exchange(o.fd, -1)),
          offset(o.offset),
          length(o.length) {}
    value_type& operator=(value_type&& o) noexcept {
      if (this != &o) {
        if (fd >= 0) ::close(fd);
        text = std::move(o.text);
        fd = std::exchange(o.fd, -1);
        offset = o.offset;
        length = o.length;
      }
      return *this;
    }
    ~value_type() {
      if (fd >= 0) ::close(fd);
    }
  };

  static uint64_t size(const value_type& v) { return v.fd >= 0 ? v.length : v.text.size(); }

  class writer {
   public:
    using const_buffers_type = asio::const_buffer;
    static constexpr size_t kChunk = 256 * 1024;

    template <bool isRequest, class Fields>
    writer(const bhttp::header<isRequest, Fields>&, const value_type& b) : body_(b) {}

    void init(beast::error_code& ec) { ec = {}; }

    boost::optional<std::pair<const_buffers_type, bool>> get(beast::error_code& ec) {
      ec = {};
      if (body_.fd < 0) {
        if (done_ || body_.text.empty()) return boost::none;
        done_ = true;
        return {{const_buffers_type(body_.text.data(), body_.text.size()), false}};
      }
      if (sent_ >= body_.length) return boost::none;
      if (!buf_) buf_ = std::make_unique<char[]>(kChunk);
      size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, body_.length - sent_));
      ssize_t n;
      do {
        n = ::pread(body_.fd, buf_.get(), want, static_cast<off_t>(body_.offset + sent_));
      } while (n < 0 && errno == EINTR);
      if (n <= 0) {
        // A file shorter than promised: the Content-Length can no longer be
        // honoured, so the connection has to fail.
        ec = beast::error_code(n < 0 ? errno : EIO, boost::system::system_category());
        return boost::none;
      }
      sent_ += static_cast<uint64_t>(n);
      return {{const_buffers_type(buf_.get(), static_cast<size_t>(n)), sent_ < body_.length}};
    }

   private:
    const value_type& body_;
    std::unique_ptr<char[]> buf_;
    uint64_t sent_ = 0;
    bool done_ = false;
  };
};

using OutResponse = bhttp::response<OutBody>;

// Threads the server creates never take process signals: they belong to
// whichever thread the program dedicates to them (sigwait, signal_set), and
// the pool threads exist before main() gets a chance to block them.
class BlockSignals {
 public:
  BlockSignals() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old_);
  }
  ~BlockSignals() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  BlockSignals(const BlockSignals&) = delete;
  BlockSignals& operator=(const BlockSignals&) = delete;

 private:
  sigset_t old_;
};

}  // namespace

// Handler threads an idle server keeps (more start as requests overlap).
constexpr int kIdleWorkers = 2;

struct Server::Impl {
  class Session;

  Impl(ServerOptions o, Handler h)
      : options(std::move(o)),
        handler(std::move(h)),
        acceptor(asio::make_strand(ioc)) {
    BlockSignals block;
    workers.emplace(kIdleWorkers, std::max(1, options.worker_threads));
  }

  ~Impl() {
    // Coroutine frames still suspended (e.g. waiting on a handler that
    // outlived the grace period) reference both the io_context and the
    // worker pool; let the handlers drain before the frames are destroyed.
    ioc.stop();
    workers->join();
  }

  uint16_t start();
  void run();
  void stop();

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> shutdown();

  void add_session(uint64_t id, const std::shared_ptr<Session>& s) {
    std::lock_guard lock(mu);
    sessions.emplace(id, s);
  }
  void remove_session(uint64_t id) {
    std::lock_guard lock(mu);
    sessions.erase(id);
  }
  size_t session_count() {
    std::lock_guard lock(mu);
    return sessions.size();
  }
  std::vector<std::shared_ptr<Session>> live_sessions() {
    std::lock_guard lock(mu);
    std::vector<std::shared_ptr<Session>> out;
    for (auto& [id, w] : sessions)
      if (auto s = w.lock()) out.push_back(std::move(s));
    return out;
  }

  ServerOptions options;
  Handler handler;
  std::mutex mu;
  std::map<uint64_t, std::weak_ptr<Session>> sessions;
  uint64_t next_session_id = 0;  // accept strand only
  std::atomic<bool> started{false};
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> stopping{false};
  // Destroyed after the io_context, whose pending frames may still refer to
  // the members above (registry, handler).
  std::optional<WorkerPool> workers;
  asio::io_context ioc;
  tcp::acceptor acceptor;
};

class Server::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Impl& server, tcp::socket socket, uint64_t id)
      : server_(server), stream_(std::move(socket)), id_(id) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      auto addr = ep.address();
      if (addr.is_v6() && addr.to_v6().is_v4_mapped())
        addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
      remote_ = addr.to_string();
    }
  }

  asio::any_io_executor executor() { return stream_.get_executor(); }

  asio::awaitable<void> run() {
    auto self = shared_from_this();
    try {
      co_await serve();
    } catch (...) {
      // A session never takes the server down; the connection just ends.
    }
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    server_.remove_session(id_);
  }

  // On the session's strand: closes the connection if it is between requests;
  // a request in progress finishes and then the connection closes.
  void on_stop() {
    if (idle_) stream_.cancel();
  }

  // On the session's strand: the grace period is over.
  void force_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

 private:
  asio::awaitable<void> serve();
  asio::awaitable<void> send_error_and_close(unsigned status, std::string_view message,
                                             unsigned version);
  asio::awaitable<void> linger_close();
  asio::awaitable<bool> write_response(Response& resp, unsigned version, bool head,
                                       bool keep_alive);

  Impl& server_;
  beast::tcp_stream stream_;
  uint64_t id_;
  std::string remote_;
  beast::flat_buffer buffer_;
  bool idle_ = false;
};

asio::awaitable<void> Server::Impl::Session::serve() {
  const ServerOptions& opt = server_.options;
  bool first = true;
  for (;;) {
    // Wait for the first byte of the next request separately, so that an
    // idle keep-alive connection gets idle_timeout (and can be closed at
    // shutdown) while a started header gets header_timeout.
    if (buffer_.size() == 0) {
      if (server_.stopping) co_return;
      idle_ = true;
      stream_.expires_after(first ? opt.header_timeout : opt.idle_timeout);
      auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(16 * 1024), kTuple);
      idle_ = false;
      if (ec) co_return;
      buffer_.commit(n);
    }
    first = false;

    bhttp::request_parser<bhttp::empty_body> hp;
    hp.header_limit(opt.max_header_bytes);
    // Content-Length is checked by hand so that it yields a 413 rather than a
    // parse error; chunked bodies are limited by the body parser below.
    hp.body_limit(boost::none);
    stream_.expires_after(opt.header_timeout);
    {
      auto [ec, n] = co_await bhttp::async_read_header(stream_, buffer_, hp, kTuple);
      (void)n;
      if (ec == bhttp::error::header_limit) {
        co_await send_error_and_close(431, "Request Header Fields Too Large", 11);
        co_return;
      }
      if (ec) {
        if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
            ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
          co_await send_error_and_close(400, "Bad Request", 11);
        }
        co_return;
      }
    }

    auto& header = hp.get();
    const unsigned version = header.version() == 10 ? 10 : 11;
    const bool head = header.method() == bhttp::verb::head;
    bool keep_alive = header.keep_alive();

    Request req;
    req.method = std::string(sv(header.method_string()));
    req.target = std::string(sv(header.target()));
    for (const auto& f : header) req.headers.add(sv(f.name_string()), sv(f.value()));
    req.remote_address = remote_;

    if (auto len = hp.content_length(); len && *len > opt.max_body_bytes) {
      co_await send_error_and_close(413, "Request Entity Too Large", version);
      co_return;
    }

    // 100 Continue for every request that expects it, an empty body's too
    // (Content-Length: 0): S3 answers so, and botocore, when a final status
    // comes instead, keeps that status line for the connection's next
    // response and misreads it (urllib3 "MissingHeaderBodySeparatorDefect",
    // then a read timeout: every empty upload cost a minute).
    if (version == 11 && text::iequals(sv(header[bhttp::field::expect]), "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      stream_.expires_after(opt.body_timeout);
      auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()), kTuple);
      (void)n;
      if (ec) co_return;
    }
    if (!hp.is_done()) {
      bhttp::request_parser<SpoolBody> bp(std::move(hp));
      bp.body_limit(opt.max_body_bytes);
      bp.get().body().memory_limit = opt.memory_body_limit;
      bp.get().body().spool_dir = opt.spool_dir;
      stream_.expires_after(opt.body_timeout);
      auto [ec, n] = co_await bhttp::async_read(stream_, buffer_, bp, kTuple);
      (void)n;
      if (ec) bp.get().body().discard();  // no spool file outlives a failed read
      if (ec == bhttp::error::body_limit) {
        co_await send_error_and_close(413, "Request Entity Too Large", version);
        co_return;
      }
      if (ec) {
        if (bp.get().body().spool_failed) {
          co_await send_error_and_close(500, "Cannot store request body", version);
        } else if (ec.category() ==
                       bhttp::make_error_code(bhttp::error::bad_method).category() &&
                   ec != bhttp::error::partial_message) {
          co_await send_error_and_close(400, "Bad Request", version);
        }
        co_return;
      }
      req.body = bp.get().body().take();
    }

    Response resp;
    try {
      server_.workers->enter();
      resp = co_await asio::co_spawn(
          server_.workers->executor(),
          [&]() -> asio::awaitable<Response> {
            struct Leave {
              WorkerPool& pool;
              ~Leave() { pool.leave(); }
            } leave{*server_.workers};
            co_return server_.handler(req);
          },
          asio::use_awaitable);
    } catch (...) {
      resp = Response{};
      resp.status = 500;
      resp.body = "Internal Server Error";
      resp.headers.set("content-type", "text/plain");
    }
    // The request (and any spool file it still owns) is no longer needed;
    // free it before a possibly long response write.
    req = Request{};

    struct OnSent {
      std::function<void()> fn;
      ~OnSent() {
        if (!fn) return;
        try {
          fn();
        } catch (...) {
        }
      }
    } on_sent{std::move(resp.on_sent)};

    if (server_.stopping) keep_alive = false;
    if (const std::string* c = resp.headers.find("connection"); c && has_token(*c, "close"))
      keep_alive = false;
    bool ok = co_await write_response(resp, version, head, keep_alive);
    if (!ok) co_return;
    if (!keep_alive) {
      co_await linger_close();
      co_return;
    }
  }
}

asio::awaitable<bool> Server::Impl::Session::write_response(Response& resp, unsigned version,
                                                             bool head, bool keep_alive) {
  OutResponse res;
  res.version(version);
  int status = resp.status;
  if (status < 100 || status > 599) status = 500;
  res.result(static_cast<unsigned>(status));

  const std::string* handler_length = resp.headers.find("content-length");
  bool has_server = false, has_date = false;
  for (const auto& [name, value] : resp.headers.items()) {
    // Framing is the server's business: it always sends an exact
    // Content-Length and never chunks a response.
    if (name == "content-length" || name == "transfer-encoding" || name == "connection" ||
        name == "keep-alive")
      continue;
    if (name == "server") has_server = true;
    if (name == "date") has_date = true;
    // Known fields go in under Beast's canonical spelling ("Content-Type");
    // others (x-amz-*) keep the lower case AWS itself uses.
    auto f = bhttp::string_to_field(name);
    if (f != bhttp::field::unknown)
      res.insert(f, value);
    else
      res.insert(name, value);
  }
  if (!has_server) res.set(bhttp::field::server, "nuage");
  if (!has_date) res.set(bhttp::field::date, http_date());

  if (status < 200 || status == 204) {
    // RFC 9110: no Content-Length on 1xx/204.
  } else if (status == 304 || head) {
    // No body, but the headers describe the representation a GET would get.
    if (handler_length)
      res.set(bhttp::field::content_length, *handler_length);
    else if (head)
      res.content_length(resp.file ? resp.file->length : resp.body.size());
  } else if (resp.file) {
    int fd = ::open(resp.file->path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      res.result(bhttp::status::internal_server_error);
      res.erase(bhttp::field::content_type);
      res.set(bhttp::field::content_type, "text/plain");
      res.body().text = "Internal Server Error";
      res.content_length(res.body().text.size());
    } else {
      res.body().fd = fd;
      res.body().offset = resp.file->offset;
      res.body().length = resp.file->length;
      res.content_length(resp.file->length);
    }
  } else {
    res.content_length(resp.body.size());
    res.body().text = std::move(resp.body);
  }
  res.keep_alive(keep_alive);

  stream_.expires_after(server_.options.body_timeout);
  auto [ec, n] = co_await bhttp::async_write(stream_, res, kTuple);
  (void)n;
  co_return !ec;
}

asio::awaitable<void> Server::Impl::Session::send_error_and_close(unsigned status,
                                                                  std::string_view message,
                                                                  unsigned version) {
  Response resp;
  resp.status = static_cast<int>(status);
  resp.headers.set("content-type", "text/plain");
  resp.body = std::string(message) + "\n";
  if (co_await write_response(resp, version, false, false)) co_await linger_close();
}

// Closing right after an error response while the client is still sending
// (e.g. the body we refused) would make the kernel answer with a RST that can
// destroy the response before the client reads it. Half-close and drain a
// little first.
asio::awaitable<void> Server::Impl::Session::linger_close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  // Counts as idle, so that stop() does not wait for a client that keeps
  // its end open.
  if (server_.stopping) co_return;
  idle_ = true;
  stream_.expires_after(std::chrono::seconds(2));
  std::array<char, 16 * 1024> scratch;
  uint64_t drained = 0;
  while (drained < 16 * 1024 * 1024) {
    auto [rec, n] = co_await stream_.async_read_some(asio::buffer(scratch), kTuple);
    if (rec) break;
    drained += n;
  }
  idle_ = false;
}

asio::awaitable<void> Server::Impl::accept_loop() {
  for (;;) {
    tcp::socket socket(asio::make_strand(ioc));
    auto [ec] = co_await acceptor.async_accept(socket, kTuple);
    if (stopping || !acceptor.is_open()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      // Out of descriptors and similar: back off instead of spinning.
      asio::steady_timer t(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await t.async_wait(kTuple);
      continue;
    }
    beast::error_code nec;
    socket.set_option(tcp::no_delay(true), nec);
    uint64_t id = next_session_id++;
    auto session = std::make_shared<Session>(*this, std::move(socket), id);
    add_session(id, session);
    asio::co_spawn(session->executor(), session->run(), asio::detached);
  }
}

asio::awaitable<void> Server::Impl::shutdown() {
  stopping = true;
  asio::post(acceptor.get_executor(), [this] {
    beast::error_code ec;
    acceptor.close(ec);
  });
  for (auto& s : live_sessions()) asio::post(s->executor(), [s] { s->on_stop(); });

  asio::steady_timer timer(ioc);
  auto wait_until = [&](std::chrono::steady_clock::time_point deadline) -> asio::awaitable<void> {
    auto step = std::chrono::milliseconds(1);
    while (session_count() > 0 && std::chrono::steady_clock::now() < deadline) {
      timer.expires_after(step);
      co_await timer.async_wait(kTuple);
      step = std::min(step * 2, std::chrono::milliseconds(20));
    }
  };
  co_await wait_until(std::chrono::steady_clock::now() + options.shutdown_grace);
  if (session_count() > 0) {
    for (auto& s : live_sessions()) asio::post(s->executor(), [s] { s->force_close(); });
    co_await wait_until(std::chrono::steady_clock::now() + std::chrono::milliseconds(200));
  }
  // Sessions still waiting on a handler past the grace period are abandoned;
  // ~Impl waits for the handlers before destroying their frames.
  ioc.stop();
}

uint16_t Server::Impl::start() {
  if (started.exchange(true)) return acceptor.local_endpoint().port();
  beast::error_code ec;
  asio::ip::address addr = asio::ip::make_address(options.host, ec);
  tcp::endpoint endpoint;
  if (ec) {
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(options.host, std::to_string(options.port), ec);
    if (ec || results.empty()) {
      started = false;
      throw std::system_error(std::error_code(ec), "cannot resolve " + options.host);
    }
    endpoint = results.begin()->endpoint();
  } else {
    endpoint = tcp::endpoint(addr, options.port);
  }
  auto fail = [&](const char* what) {
    beast::error_code ignored;
    acceptor.close(ignored);
    started = false;
    throw std::system_error(std::error_code(ec), std::string(what) + " " + options.host + ":" +
                                                     std::to_string(options.port));
  };
  acceptor.open(endpoint.protocol(), ec);
  if (ec) fail("cannot open");
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  acceptor.bind(endpoint, ec);
  if (ec) fail("cannot bind");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail("cannot listen on");
  uint16_t port = acceptor.local_endpoint().port();
  asio::co_spawn(acceptor.get_executor(), accept_loop(), asio::detached);
  return port;
}

void Server::Impl::run() {
  if (!started) start();
  std::vector<std::thread> threads;
  {
    BlockSignals block;
    for (int i = 1; i < options.io_threads; ++i) threads.emplace_back([this] { ioc.run(); });
  }
  ioc.run();
  for (auto& t : threads) t.join();
}

void Server::Impl::stop() {
  if (stop_requested.exchange(true)) return;
  asio::co_spawn(ioc, shutdown(), asio::detached);
}

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() = default;

uint16_t Server::start() { return impl_->start(); }
void Server::run() { impl_->run(); }
void Server::stop() { impl_->stop(); }

}  // namespace nuage::http
