// bench_startup: time from exec of the server to its first 200 answer to
// GET /_control, over several runs; prints one JSON object on stdout.
//
//   bench_startup RUNS SERVER [SERVER ARGS...]
//
// Each run picks a free port, execs `SERVER ARGS... --port P`, connects every
// 100 us until a connection is accepted and answered "HTTP/1.1 200", then stops
// the server with SIGTERM. Exits 1 if a server fails to answer within 5 s.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

uint16_t FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = Loopback(0);
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    std::perror("bench_startup: free port");
    std::exit(1);
  }
  close(fd);
  return ntohs(a.sin_port);
}

// True when GET /_control on `port` is answered 200.
bool Answers200(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = Loopback(port);
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const char request[] = "GET /_control HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    char reply[16] = {};
    size_t got = 0;
    if (write(fd, request, sizeof request - 1) == static_cast<ssize_t>(sizeof request - 1))
      while (got < 12) {
        const ssize_t n = read(fd, reply + got, 12 - got);
        if (n <= 0) break;
        got += static_cast<size_t>(n);
      }
    ok = got == 12 && std::memcmp(reply, "HTTP/1.1 200", 12) == 0;
  }
  close(fd);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s RUNS SERVER [ARGS...]\n", argv[0]);
    return 2;
  }
  const int runs = std::max(1, std::atoi(argv[1]));
  std::vector<double> ms;
  for (int r = 0; r < runs; ++r) {
    const std::string port = std::to_string(FreePort());
    std::vector<char*> args(argv + 2, argv + argc);
    args.push_back(const_cast<char*>("--port"));
    args.push_back(const_cast<char*>(port.c_str()));
    args.push_back(nullptr);
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
      // The server's own output would mix with the figures.
      freopen("/dev/null", "w", stdout);
      freopen("/dev/null", "w", stderr);
      execv(args[0], args.data());
      _exit(127);
    }
    bool up = false;
    while (!up && std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
      up = Answers200(static_cast<uint16_t>(std::atoi(port.c_str())));
      if (!up) usleep(100);
    }
    const double elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    if (!up) {
      std::fprintf(stderr, "bench_startup: %s gave no 200 within 5 s\n", argv[2]);
      return 1;
    }
    ms.push_back(elapsed);
  }
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  std::printf("{\"runs\": %d, \"median_ms\": %.2f, \"min_ms\": %.2f, \"max_ms\": %.2f}\n", runs,
              sorted[sorted.size() / 2], sorted.front(), sorted.back());
  return 0;
}
