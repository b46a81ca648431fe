#include "http/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace nuage::http {

namespace beast = boost::beast;
namespace asio = boost::asio;

bool is_loopback_url(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return false;
  std::string rest = url.substr(scheme_end + 3);
  std::string host = !rest.empty() && rest[0] == '[' ? rest.substr(0, rest.find(']') + 1)
                                                     : rest.substr(0, rest.find_first_of(":/?#"));
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" ||
         (host.size() > 10 && host.ends_with(".localhost"));
}

Result<ClientResponse> fetch(const std::string& method, const std::string& url, const std::string& body,
                             const Headers& headers, int timeout_seconds) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return AwsError{"InvalidURL", "only http:// URLs are supported: " + url, 400};
  std::string rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  std::string target = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = hostport.rfind(':');
  std::string host = colon == std::string::npos ? hostport : hostport.substr(0, colon);
  std::string port = colon == std::string::npos ? "80" : hostport.substr(colon + 1);
  try {
    asio::io_context ioc;
    asio::ip::tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(timeout_seconds));
    stream.connect(resolver.resolve(host, port));
    beast::http::request<beast::http::string_body> req(beast::http::string_to_verb(method), target, 11);
    req.set(beast::http::field::host, hostport);
    req.set(beast::http::field::content_type, "application/json");
    for (const auto& [name, value] : headers.items()) req.set(name, value);
    req.body() = body;
    req.prepare_payload();
    beast::http::write(stream, req);
    beast::flat_buffer buffer;
    beast::http::response<beast::http::string_body> res;
    beast::http::read(stream, buffer, res);
    beast::error_code ec;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    return ClientResponse{static_cast<int>(res.result_int()), res.body()};
  } catch (const std::exception& e) {
    return AwsError{"ConnectionError", "cannot reach " + url + ": " + e.what(), 503};
  }
}

}  // namespace nuage::http
