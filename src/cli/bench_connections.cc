#include "cli/bench_connections.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace exemplar::cli {
namespace {

using Clock = std::chrono::steady_clock;

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& s) {
  size_t sent = 0;
  while (sent < s.size()) {
    ssize_t n = send(fd, s.data() + sent, s.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5))];
}

double ResidentMb() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

double ResidentPartMb(const std::string& field) {
  double kb = 0;
  if (FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, f)) {
      if (std::string(line).rfind(field + ":", 0) == 0) kb = std::atof(line + field.size() + 1);
    }
    std::fclose(f);
  }
  return kb / 1024.0;
}

Json MeasureConnFlood(int port, const std::string& sse_path, const std::vector<std::string>& get_paths,
                      const FloodOptions& o) {
  std::vector<int> idle, slow, sse;
  int failed = 0;
  for (int i = 0; i < o.idle; ++i) {
    int fd = Connect(port);
    fd >= 0 ? idle.push_back(fd) : void(++failed);
  }
  for (int i = 0; i < o.slowloris; ++i) {
    int fd = Connect(port);
    if (fd >= 0 && SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")) slow.push_back(fd);
    else ++failed;
  }
  std::string sse_request = "GET " + sse_path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
  for (int i = 0; i < o.sse; ++i) {
    int fd = Connect(port);
    if (fd >= 0 && SendAll(fd, sse_request)) sse.push_back(fd);
    else ++failed;
  }
  for (int fd : sse) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

  // The slowloris clients send one more header byte each second; the event streams are read.
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::condition_variable cv;
  std::thread trickle([&] {
    char buf[4096];
    std::unique_lock lock(mu);
    while (!stop) {
      for (int fd : slow) send(fd, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      for (int fd : sse) {
        while (recv(fd, buf, sizeof buf, 0) > 0) {
        }
      }
      cv.wait_for(lock, std::chrono::seconds(1), [&] { return stop.load(); });
    }
  });

  constexpr int kClients = 2;
  std::vector<std::vector<double>> lat(kClients);
  std::atomic<int> next{0};
  std::atomic<int64_t> errors{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client cli("127.0.0.1", port);
      cli.set_tcp_nodelay(true);
      cli.set_keep_alive(true);
      cli.set_read_timeout(15, 0);
      for (int i = next++; i < o.requests; i = next++) {
        const std::string& path = i % 2 == 0 ? std::string("/healthz") : get_paths[i % get_paths.size()];
        auto t0 = Clock::now();
        auto r = cli.Get(path.c_str());
        lat[c].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (!r || r->status != 200) ++errors;
      }
    });
  }
  for (auto& t : clients) t.join();
  {
    std::lock_guard lock(mu);
    stop = true;
  }
  cv.notify_all();
  trickle.join();
  for (auto* group : {&idle, &slow, &sse}) {
    for (int fd : *group) close(fd);
  }
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  return {{"idle", o.idle},
          {"slowloris", o.slowloris},
          {"sse", o.sse},
          {"connect_failures", failed},
          {"requests", o.requests},
          {"p50_ms", Percentile(all, 0.5)},
          {"p99_ms", Percentile(all, 0.99)},
          {"max_ms", all.empty() ? 0.0 : *std::max_element(all.begin(), all.end())},
          {"errors", errors.load()}};
}

Json MeasureBurst(int port, int clients, const std::string& path, const std::string& body) {
  std::string request = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::mutex mu;
  std::condition_variable cv;
  bool go = false;
  std::atomic<int> resets{0}, errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&] {
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return go; });
      }
      int fd = Connect(port);
      if (fd < 0 || !SendAll(fd, request)) {
        ++resets;
        if (fd >= 0) close(fd);
        return;
      }
      timeval tv{30, 0};
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::string reply;
      char buf[4096];
      ssize_t n;
      while ((n = recv(fd, buf, sizeof buf, 0)) > 0) reply.append(buf, static_cast<size_t>(n));
      close(fd);
      if (n < 0 || reply.rfind("HTTP/1.1 ", 0) != 0) ++resets;  // reset, or closed without a response
      else if (reply[9] != '2') ++errors;
    });
  }
  auto start = Clock::now();
  {
    std::lock_guard lock(mu);
    go = true;
  }
  cv.notify_all();
  for (auto& t : threads) t.join();
  return {{"clients", clients},
          {"resets", resets.load()},
          {"errors", errors.load()},
          {"seconds", std::chrono::duration<double>(Clock::now() - start).count()}};
}

}  // namespace exemplar::cli
