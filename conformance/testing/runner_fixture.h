// What a runner test runs against: the mini spec (testdata/mini_spec), a fake
// HTTP target at http://target with vendor token tok-a, a fake clock, and the
// RunContext that ties them together (run id "r1"). Tests add their own
// answers to `client` and, where they judge by rules, a ledger to `ctx`.
#pragma once

#include "check/openapi.h"
#include "core/lifecycle.h"
#include "exec/runner.h"
#include "exec/target.h"
#include "testing/fake_clock.h"
#include "testing/fake_http_client.h"
#include "testing/test_support.h"

namespace conformance {

inline const OpenApiSpec& MiniSpec() {
  static const auto spec = OpenApiSpec::Parse(ReadTestFile(TestData("mini_spec/openapi.yaml")), "mini_spec/openapi.yaml");
  return *spec;
}

struct RunnerFixture {
  Target target;
  FakeClock clock;
  RunContext ctx;
  FakeHttpClient client;

  RunnerFixture() {
    target.base_url = "http://target";
    target.token = "tok-a";
    ctx.target = &target;
    ctx.spec = &MiniSpec();
    ctx.lifecycle = &purchase::Lifecycle::Builtin();
    ctx.clock = &clock;
    ctx.run_id = "r1";
  }
};

}  // namespace conformance
