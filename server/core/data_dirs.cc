#include "core/data_dirs.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace purchase {
namespace {

namespace fs = std::filesystem;

// Whether this process's executable is the installed one (in the package's
// bin directory): it then prefers the installed data to a source tree that
// may be another version's, or gone.
bool RunningInstalled() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return !ec && fs::equivalent(exe.parent_path(), fs::path(PURCHASE_INSTALL_BINDIR), ec) && !ec;
}

bool Has(const std::string& root, std::string_view relative) {
  std::error_code ec;
  return fs::exists(fs::path(root) / fs::path(relative), ec);
}

}  // namespace

std::string DataRootFor(std::string_view relative) {
  if (const char* named = std::getenv("PURCHASE_DATA_DIR"); named && *named) return named;
  if (Has(".", relative)) return ".";
  const std::string installed = PURCHASE_INSTALLED_DATA_DIR, source = PURCHASE_SOURCE_DIR;
  const std::string& first = RunningInstalled() ? installed : source;
  const std::string& second = &first == &installed ? source : installed;
  if (Has(first, relative)) return first;
  if (Has(second, relative)) return second;
  return source;
}

std::string DataPath(std::string_view relative, std::string_view marker) {
  const std::string root = DataRootFor(marker.empty() ? relative : marker);
  return root == "." ? std::string(relative) : root + "/" + std::string(relative);
}

}  // namespace purchase
