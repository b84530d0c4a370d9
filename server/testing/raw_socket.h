// Test-only: a client socket on 127.0.0.1 that sends raw bytes and reads
// what comes back, for the tests that talk to a server below HTTP (framing,
// hostile byte streams). Every wait is bounded.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace purchase::testing {

// A connected socket to 127.0.0.1:port (TCP_NODELAY, so each send leaves at
// once), or -1.
inline int ConnectLoopback(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends all of `bytes`; false if the peer stopped reading first (it may
// answer and close before a body is all sent).
inline bool SendAll(int fd, std::string_view bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Reads until the peer ends the stream (`*closed` set) or `limit` passes.
inline std::string ReadUntilClosed(int fd, std::chrono::milliseconds limit, bool* closed = nullptr) {
  std::string in;
  if (closed) *closed = false;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    char buf[65536];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      if (closed) *closed = true;
      break;
    }
    in.append(buf, static_cast<size_t>(n));
  }
  return in;
}

// Sends `bytes` to 127.0.0.1:port in the reads `cuts` marks (a short pause
// after each piece, so that the server reads them apart), then reads every
// reply until the server ends the stream; "<timeout>" appended if it has not
// within 5 s, "<no connection>" if it could not connect.
inline std::string SendInPieces(uint16_t port, const std::string& bytes, const std::vector<size_t>& cuts) {
  const int fd = ConnectLoopback(port);
  if (fd < 0) return "<no connection>";
  size_t from = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(bytes.size());
  for (const size_t to : ends) {
    if (send(fd, bytes.data() + from, to - from, MSG_NOSIGNAL) < 0) break;  // closed early after a refusal
    from = to;
    if (to != bytes.size()) std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
  bool closed = false;
  std::string replies = ReadUntilClosed(fd, std::chrono::seconds(5), &closed);
  close(fd);
  return closed ? replies : replies + "<timeout>";
}

// How a framing test cuts `size` bytes: at every byte, then `rounds` random
// cuttings into reads of 1 to 40 bytes.
inline std::vector<std::vector<size_t>> SplitsOf(size_t size, std::mt19937& random, int rounds) {
  std::vector<std::vector<size_t>> splits;
  for (size_t cut = 1; cut < size; ++cut) splits.push_back({cut});
  for (int round = 0; round < rounds; ++round) {
    std::vector<size_t> cuts;
    for (size_t at = 1 + random() % 5; at < size; at += 1 + random() % 40) cuts.push_back(at);
    splits.push_back(cuts);
  }
  return splits;
}

}  // namespace purchase::testing
