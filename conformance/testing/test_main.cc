// The Boost.Test entry point of conformance_tests.
#define BOOST_TEST_MODULE conformance
#include <boost/test/unit_test.hpp>
