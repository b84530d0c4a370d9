// Where the binaries find their data when not told (core/data_dirs.h): the
// environment's PURCHASE_DATA_DIR, then a checkout's working directory, then
// (for this test binary, which is not the installed one) the source tree.
#define BOOST_TEST_MODULE data_dirs_test
#include "core/data_dirs.h"

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace purchase {
namespace {

namespace fs = std::filesystem;

// Runs in a fresh empty folder, and back where it was after.
struct InEmptyFolder {
  InEmptyFolder() : before(fs::current_path()), folder(fs::temp_directory_path() / ("data_dirs_test." + std::to_string(::getpid()))) {
    fs::create_directories(folder);
    fs::current_path(folder);
    ::unsetenv("PURCHASE_DATA_DIR");
  }
  ~InEmptyFolder() {
    fs::current_path(before);
    fs::remove_all(folder);
    ::unsetenv("PURCHASE_DATA_DIR");
  }
  fs::path before, folder;
};

BOOST_AUTO_TEST_SUITE(DataDirsTest)

BOOST_AUTO_TEST_CASE(OutsideACheckoutTheBuildTreesBinaryFindsItsSourceTree) {
  InEmptyFolder here;
  const std::string fixtures = DataPath("fixtures", "fixtures/catalog.yaml");
  BOOST_TEST(fs::path(fixtures).is_absolute(), fixtures);
  BOOST_TEST(fs::exists(fs::path(fixtures) / "catalog.yaml"), fixtures);
  BOOST_TEST(fs::exists(fs::path(DataPath("scenarios/tabs")) / "_api.yaml"));
}

BOOST_AUTO_TEST_CASE(ACheckoutsWorkingDirectoryComesFirst) {
  InEmptyFolder here;
  fs::create_directories("fixtures");
  std::ofstream("fixtures/catalog.yaml") << "assets: {}\n";
  BOOST_TEST(DataPath("fixtures", "fixtures/catalog.yaml") == "fixtures");
  BOOST_TEST(DataRootFor("fixtures/catalog.yaml") == ".");
}

BOOST_AUTO_TEST_CASE(AFolderOfTheSameNameWithoutTheMarkerIsNotTakenForOurs) {
  InEmptyFolder here;
  fs::create_directories("fixtures");  // someone else's fixtures/
  BOOST_TEST(DataPath("fixtures", "fixtures/catalog.yaml") != "fixtures");
}

BOOST_AUTO_TEST_CASE(PurchaseDataDirNamesTheRoot) {
  InEmptyFolder here;
  ::setenv("PURCHASE_DATA_DIR", "/opt/elsewhere", 1);
  BOOST_TEST(DataPath("fixtures/tabs") == "/opt/elsewhere/fixtures/tabs");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace purchase
