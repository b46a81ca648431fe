#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace nuage::http {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A raw HTTP/1.1 client over a POSIX socket, so the tests see exactly the
// bytes the server writes (100 Continue, framing, closes).
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

  bool send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads until `n` bytes are buffered; false on EOF/timeout.
  bool fill(size_t n, std::chrono::milliseconds timeout = 5000ms) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buf_.size() < n) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char tmp[65536];
      ssize_t r = ::recv(fd_, tmp, sizeof tmp, 0);
      if (r <= 0) return false;
      buf_.append(tmp, static_cast<size_t>(r));
    }
    return true;
  }

  std::optional<std::string> read_until(std::string_view delim) {
    for (;;) {
      auto pos = buf_.find(delim);
      if (pos != std::string::npos) {
        std::string out = buf_.substr(0, pos + delim.size());
        buf_.erase(0, pos + delim.size());
        return out;
      }
      if (!fill(buf_.size() + 1)) return std::nullopt;
    }
  }

  struct Reply {
    int status = 0;
    std::string head;  // status line and headers, as received
    std::string body;
    std::string header(std::string_view name) const {
      std::string lower_head;
      for (char c : head) lower_head += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string key = "\r\n" + std::string(name) + ":";
      for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto pos = lower_head.find(key);
      if (pos == std::string::npos) return "";
      auto start = pos + key.size();
      auto end = head.find("\r\n", start);
      std::string v = head.substr(start, end - start);
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      return v;
    }
    bool has(std::string_view name) const {
      return header(name) != "" || head.find(std::string(name) + ":") != std::string::npos;
    }
  };

  // Reads one response; the body is read by Content-Length unless
  // `no_body` (HEAD, 204).
  std::optional<Reply> read_reply(bool no_body = false) {
    auto head = read_until("\r\n\r\n");
    if (!head) return std::nullopt;
    Reply r;
    r.head = *head;
    r.status = std::stoi(r.head.substr(9, 3));
    if (no_body) return r;
    std::string cl = r.header("content-length");
    size_t len = cl.empty() ? 0 : std::stoull(cl);
    if (!fill(len)) return std::nullopt;
    r.body = buf_.substr(0, len);
    buf_.erase(0, len);
    return r;
  }

  // True when the server closed the connection (EOF) within the timeout.
  bool closed(std::chrono::milliseconds timeout = 3000ms) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char tmp[4096];
      ssize_t r = ::recv(fd_, tmp, sizeof tmp, 0);
      if (r <= 0) return true;
      buf_.append(tmp, static_cast<size_t>(r));
    }
  }

  const std::string& pending() const { return buf_; }

 private:
  int fd_ = -1;
  std::string buf_;
};

struct Seen {
  std::mutex mu;
  std::string method, target, remote, body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool in_file = false;
  fs::path file;
  int calls = 0;
};

std::string pattern(size_t n, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>('a' + rng() % 26);
  return s;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("nuage-http-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "spool");
    options_.host = "127.0.0.1";
    options_.port = 0;
    options_.io_threads = 2;
    options_.worker_threads = 4;
    options_.max_header_bytes = 4096;
    options_.max_body_bytes = 1024 * 1024;
    options_.memory_body_limit = 1024;
    options_.spool_dir = dir_ / "spool";
    options_.shutdown_grace = std::chrono::seconds(5);
  }

  void TearDown() override {
    stop_server();
    fs::remove_all(dir_);
  }

  void start_server() {
    server_ = std::make_unique<Server>(options_, [this](Request& r) { return handle(r); });
    port_ = server_->start();
    ASSERT_NE(port_, 0);
    thread_ = std::thread([this] { server_->run(); });
  }

  void stop_server() {
    if (!server_) return;
    server_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }

  Response handle(Request& r) {
    {
      std::lock_guard lock(seen_.mu);
      seen_.calls++;
      seen_.method = r.method;
      seen_.target = r.target;
      seen_.remote = r.remote_address;
      seen_.headers = r.headers.items();
      seen_.in_file = r.body.in_file();
      seen_.file = r.body.file();
      seen_.body = r.body.read_all();
    }
    Response resp;
    std::string_view path = r.path();
    if (path == "/slow") std::this_thread::sleep_for(500ms);
    if (path == "/slower") std::this_thread::sleep_for(2000ms);
    if (path == "/throw") throw std::runtime_error("boom");
    if (path == "/file") {
      resp.file = FileRange{file_path_, file_offset_, file_length_};
      resp.headers.set("content-type", "application/octet-stream");
      resp.on_sent = [this] { sent_ = true; };
      return resp;
    }
    if (path == "/head") {
      resp.headers.set("content-length", "12345");
      resp.headers.set("etag", "\"abc\"");
      return resp;
    }
    if (path == "/nocontent") {
      resp.status = 204;
      resp.body = "ignored";
      return resp;
    }
    resp.headers.set("x-method", r.method);
    resp.headers.set("x-amz-request-id", "REQ1");
    resp.headers.set("content-type", "text/plain");
    resp.body = r.method + " " + r.target + " " + std::to_string(r.body.size()) + ":" +
                (r.body.size() <= 4096 ? r.body.read_all() : std::string("<big>"));
    return resp;
  }

  ServerOptions options_;
  fs::path dir_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
  Seen seen_;
  fs::path file_path_;
  uint64_t file_offset_ = 0, file_length_ = 0;
  std::atomic<bool> sent_{false};
};

TEST_F(ServerTest, SimpleGet) {
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.send("GET /a%20b/c?x=%2F&y HTTP/1.1\r\nHost: localhost\r\nX-Custom: One\r\n"
                     "x-custom: two\r\n\r\n"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "GET /a%20b/c?x=%2F&y 0:");
  EXPECT_EQ(r->header("server"), "nuage");
  EXPECT_EQ(r->header("content-type"), "text/plain");
  EXPECT_EQ(r->header("x-amz-request-id"), "REQ1");
  EXPECT_EQ(r->header("content-length"), std::to_string(r->body.size()));
  EXPECT_FALSE(r->header("date").empty());

  std::lock_guard lock(seen_.mu);
  EXPECT_EQ(seen_.method, "GET");
  EXPECT_EQ(seen_.target, "/a%20b/c?x=%2F&y");
  EXPECT_EQ(seen_.remote, "127.0.0.1");
  ASSERT_EQ(seen_.headers.size(), 3u);
  EXPECT_EQ(seen_.headers[0], (std::pair<std::string, std::string>{"host", "localhost"}));
  EXPECT_EQ(seen_.headers[1], (std::pair<std::string, std::string>{"x-custom", "One"}));
  EXPECT_EQ(seen_.headers[2], (std::pair<std::string, std::string>{"x-custom", "two"}));
}

TEST_F(ServerTest, NoContentTypeUnlessHandlerSetsOne) {
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.send("GET /head HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-length"), "0");
  EXPECT_EQ(r->head.find("Content-Type"), std::string::npos);
}

TEST_F(ServerTest, KeepAliveTwoRequests) {
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r1 = c.read_reply();
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->body, "GET /one 0:");
  ASSERT_TRUE(c.send("PUT /two HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"));
  auto r2 = c.read_reply();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, "PUT /two 5:hello");
}

TEST_F(ServerTest, PipelinedRequestsAnsweredInOrder) {
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.send("POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                     "GET /second HTTP/1.1\r\nHost: x\r\n\r\n"
                     "GET /third HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r1 = c.read_reply();
  auto r2 = c.read_reply();
  auto r3 = c.read_reply();
  ASSERT_TRUE(r1 && r2 && r3);
  EXPECT_EQ(r1->body, "POST /first 3:abc");
  EXPECT_EQ(r2->body, "GET /second 0:");
  EXPECT_EQ(r3->body, "GET /third 0:");
}

TEST_F(ServerTest, ChunkedRequestBody) {
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.send("PUT /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "PUT /chunked 11:hello world");
  std::lock_guard lock(seen_.mu);
  EXPECT_FALSE(seen_.in_file);
}

TEST_F(ServerTest, LargeChunkedBodyIsSpooled) {
  start_server();
  std::string data = pattern(100000, 7);
  std::string req = "PUT /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (size_t i = 0; i < data.size(); i += 3000) {
    std::string part = data.substr(i, 3000);
    char len[32];
    std::snprintf(len, sizeof len, "%zx\r\n", part.size());
    req += len + part + "\r\n";
  }
  req += "0\r\n\r\n";
  Client c(port_);
  ASSERT_TRUE(c.send(req));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "PUT /big 100000:<big>");
  std::lock_guard lock(seen_.mu);
  EXPECT_TRUE(seen_.in_file);
  EXPECT_EQ(seen_.file.parent_path(), options_.spool_dir);
  EXPECT_EQ(seen_.body, data);
  EXPECT_FALSE(fs::exists(seen_.file));
}

TEST_F(ServerTest, ChunkedBodyOverLimitGets413) {
  options_.max_body_bytes = 10000;
  start_server();
  std::string req = "PUT /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5; ++i) req += "1000\r\n" + std::string(4096, 'x') + "\r\n";
  req += "0\r\n\r\n";
  Client c(port_);
  ASSERT_TRUE(c.send(req));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(seen_.calls, 0);
  EXPECT_TRUE(fs::is_empty(options_.spool_dir));
}

TEST_F(ServerTest, ContentLengthBodyAboveMemoryLimitIsSpooledAndRemoved) {
  start_server();
  std::string data = pattern(300000, 3);
  Client c(port_);
  ASSERT_TRUE(c.send("PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                     std::to_string(data.size()) + "\r\n\r\n" + data));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "PUT /up 300000:<big>");
  std::lock_guard lock(seen_.mu);
  EXPECT_TRUE(seen_.in_file);
  EXPECT_EQ(seen_.body, data);
  EXPECT_TRUE(fs::path(seen_.file).filename().string().starts_with("nuage-body-"));
  // The request is released before the response is written.
  EXPECT_FALSE(fs::exists(seen_.file));
  EXPECT_TRUE(fs::is_empty(options_.spool_dir));
}

TEST_F(ServerTest, ExpectContinue) {
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.send("PUT /exp HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                     "Expect: 100-continue\r\n\r\n"));
  auto interim = c.read_until("\r\n\r\n");
  ASSERT_TRUE(interim);
  EXPECT_EQ(*interim, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(c.send("data"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "PUT /exp 4:data");
}

TEST_F(ServerTest, ExpectContinueWithAnEmptyBodyStillGetsContinue) {
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.send("PUT /exp HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                     "Expect: 100-continue\r\n\r\n"));
  auto interim = c.read_until("\r\n\r\n");
  ASSERT_TRUE(interim);
  EXPECT_EQ(*interim, "HTTP/1.1 100 Continue\r\n\r\n");
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "PUT /exp 0:");
}

TEST_F(ServerTest, ExpectContinueWithTooLargeBodyGets413WithoutContinue) {
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.send("PUT /exp HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n"
                     "Expect: 100-continue\r\n\r\n"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(c.closed());
}

TEST_F(ServerTest, OversizedHeaderGets431) {
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8000, 'a') +
                     "\r\n\r\n"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(seen_.calls, 0);
}

TEST_F(ServerTest, ContentLengthOverMaxGets413) {
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.send("PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(seen_.calls, 0);
}

TEST_F(ServerTest, MalformedRequestGets400) {
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.send("THIS IS NOT HTTP\r\n\r\n"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(c.closed());
}

TEST_F(ServerTest, FileRangeResponseStreamsBytes) {
  std::string data = pattern(3 * 1024 * 1024 + 17, 11);
  file_path_ = dir_ / "blob";
  std::ofstream(file_path_, std::ios::binary) << data;
  file_offset_ = 1000;
  file_length_ = data.size() - 2000;
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.send("GET /file HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "application/octet-stream");
  EXPECT_EQ(r->body.size(), file_length_);
  EXPECT_TRUE(r->body == data.substr(file_offset_, file_length_));
  for (int i = 0; i < 200 && !sent_; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(sent_);
  // Connection still usable.
  ASSERT_TRUE(c.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r2 = c.read_reply();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, "GET /after 0:");
}

TEST_F(ServerTest, MissingFileGives500) {
  file_path_ = dir_ / "nope";
  file_length_ = 10;
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.send("GET /file HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  for (int i = 0; i < 200 && !sent_; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(sent_);
}

TEST_F(ServerTest, HeadKeepsHandlerContentLengthAndSendsNoBody) {
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.send("HEAD /head HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_reply(/*no_body=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-length"), "12345");
  EXPECT_EQ(r->header("etag"), "\"abc\"");
  // No body bytes: the next response starts right away.
  ASSERT_TRUE(c.send("HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r2 = c.read_reply(true);
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 200);
  EXPECT_EQ(r2->header("content-length"), std::to_string(std::string("HEAD /x 0:").size()));
  ASSERT_TRUE(c.send("GET /y HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r3 = c.read_reply();
  ASSERT_TRUE(r3);
  EXPECT_EQ(r3->body, "GET /y 0:");
}

TEST_F(ServerTest, NoContentHasNoBody) {
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.send("GET /nocontent HTTP/1.1\r\nHost: x\r\n\r\n"
                     "GET /next HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_reply(true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_TRUE(r->header("content-length").empty());
  auto r2 = c.read_reply();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, "GET /next 0:");
}

TEST_F(ServerTest, HandlerExceptionGives500) {
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.send("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  ASSERT_TRUE(c.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r2 = c.read_reply();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 200);
}

TEST_F(ServerTest, ConnectionCloseAndHttp10) {
  start_server();
  {
    Client c(port_);
    ASSERT_TRUE(c.send("GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_TRUE(c.closed());
  }
  {
    Client c(port_);
    ASSERT_TRUE(c.send("GET /b HTTP/1.0\r\n\r\n"));
    auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->head.substr(0, 8), "HTTP/1.0");
    EXPECT_EQ(r->body, "GET /b 0:");
    EXPECT_TRUE(c.closed());
  }
  {
    Client c(port_);
    ASSERT_TRUE(c.send("GET /c HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header("connection"), "keep-alive");
    ASSERT_TRUE(c.send("GET /d HTTP/1.0\r\n\r\n"));
    auto r2 = c.read_reply();
    ASSERT_TRUE(r2);
    EXPECT_EQ(r2->body, "GET /d 0:");
    EXPECT_TRUE(c.closed());
  }
}

TEST_F(ServerTest, HeaderTimeoutClosesConnection) {
  options_.header_timeout = std::chrono::seconds(1);
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost"));
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed(4000ms));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST_F(ServerTest, StopWithIdleConnectionsReturnsPromptly) {
  start_server();
  Client idle1(port_);
  Client idle2(port_);
  ASSERT_TRUE(idle2.send("GET /k HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(idle2.read_reply());
  std::this_thread::sleep_for(50ms);  // let the first connection be accepted
  auto t0 = std::chrono::steady_clock::now();
  stop_server();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_TRUE(idle1.closed(1000ms));
  EXPECT_TRUE(idle2.closed(1000ms));
}

TEST_F(ServerTest, StopLetsInFlightRequestFinish) {
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::this_thread::sleep_for(150ms);
  auto t0 = std::chrono::steady_clock::now();
  server_->stop();
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("connection"), "close");
  thread_.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  // No new connections once stopped.
  Client late(port_);
  EXPECT_FALSE(late.ok() && late.send("GET / HTTP/1.1\r\n\r\n") && late.read_reply());
}

TEST_F(ServerTest, StopGivesUpAfterGrace) {
  options_.shutdown_grace = std::chrono::seconds(0);
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.send("GET /slower HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::this_thread::sleep_for(100ms);
  auto t0 = std::chrono::steady_clock::now();
  server_->stop();
  thread_.join();
  // run() returns without waiting for the handler still sleeping.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);
  EXPECT_TRUE(c.closed(500ms));
  server_.reset();  // waits for the handler, then frees the session
}

TEST_F(ServerTest, BindFailureThrows) {
  start_server();
  ServerOptions o = options_;
  o.port = port_;
  Server second(o, [](Request&) { return Response{}; });
  EXPECT_THROW(second.start(), std::system_error);
}

TEST_F(ServerTest, StopBeforeRunReturns) {
  Server s(options_, [](Request&) { return Response{}; });
  s.start();
  s.stop();
  s.run();
  SUCCEED();
}

}  // namespace
}  // namespace nuage::http
