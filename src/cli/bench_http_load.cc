#include "cli/bench_http_load.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstring>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "cli/bench_connections.h"

namespace exemplar::cli {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

HttpLoad Summarise(const std::vector<std::vector<double>>& lat, Clock::time_point start, int64_t errors) {
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (const auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  HttpLoad out;
  out.p50_ms = Percentile(all, 0.5);
  out.requests = static_cast<int64_t>(all.size());
  out.qps = secs > 0 ? static_cast<double>(all.size()) / secs : 0;
  out.errors = errors;
  return out;
}

// One keep-alive connection to 127.0.0.1:port. RoundTrip sends a request and reads one response:
// the status line, headers up to the blank line, then Content-Length bytes of body.
class LeanConnection {
 public:
  explicit LeanConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) Close();
  }
  ~LeanConnection() { Close(); }
  LeanConnection(const LeanConnection&) = delete;
  LeanConnection& operator=(const LeanConnection&) = delete;

  bool ok() const { return fd_ >= 0; }

  // The response's status, or -1 when the connection failed or the response could not be read.
  int RoundTrip(std::string_view request) {
    if (fd_ < 0) return -1;
    for (size_t sent = 0; sent < request.size();) {
      const ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return Fail();
      sent += static_cast<size_t>(n);
    }
    buf_.clear();
    size_t header_end;
    while ((header_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Read()) return Fail();
    }
    const std::string_view head(buf_.data(), header_end);
    int status = 0;
    if (head.size() < 12 || head.substr(0, 5) != "HTTP/") return Fail();
    std::from_chars(head.data() + 9, head.data() + 12, status);
    const std::optional<size_t> length = HeaderNumber(head, "content-length:");
    if (!length) return Fail();  // chunked or no length: not what this server sends
    const size_t total = header_end + 4 + *length;
    while (buf_.size() < total) {
      if (!Read()) return Fail();
    }
    if (buf_.size() != total) return Fail();  // bytes past the response: out of step
    if (HasHeader(head, "connection:", "close")) Close();  // the server ends it: the next request reconnects
    return status;
  }

 private:
  // The value of header `name` (lower case, with the colon), or nullopt.
  static std::optional<std::string_view> Header(std::string_view head, std::string_view name) {
    for (size_t pos = head.find("\r\n"); pos != std::string_view::npos;) {
      const size_t next = head.find("\r\n", pos + 2);
      std::string_view line = head.substr(pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
      if (line.size() >= name.size() && ::strncasecmp(line.data(), name.data(), name.size()) == 0) {
        std::string_view v = line.substr(name.size());
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        return v;
      }
      pos = next;
    }
    return std::nullopt;
  }

  static std::optional<size_t> HeaderNumber(std::string_view head, std::string_view name) {
    const auto v = Header(head, name);
    if (!v) return std::nullopt;
    size_t n = 0;
    const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || end == v->data()) return std::nullopt;
    return n;
  }

  static bool HasHeader(std::string_view head, std::string_view name, std::string_view value) {
    const auto v = Header(head, name);
    return v && v->size() == value.size() && ::strncasecmp(v->data(), value.data(), value.size()) == 0;
  }

  bool Read() {
    char chunk[16384];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int Fail() {
    Close();
    return -1;
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  int fd_ = -1;
  std::string buf_;
};

// Sends requests 0 … total-1 from `clients` threads, each with its own connection: `connect()`,
// called on the thread, returns a function that sends request i and says whether it got a 200.
// Stops early once max_seconds (> 0) have passed.
HttpLoad Drive(int clients, int total, double max_seconds,
               const std::function<std::function<bool(int)>()>& connect) {
  std::atomic<int> next{0};
  std::atomic<int64_t> errors{0};
  std::vector<std::vector<double>> lat(static_cast<size_t>(clients));
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(max_seconds));
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto& mine = lat[static_cast<size_t>(c)];
      mine.reserve(static_cast<size_t>(total / clients + 1));
      const auto send = connect();
      for (int i = next++; i < total && (max_seconds <= 0 || Clock::now() < deadline); i = next++) {
        const auto t0 = Clock::now();
        const bool ok = send(i);
        mine.push_back(Ms(Clock::now() - t0));
        if (!ok) ++errors;
      }
    });
  }
  for (auto& t : threads) t.join();
  return Summarise(lat, start, errors.load());
}

}  // namespace

HttpLoad RunLoad(int port, int clients, int total,
                 const std::function<httplib::Result(httplib::Client&, int)>& send, double max_seconds) {
  return Drive(clients, total, max_seconds, [&]() -> std::function<bool(int)> {
    auto cli = std::make_shared<httplib::Client>("127.0.0.1", port);
    cli->set_tcp_nodelay(true);
    cli->set_keep_alive(true);
    return [cli, &send](int i) {
      auto r = send(*cli, i);
      return r && r->status == 200;
    };
  });
}

HttpLoad RunLeanLoad(int port, int clients, int total, const std::function<const std::string&(int)>& request) {
  return Drive(clients, total, 0, [&]() -> std::function<bool(int)> {
    auto conn = std::make_shared<std::unique_ptr<LeanConnection>>(std::make_unique<LeanConnection>(port));
    return [conn, port, &request](int i) {
      if (!(*conn)->ok()) *conn = std::make_unique<LeanConnection>(port);  // reconnect after a failure
      return (*conn)->RoundTrip(request(i)) == 200;
    };
  });
}

std::string RawRequest(const std::string& target, const std::string& body) {
  std::string r = (body.empty() ? "GET " : "POST ") + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!body.empty()) {
    r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  r += "\r\n";
  r += body;
  return r;
}

}  // namespace exemplar::cli
