// The command line: `conformance run|validate|list`, --help, --version.
// main.cc only forwards argv here, so tests can drive the whole program
// in-process and check its exit codes.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "exec/http_client.h"

namespace conformance {

enum ExitCode {
  kExitPass = 0,
  kExitFail = 1,         // a scenario failed
  kExitUsage = 2,        // bad command line, scenario file or spec
  kExitUnreachable = 3,  // the target gave no HTTP answer
};

struct Environment {
  bool stdout_is_tty = false;
  bool no_color = false;
  std::string token;          // CONFORMANCE_TOKEN
  std::string token_b;        // CONFORMANCE_TOKEN_B
  std::string control_token;  // CONFORMANCE_CONTROL_TOKEN
  // Creates HTTP clients; the libcurl client when empty (tests inject fakes).
  std::function<std::unique_ptr<HttpClient>(const HttpClientOptions&)> new_client;
};

// Runs the program with `args` (without argv[0]) and returns its exit code.
int Main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, const Environment& env);

}  // namespace conformance
