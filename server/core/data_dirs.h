// Where the binaries find their data (fixtures/, scenarios/, spec/) when not
// told: a checkout's working directory first (the two commands of the README
// run from it), then, for a binary installed from the package, the installed
// share directory (/usr/share/purchase-api), else the source tree the binary
// was built from. PURCHASE_DATA_DIR in the environment names the root instead.
#pragma once

#include <string>
#include <string_view>

namespace purchase {

// The root under which `relative` ("fixtures/catalog.yaml") exists, as
// above; "." for the working directory. The source tree when none has it
// (the caller's error then names a path a developer recognises).
std::string DataRootFor(std::string_view relative);

// `relative` below the root that has `marker` (default: `relative` itself):
// "fixtures" in a checkout, "/usr/share/purchase-api/fixtures" installed.
// A marker file ("fixtures/catalog.yaml") keeps an unrelated folder of the
// same name in the working directory from being taken for ours.
std::string DataPath(std::string_view relative, std::string_view marker = {});

}  // namespace purchase
