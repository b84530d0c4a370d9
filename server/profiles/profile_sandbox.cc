#include "profiles/profile_sandbox.h"

#include <utility>

namespace purchase::profiles {
namespace {

engine::EngineOptions Seeded(engine::EngineOptions options, uint64_t seed) {
  options.seed = seed;
  return options;
}

}  // namespace

ProfileSandbox::ProfileSandbox(const ProfileSandboxShared& shared, uint64_t seed, std::optional<Millis> start)
    : surface_(shared.entry->make(shared.fixtures, shared.own_defects)),
      host_(*surface_, *shared.lifecycle, *shared.errors, shared.clock(start), Seeded(shared.engine, seed),
            shared.host, shared.engine_defects) {}

http::SandboxFactory ProfileSandboxFactory(const ProfileSandboxShared& shared) {
  return [&shared](const http::SandboxSettings& settings) -> std::unique_ptr<http::Sandbox> {
    return std::make_unique<ProfileSandbox>(shared, settings.seed, settings.start_ms);
  };
}

}  // namespace purchase::profiles
