// A loopback HTTP server for the runner's transport tests, which answers each
// request however the test says: well, late, truncated, with garbage, or not
// at all. It serves one connection at a time (so a test knows that a second
// connection means the client opened a new one) and stops when destroyed,
// cutting off a client that is still connected.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace conformance::testing {

// Writes all of `s`, stopping at the first error. MSG_NOSIGNAL: a client
// that has gone away must fail the write, not kill the test with SIGPIPE.
inline void WriteAll(int fd, std::string_view s) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

class LoopbackServer {
 public:
  // Called once per request with the socket and the request as read (its
  // head, and the body its Content-Length announces); writes what it likes.
  using Handler = std::function<void(int fd, const std::string& request)>;
  enum class Connection { kKeepAlive, kCloseAfterEachRequest };

  explicit LoopbackServer(Handler handler, Connection connection = Connection::kKeepAlive)
      : handler_(std::move(handler)), connection_(connection) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(listen_fd_, 8);
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~LoopbackServer() {
    stop_ = true;
    shutdown(listen_fd_, SHUT_RDWR);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (connection_fd_ >= 0) shutdown(connection_fd_, SHUT_RDWR);
    }
    thread_.join();
    close(listen_fd_);
  }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string url(const std::string& path = "/x") const { return base_url() + path; }
  int connections() const { return connections_; }
  std::string last_request() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_request_;
  }

 private:
  void Serve() {
    while (!stop_) {
      const int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        connection_fd_ = fd;
      }
      ++connections_;
      ServeConnection(fd);
      std::lock_guard<std::mutex> lock(mutex_);
      connection_fd_ = -1;
      close(fd);
    }
  }

  void ServeConnection(int fd) {
    std::string buffer;
    char chunk[65536];
    while (!stop_) {
      const size_t head_end = buffer.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        size_t length = 0;
        const size_t cl = buffer.find("Content-Length: ");
        if (cl != std::string::npos && cl < head_end) length = std::stoul(buffer.substr(cl + 16));
        if (buffer.size() >= head_end + 4 + length) {
          const std::string request = buffer.substr(0, head_end + 4 + length);
          buffer.erase(0, request.size());
          {
            std::lock_guard<std::mutex> lock(mutex_);
            last_request_ = request;
          }
          handler_(fd, request);
          if (connection_ == Connection::kCloseAfterEachRequest) return;
          continue;
        }
      }
      const ssize_t n = read(fd, chunk, sizeof chunk);
      if (n <= 0) return;
      buffer.append(chunk, static_cast<size_t>(n));
    }
  }

  Handler handler_;
  const Connection connection_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  int connection_fd_ = -1;    // guarded by mutex_
  std::string last_request_;  // guarded by mutex_
};

}  // namespace conformance::testing
