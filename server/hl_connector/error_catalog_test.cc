// Tests of ErrorCatalog: each core code maps to the status spec/errors.yaml
// gives it, a fault rule's status picks its own code, and a broken catalogue
// is refused with file:line:column.
#define BOOST_TEST_MODULE error_catalog_test
#include "hl_connector/error_catalog.h"

#include <boost/test/unit_test.hpp>

#include <regex>

#include "core/lifecycle.h"

namespace purchase {
namespace {

std::string ParseError(const std::string& yaml) {
  try {
    ErrorCatalog::Parse(yaml, "e.yaml");
  } catch (const SpecError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("not a SpecError: ") + e.what();
  }
  return "no error";
}

BOOST_AUTO_TEST_SUITE(ErrorCatalogTest)

BOOST_AUTO_TEST_CASE(BuiltinMapsEachCodeToItsStatus) {
  const ErrorCatalog& c = ErrorCatalog::Builtin();
  BOOST_TEST(c.HttpStatus(ErrorCode::kUnauthenticated) == 401);
  BOOST_TEST(c.HttpStatus(ErrorCode::kMalformedJson) == 400);
  BOOST_TEST(c.HttpStatus(ErrorCode::kRequestValidationFailed) == 422);
  BOOST_TEST(c.HttpStatus(ErrorCode::kAssetNotFound) == 404);
  BOOST_TEST(c.HttpStatus(ErrorCode::kDuplicatePurchase) == 409);
  BOOST_TEST(c.HttpStatus(ErrorCode::kTokenExpired) == 422);
  BOOST_TEST(c.HttpStatus(ErrorCode::kOrderNotCompleted) == 409);
  BOOST_TEST(c.HttpStatus(ErrorCode::kOrderCanceled) == 410);
  BOOST_TEST(c.HttpStatus(ErrorCode::kFulfillmentFailed) == 502);
  BOOST_TEST(c.HttpStatus(ErrorCode::kUrlSignatureInvalid) == 403);
  BOOST_TEST(c.HttpStatus(ErrorCode::kUrlExpired) == 410);
  BOOST_TEST(c.HttpStatus(ErrorCode::kClockBackwards) == 422);
  BOOST_TEST(c.HttpStatus(ErrorCode::kInjectedFault) == 0);
}

BOOST_AUTO_TEST_CASE(InjectedStatusPicksItsOwnCodeElseInjectedFault) {
  const ErrorCatalog& c = ErrorCatalog::Builtin();
  BOOST_TEST(ErrorCodeName(c.InjectedCodeFor(429)) == "RATE_LIMITED");
  BOOST_TEST(ErrorCodeName(c.InjectedCodeFor(500)) == "INTERNAL_ERROR");
  BOOST_TEST(ErrorCodeName(c.InjectedCodeFor(503)) == "SERVICE_UNAVAILABLE");
  // Statuses that other codes use are still injected as INJECTED_FAULT.
  for (int status : {400, 404, 409, 418, 502, 504})
    BOOST_TEST(ErrorCodeName(c.InjectedCodeFor(status)) == "INJECTED_FAULT", status);
}

BOOST_AUTO_TEST_CASE(ParseRefusesACatalogueThatLacksACodeOrHasABadStatus) {
  BOOST_TEST(ParseError("errors: {}\n") == "e.yaml:1:9: error: error code UNAUTHENTICATED is used by the server but not listed");
  BOOST_TEST(ParseError("errors:\n  X: {status: 200}\n") == "e.yaml:2:3: error: 'X' needs a status between 400 and 599");
  BOOST_TEST(ParseError("errors:\n  X: {status: many}\n") == "e.yaml:2:3: error: 'X' needs a status between 400 and 599");
  BOOST_TEST(ParseError("errors:\n  X: {when: no status}\n") == "e.yaml:2:3: error: 'X' needs a status between 400 and 599");
}

BOOST_AUTO_TEST_CASE(ParseRefusesAMalformedStructureWithASpecErrorNamingAPosition) {
  // A code written as `CODE: 401` instead of `CODE: {status: 401}`, or an
  // empty file: still a SpecError with a real (1-based) position.
  for (const std::string& yaml : {std::string("errors:\n  UNAUTHENTICATED: 401\n"), std::string("")}) {
    const std::string error = ParseError(yaml);
    BOOST_TEST(std::regex_search(error, std::regex("^e\\.yaml:[1-9][0-9]*:[1-9][0-9]*: error: ")), error);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace purchase
