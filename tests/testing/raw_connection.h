// RawConnection: a client connection over a plain socket, for requests httplib's client cannot
// send (partial heads, bodiless POSTs without Content-Length, HEAD whose reply must end at its
// head) and for holding connections open.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace exemplar::testing {

// Closed when destroyed.
class RawConnection {
 public:
  // `from`: the client's own loopback address (127.0.0.0/8 is all this machine), so one test can
  // be several clients.
  explicit RawConnection(int port, const char* from = nullptr) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (from != nullptr) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      inet_pton(AF_INET, from, &local.sin_addr);
      if (bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
        close(fd_);
        fd_ = -1;
        return;
      }
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~RawConnection() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  bool Send(const std::string& s) {
    return fd_ >= 0 && send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
  }
  // Reads until `marker` has arrived, the peer closed or `timeout` passed; returns all read so far.
  std::string ReadUntil(const std::string& marker, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (received_.find(marker) == std::string::npos && !closed_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[8192];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) closed_ = true;
      else received_.append(buf, static_cast<size_t>(n));
    }
    return received_;
  }
  // Reads until the peer closes the connection (or `timeout`).
  std::string ReadToClose(std::chrono::milliseconds timeout) { return ReadUntil(std::string(1, '\0') + "never", timeout); }
  bool closed() const { return closed_; }
  void Forget() { received_.clear(); }

 private:
  int fd_ = -1;
  std::string received_;
  bool closed_ = false;
};

}  // namespace exemplar::testing
