// conformance: replays YAML scenarios against an implementation of the
// Purchase API and judges every answer. See conformance/README.md.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "cli.h"

int main(int argc, char** argv) {
  conformance::Environment env;
  env.stdout_is_tty = isatty(STDOUT_FILENO) == 1;
  env.no_color = std::getenv("NO_COLOR") != nullptr;
  if (const char* t = std::getenv("CONFORMANCE_TOKEN")) env.token = t;
  if (const char* t = std::getenv("CONFORMANCE_TOKEN_B")) env.token_b = t;
  if (const char* t = std::getenv("CONFORMANCE_CONTROL_TOKEN")) env.control_token = t;
  return conformance::Main(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr, env);
}
