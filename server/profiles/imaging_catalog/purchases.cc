// purchaseFrame and getPurchase: decode -> engine -> encode. The check order
// (spec/imaging-catalog/README.md): MALFORMED_JSON, REQUEST_VALIDATION_FAILED,
// CONTRACT_NOT_ALLOWED, FRAME_NOT_FOUND, PRODUCT_TYPE_NOT_OFFERED.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "profiles/imaging_catalog/imaging_catalog_profile.h"
#include "profiles/imaging_catalog/purchase_json.h"

namespace purchase::profiles::imaging_catalog {
namespace {

struct PurchaseRequest {
  std::string frame_id;
  std::string contract_id;
  std::optional<std::string> reference;
  std::string eula = "STANDARD";
  std::vector<std::string> product_types;  // empty: every type of the frame
};

// Reads a string member of min..max characters into `out` (nullopt when it
// is absent or null). False, with `problem` set, when it is anything else.
bool ReadString(const rapidjson::Value& body, const char* name, size_t min, size_t max,
                std::optional<std::string>* out, std::string* problem) {
  out->reset();
  const auto it = body.FindMember(name);
  if (it == body.MemberEnd() || it->value.IsNull()) return true;
  const size_t size = it->value.IsString() ? it->value.GetStringLength() : 0;
  if (!it->value.IsString() || size < min || size > max) {
    *problem = std::string(name) + " must be a string of " + std::to_string(min) + " to " + std::to_string(max) +
               " characters";
    return false;
  }
  *out = std::string(it->value.GetString(), size);
  return true;
}

// Decodes a PurchaseRequest from a body object (Call::Body); on failure `problem` says what is wrong.
std::optional<PurchaseRequest> Decode(const rapidjson::Value& body, std::string* problem) {
  PurchaseRequest request;
  std::optional<std::string> frame, contract, eula;
  if (!ReadString(body, "frameID", 1, 64, &frame, problem) ||
      !ReadString(body, "contractID", 1, 64, &contract, problem) ||
      !ReadString(body, "reference", 0, 256, &request.reference, problem) ||
      !ReadString(body, "eula", 1, 64, &eula, problem))
    return std::nullopt;
  if (!frame || !contract) {
    *problem = std::string(frame ? "contractID" : "frameID") + " is required";
    return std::nullopt;
  }
  request.frame_id = std::move(*frame);
  request.contract_id = std::move(*contract);
  if (eula) {
    if (*eula != "STANDARD" && *eula != "ENTERPRISE") {
      *problem = "eula must be STANDARD or ENTERPRISE";
      return std::nullopt;
    }
    request.eula = std::move(*eula);
  }
  const auto types = body.FindMember("productTypes");
  if (types != body.MemberEnd() && !types->value.IsNull()) {
    if (!types->value.IsArray() || types->value.Empty() || types->value.Size() > 16) {
      *problem = "productTypes must be a list of 1 to 16 product types";
      return std::nullopt;
    }
    for (const auto& type : types->value.GetArray()) {
      if (!type.IsString() || type.GetStringLength() < 1 || type.GetStringLength() > 32) {
        *problem = "each of productTypes must be a string of 1 to 32 characters";
        return std::nullopt;
      }
      std::string name(type.GetString(), type.GetStringLength());
      if (std::find(request.product_types.begin(), request.product_types.end(), name) != request.product_types.end()) {
        *problem = "productTypes names " + name + " twice";
        return std::nullopt;
      }
      request.product_types.push_back(std::move(name));
    }
  }
  for (const auto& member : body.GetObject()) {
    const std::string name(member.name.GetString(), member.name.GetStringLength());
    if (name != "frameID" && name != "contractID" && name != "reference" && name != "eula" && name != "productTypes") {
      *problem = "unknown member " + name;
      return std::nullopt;
    }
  }
  return request;
}

http::HttpReply WithState(http::HttpReply reply, const Lifecycle& lifecycle, const engine::EngineOrder& order) {
  reply.order_status = LongLivedState(lifecycle, order.state);
  return reply;
}

}  // namespace

engine::EngineOrder* FindOwnPurchase(Call& call, const Defects& defects) {
  const auto id = call.params.find("purchase_id");
  if (id == call.params.end()) return nullptr;
  engine::EngineOrder* order = call.engine.Find(id->second);
  if (order == nullptr) return nullptr;
  if (order->owner != call.caller && !defects.other_caller_visible) return nullptr;
  return order;
}

http::HttpReply PurchaseFrame(Call& call, const Fixtures& fixtures, const Defects& defects) {
  const JsonObject body = call.Body();
  if (body.refusal) return *body.refusal;
  std::string problem;
  const std::optional<PurchaseRequest> request = Decode(*body.value, &problem);
  if (!request) return call.errors.Reply("REQUEST_VALIDATION_FAILED", problem);

  const CallerAccount* caller = nullptr;
  for (const auto& c : fixtures.callers)
    if (c.id == call.caller) caller = &c;
  if (!defects.contract_not_checked && (caller == nullptr || !caller->HasContract(request->contract_id)))
    return call.errors.Reply("CONTRACT_NOT_ALLOWED", "contract " + request->contract_id + " is not one of yours");
  const Frame* frame = fixtures.FindFrame(request->frame_id);
  if (frame == nullptr) return call.errors.Reply("FRAME_NOT_FOUND", "no frame " + request->frame_id + " in the catalog");
  for (const std::string& type : request->product_types)
    if (frame->Product(type) == nullptr)
      return call.errors.Reply("PRODUCT_TYPE_NOT_OFFERED", "frame " + frame->id + " offers no product " + type);

  // The products bought, in the frame's order, and when the last is ready.
  const bool every_type = request->product_types.empty() || defects.product_types_ignored;
  std::string joined;
  Millis ready_after = 0;
  for (const FrameProduct& product : frame->products) {
    if (!every_type && std::find(request->product_types.begin(), request->product_types.end(), product.type) ==
                           request->product_types.end())
      continue;
    if (!joined.empty()) joined += ',';
    joined += product.type;
    ready_after = std::max(ready_after, product.ready_after);
  }

  std::map<std::string, std::string> fields{{kFrameField, frame->id},
                                            {kContractField, request->contract_id},
                                            {kEulaField, request->eula},
                                            {kProductTypesField, joined}};
  if (request->reference) fields.emplace(kReferenceField, *request->reference);
  engine::EngineOrder* order = call.engine.Create(call.caller, kPurchaseCause, std::move(fields));
  if (order == nullptr) return call.errors.Reply("INTERNAL_ERROR", "the lifecycle has no entry 'purchase'");

  // A closing frame closes when its last product is ready, and fails at its
  // deadline if it is still active then (the engine refuses the deadline's
  // cause once the purchase is closed). A fault rule's outcome replaces both.
  if (const std::optional<engine::OutcomeOverride> outcome = call.TakeOutcome()) {
    const std::string cause = outcome->cause ? *outcome->cause : std::string(frame->fails ? kFailCause : kCloseCause);
    const Millis after = outcome->after ? *outcome->after : (frame->fails ? frame->fail_after : ready_after);
    call.engine.Schedule(*order, order->created_at + after, cause);
  } else if (frame->fails) {
    call.engine.Schedule(*order, order->created_at + frame->fail_after, std::string(kFailCause));
  } else {
    call.engine.Schedule(*order, order->created_at + ready_after, std::string(kCloseCause));
    call.engine.Schedule(*order, order->created_at + frame->fail_after, std::string(kFailCause));
  }

  return WithState(JsonReply(201, PurchaseJson(*order, call.engine.lifecycle(), order->created_at)),
                   call.engine.lifecycle(), *order);
}

http::HttpReply GetPurchase(Call& call, const Defects& defects) {
  const engine::EngineOrder* order = FindOwnPurchase(call, defects);
  if (order == nullptr) return call.errors.Reply("PURCHASE_NOT_FOUND", "no purchase " + call.params["purchase_id"]);
  const Millis created_at = defects.created_at_moves ? order->updated_at : order->created_at;
  return WithState(JsonReply(200, PurchaseJson(*order, call.engine.lifecycle(), created_at)), call.engine.lifecycle(),
                   *order);
}

}  // namespace purchase::profiles::imaging_catalog
