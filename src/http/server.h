// HTTP/1.1 server on Boost.Beast/Asio: the only code in nuage that includes
// Beast. One listener, one session per connection; keep-alive, bounded
// pipelining, chunked transfer encoding, `Expect: 100-continue`, per-request
// timeouts, header and body limits answered with a 4xx, request bodies above
// `memory_body_limit` spooled to a file in `spool_dir`, file-range responses
// streamed from disk. Clean shutdown: stop() stops accepting, lets in-flight
// requests finish (up to `shutdown_grace`), then closes every connection.
//
// The handler runs on a worker pool (not the I/O threads) so that a handler
// that blocks (a Lambda invoke, an fsync) never stalls other connections.
// Thread-safety: start()/run()/stop() may be called from any thread;
// the handler is called concurrently from several worker threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "http/message.h"

namespace nuage::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4566;                  // 0 = any free port
  int io_threads = 2;
  int worker_threads = 16;  // most handler threads; they start as requests overlap
  uint32_t max_header_bytes = 64 * 1024;           // 431 beyond
  uint64_t max_body_bytes = 5ULL * 1024 * 1024 * 1024 + 64 * 1024 * 1024;  // 413 beyond
  uint64_t memory_body_limit = 1 * 1024 * 1024;    // spooled to a file beyond
  std::filesystem::path spool_dir = "/tmp";
  std::chrono::seconds header_timeout{60};         // to receive a request's header
  std::chrono::seconds body_timeout{3600};         // to receive a body (large uploads)
  std::chrono::seconds idle_timeout{120};          // keep-alive idle connection
  std::chrono::seconds shutdown_grace{10};
  int max_pipelined = 16;                          // requests read ahead per connection
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; returns the bound port (useful with port 0).
  // Throws std::system_error if the address cannot be bound.
  uint16_t start();
  // Runs the I/O threads until stop() completes. Blocks.
  void run();
  // Graceful stop; safe from a signal-handling thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nuage::http
