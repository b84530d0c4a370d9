// A profile as one sandbox (http/sandbox_router.h): its own surface (built
// from the fixtures, since a surface may hold state of its own, as tabs' tab
// book does), clock, engine and fault rules, behind a ProfileHost.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>

#include "core/lifecycle.h"
#include "http/sandbox_router.h"
#include "profiles/error_replies.h"
#include "profiles/profile_host.h"
#include "profiles/profile_registry.h"

namespace purchase::profiles {

struct ProfileSandboxShared {
  const ProfileEntry* entry = nullptr;
  std::string fixtures;
  std::set<std::string> own_defects;  // the profile's own, switched on
  const Lifecycle* lifecycle = nullptr;
  const ErrorReplies* errors = nullptr;
  engine::EngineOptions engine;       // its seed is replaced by each sandbox's
  HostOptions host;
  engine::EngineDefects engine_defects;
  http::ClockMaker clock;
};

class ProfileSandbox final : public http::Sandbox {
 public:
  // Throws SpecError when the fixtures do not load.
  ProfileSandbox(const ProfileSandboxShared& shared, uint64_t seed, std::optional<Millis> start);

  http::HttpReply Handle(const http::HttpRequest& request) override { return host_.Handle(request); }
  size_t OrderCount() override { return host_.order_count(); }
  bool Full(std::string_view path, size_t cap) override {
    // Fault rules through the control API; orders (and a surface's own
    // records, as tabs' tabs, which only come with them) through the rest.
    if (path.rfind("/_control/faults", 0) == 0) return host_.fault_rule_count() >= cap;
    return host_.order_count() >= cap;
  }
  int64_t Now() override { return host_.now(); }

 private:
  std::unique_ptr<Profile> surface_;
  ProfileHost host_;
};

// The factory of SandboxRouter for a profile; `shared` must outlive it.
http::SandboxFactory ProfileSandboxFactory(const ProfileSandboxShared& shared);

}  // namespace purchase::profiles
