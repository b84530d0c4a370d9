#include "hl_connector/http_api.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <initializer_list>

#include <rapidjson/writer.h>

#include "http/audit_json.h"
#include "http/credentials.h"
#include "hl_connector/variant_replies.h"

namespace purchase::http {
namespace {

// A RapidJSON output stream that writes a reply body in place, handed over
// without a copy. It writes into a std::string sized ahead (and grown by
// doubling) instead of calling push_back per byte, which was out of line and
// a tenth of the handler's time for GET /purchase/info (perf).
class BodyOutput {
 public:
  using Ch = char;
  // Room for a whole order (about 290 bytes) up front.
  BodyOutput() { body_.resize(512); }
  void Put(char c) {
    if (used_ == body_.size()) body_.resize(std::max<size_t>(2 * used_, 64));
    body_[used_++] = c;
  }
  void Append(const char* s, size_t n) {
    if (body_.size() - used_ < n) body_.resize(2 * (used_ + n));
    std::memcpy(body_.data() + used_, s, n);
    used_ += n;
  }
  void Flush() {}
  std::string Take() {
    body_.resize(used_);
    used_ = 0;
    return std::move(body_);
  }

 private:
  std::string body_;
  size_t used_ = 0;
};

// RapidJSON's writer with a bulk path for strings that need no escaping (ids,
// timestamps, names: nearly all of them). RapidJSON copies a string a byte at
// a time through its escape table, the costliest step of writing an order
// (callgrind); its SSE2 scanner is off for a reason (README, "Performance").
// Strings with anything to escape still go through RapidJSON, so the bytes
// are the same either way.
class JsonWriter
    : public rapidjson::Writer<BodyOutput, rapidjson::UTF8<>, rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>> {
 public:
  using Base = rapidjson::Writer<BodyOutput, rapidjson::UTF8<>, rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>>;
  using Base::Base;
  bool String(const char* s, rapidjson::SizeType n, bool copy = false) {
    if (MayNeedEscaping(s, n)) return Base::String(s, n, copy);
    Prefix(rapidjson::kStringType);
    os_->Put('"');
    os_->Append(s, n);
    os_->Put('"');
    return EndValue(true);
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy = false) { return String(s, n, copy); }

 private:
  // Whether `s` holds a byte RapidJSON escapes: a control character, '"' or
  // '\\'. Eight bytes at a time (the "has a byte less than / equal to"
  // word tricks); exact for "none", which is all the fast path relies on.
  static bool MayNeedEscaping(const char* s, size_t n) {
    constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
    auto has_zero = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t x;
      std::memcpy(&x, s + i, 8);
      if (((x - kOnes * 0x20) & ~x & kHigh) | has_zero(x ^ (kOnes * '"')) | has_zero(x ^ (kOnes * '\\')))
        return true;
    }
    for (; i < n; ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x20 || c == '"' || c == '\\') return true;
    }
    return false;
  }
};

class Json {
 public:
  // The writer's nesting stack lives in `stack_space_`: RapidJSON would
  // otherwise make two heap allocations per reply for it.
  Json() : stack_allocator_(stack_space_, sizeof stack_space_), w_(out_, &stack_allocator_) {}
  JsonWriter& w() { return w_; }
  void Key(std::string_view k) { w_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); }
  void Str(std::string_view v) { w_.String(v.data(), static_cast<rapidjson::SizeType>(v.size())); }
  void KeyStr(std::string_view k, std::string_view v) { Key(k); Str(v); }
  void KeyInt(std::string_view k, int64_t v) { Key(k); w_.Int64(v); }
  void KeyTime(std::string_view k, Millis t) { KeyStr(k, FormatRfc3339Text(t).view()); }
  std::string Take() { return out_.Take(); }

 private:
  BodyOutput out_;
  char stack_space_[1024];
  rapidjson::MemoryPoolAllocator<> stack_allocator_;
  JsonWriter w_;
};

void WriteErrorObject(Json& j, const Error& e) {
  j.w().StartObject();
  j.KeyStr("code", ErrorCodeName(e.code));
  // Messages and fields may echo a request (a name, a path, an id): the last
  // line of defence against invalid UTF-8 in a reply, which decoding refuses first.
  j.KeyStr("message", ToValidUtf8(e.message));
  if (!e.field.empty() || e.code == ErrorCode::kRequestValidationFailed) j.KeyStr("field", ToValidUtf8(e.field));
  if (!e.order_id.empty()) j.KeyStr("order_id", e.order_id);
  j.w().EndObject();
}

void WriteOrderMembers(Json& j, const OrderView& o) {
  j.KeyStr("order_id", o.order_id);
  j.KeyStr("vendor_order_id", o.vendor_order_id);
  j.KeyStr("asset_id", o.asset_id);
  j.KeyInt("quantity", o.quantity);
  j.KeyStr("status", OrderStateName(o.status));
  j.KeyTime("created_at", o.created_at);
  j.KeyTime("updated_at", o.updated_at);
  if (o.status == OrderState::kCompleted) {
    j.Key("items");
    j.w().StartArray();
    j.w().StartObject();
    j.KeyStr("item_id", o.item_id);
    j.KeyStr("asset_id", o.asset_id);
    j.KeyInt("quantity", o.quantity);
    j.w().EndObject();
    j.w().EndArray();
  }
  if (o.status == OrderState::kFailed) j.KeyStr("failure_reason", o.failure_reason);
  if (o.status == OrderState::kCanceled) j.KeyTime("canceled_at", o.canceled_at);
}

std::string OrderJson(const OrderView& o) {
  Json j;
  j.w().StartObject();
  WriteOrderMembers(j, o);
  j.w().EndObject();
  return j.Take();
}

void WriteFaultRule(Json& j, const FaultRule& r) {
  j.w().StartObject();
  if (!r.id.empty()) j.KeyStr("id", r.id);  // a drill's rule before it is installed has none
  j.Key("match");
  j.w().StartObject();
  if (r.match.method) j.KeyStr("method", *r.match.method);
  if (r.match.path) j.KeyStr("path", *r.match.path);
  if (r.match.asset_id) j.KeyStr("asset_id", *r.match.asset_id);
  if (r.match.vendor_order_id) j.KeyStr("vendor_order_id", *r.match.vendor_order_id);
  j.w().EndObject();
  j.Key("effect");
  j.w().StartObject();
  const FaultEffect& e = r.effect;
  if (e.status) j.KeyInt("status", *e.status);
  if (e.retry_after) j.KeyInt("retry_after", *e.retry_after);
  if (e.delay_ms) j.KeyInt("delay_ms", *e.delay_ms);
  if (e.drop_connection) { j.Key("drop_connection"); j.w().Bool(true); }
  if (e.fulfillment_fails) j.KeyStr("fulfillment", *e.fulfillment_fails ? "fail" : "complete");
  if (e.reason) j.KeyStr("reason", *e.reason);
  if (e.fulfillment_delay) { j.Key("fulfillment_delay_seconds"); j.w().Double(*e.fulfillment_delay / 1000.0); }
  if (e.cancel_after) j.KeyInt("cancel_after_seconds", *e.cancel_after / 1000);
  j.w().EndObject();
  j.Key("remaining");
  if (r.remaining) j.w().Int64(*r.remaining); else j.w().Null();
  j.w().EndObject();
}

void WriteDrill(Json& j, const Drill& d, const std::vector<FaultRule>* installed) {
  j.w().StartObject();
  j.KeyStr("name", d.name);
  j.KeyStr("description", d.description);
  j.KeyStr("correct_client", d.correct_client);
  j.Key("rules");
  j.w().StartArray();
  for (const auto& rule : installed ? *installed : d.rules) WriteFaultRule(j, rule);
  j.w().EndArray();
  j.w().EndObject();
}


// The authority to put in handed-out URLs: the request's Host when it looks
// like one (so the URL works from where the client stands), else the socket
// the request came in on (the bound port, even when it was asked for as 0),
// else, without a server, `no_server_default`.
std::string_view UrlAuthority(const HttpRequest& req, std::string_view no_server_default) {
  const std::string_view fallback = req.local_authority.empty() ? no_server_default : req.local_authority;
  const std::optional<std::string>& host = req.host;
  if (!host || host->empty() || host->size() > 255) return fallback;
  for (unsigned char c : *host)
    if (!std::isalnum(c) && c != '.' && c != '-' && c != ':' && c != '[' && c != ']') return fallback;
  return *host;
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string ViewerPage(const Asset& asset, const std::string& order_id) {
  return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + HtmlEscape(asset.title) +
         "</title></head>\n<body><h1>" + HtmlEscape(asset.title) + "</h1>\n<p>Asset <code>" + HtmlEscape(asset.id) +
         "</code>, order <code>" + HtmlEscape(order_id) + "</code>: " + std::to_string(asset.content.size()) +
         " bytes of " + HtmlEscape(asset.content_type) + ".</p>\n<p>This is the reference server's viewer page; a real "
         "viewer renders the score here.</p></body></html>\n";
}

std::string FileNameOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A decimal written the one way the server writes it: "017" is not "17". The
// signature covers the number, so without this a URL the server never handed
// out (the same expiry with leading zeros) would open the asset.
std::optional<int64_t> ParseCanonicalDecimal(std::string_view s, size_t max_len) {
  if (s.empty() || s.size() > max_len || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

namespace {

ApiOptions WithVariantVersion(ApiOptions options) {
  if (options.variant == Variant::kOther) options.version += "+variant-other";
  return options;
}

using DecodedQuery = Result<std::vector<std::pair<std::string, std::string>>>;

const std::string kNoPathParam;

}  // namespace

// initializer_lists, as DecodeQuery takes them; each QuerySpec is a static
// const, which keeps the lists' arrays alive with it.
struct HttpApi::QuerySpec {
  std::initializer_list<const char*> allowed;
  std::initializer_list<const char*> required;
  bool strict;  // refuses an unknown parameter under every variant (else: as unknown_ says)
};

struct HttpApi::Call {
  const HttpRequest& req;
  const std::string& param;               // the route's path parameter, "" if it has none
  const rapidjson::Value* body = nullptr;  // when the operation's json_body
  const DecodedQuery* query = nullptr;     // when the operation has a QuerySpec: the parameters, or why not
  VendorRef vendor = 0;                    // Gate::kVendor: the caller
  const RequestFacts* facts = nullptr;     // Gate::kVendor and kSignedUrl
};

// The HL Connector's side of the control API: its PurchaseService, its audit
// (reset with it) and the drills, which are programs of its fault rules.
class HttpApi::Controls final : public ControlPort {
 public:
  explicit Controls(HttpApi& api) : api_(api), service_(api.service_) {}

  std::string_view api_name() const override { return {}; }
  std::vector<std::string> defects() const override {
    std::vector<std::string> names;
    for (const auto& d : AllDefects())
      if (service_.defects().Has(d.defect)) names.emplace_back(d.name);
    return names;
  }
  bool clock_is_manual() const override { return service_.clock_is_manual(); }
  HttpReply Refuse(const Error& error, int status = 0) const override { return api_.ErrorReply(error, status); }
  int StatusOf(ErrorCode code) const override { return api_.errors_.HttpStatus(code); }
  UnknownMembers unknown_members() const override { return api_.unknown_; }
  bool sends_allow() const override { return !service_.defects().Has(Defect::kNoAllowHeader); }

  ClockReading Reset() override {
    service_.Reset();
    api_.requests_.store(0);
    if (api_.options_.audit) api_.options_.audit->Reset();
    return service_.Now();
  }
  ClockReading Now() override { return service_.Now(); }
  Result<ClockReading> Advance(Millis by) override { return service_.Advance(by); }
  Result<ClockReading> SetTime(Millis to) override { return service_.SetTime(to); }

  std::vector<std::string> FaultRules() override {
    std::vector<std::string> rules;
    for (const auto& rule : service_.Faults()) rules.push_back(FaultRuleJson(rule));
    return rules;
  }
  Result<StoredRule> AddFaultRule(const rapidjson::Value& body, UnknownMembers unknown) override {
    auto rule = DecodeFaultRule(body, unknown);
    if (!rule.ok()) return rule.error();
    const FaultRule added = service_.AddFault(rule.value());
    return StoredRule{added.id, FaultRuleJson(added)};
  }
  std::optional<std::string> RemoveFaultRule(const std::string& id) override {
    auto removed = service_.RemoveFault(id);
    if (!removed) return std::nullopt;
    return FaultRuleJson(*removed);
  }
  size_t ClearFaultRules() override { return service_.ClearFaults(); }

  Result<HistoryView> History(std::string_view order_id) override {
    auto history = service_.History(order_id);
    if (!history.ok()) return history.error();
    HistoryView view{history.value().order_id, std::string(OrderStateName(history.value().status)), {}};
    for (const auto& e : history.value().entries)
      view.steps.push_back({e.from ? std::string(OrderStateName(*e.from)) : std::string(),
                            std::string(OrderStateName(e.to)), e.at, std::string(CauseName(e.cause))});
    return view;
  }

  // Listed whether or not it records ("enabled": false says which).
  bool offers_audit() const override { return true; }
  std::string AuditJson(bool clear) override {
    if (clear && api_.options_.audit) api_.options_.audit->Reset();
    return api_.AuditJson();
  }
  bool offers_drills() const override { return true; }
  std::vector<std::string> Drills() override {
    std::vector<std::string> drills;
    if (api_.options_.drills)
      for (const auto& d : api_.options_.drills->all()) drills.push_back(DrillJson(d, nullptr));
    return drills;
  }
  std::optional<std::string> StartDrill(const std::string& name) override {
    const Drill* drill = api_.options_.drills ? api_.options_.drills->Find(name) : nullptr;
    if (!drill) return std::nullopt;
    std::vector<FaultRule> added;
    for (const auto& rule : drill->rules) added.push_back(service_.AddFault(rule));
    return DrillJson(*drill, &added);
  }

 private:
  static std::string FaultRuleJson(const FaultRule& rule) {
    Json j;
    WriteFaultRule(j, rule);
    return j.Take();
  }
  static std::string DrillJson(const Drill& drill, const std::vector<FaultRule>* installed) {
    Json j;
    WriteDrill(j, drill, installed);
    return j.Take();
  }

  HttpApi& api_;
  PurchaseService& service_;
};

HttpApi::HttpApi(PurchaseService& service, const ErrorCatalog& errors, ApiOptions options)
    : service_(service),
      errors_(errors),
      options_(WithVariantVersion(std::move(options))),
      unknown_(options_.variant == Variant::kOther ? UnknownMembers::kIgnore : UnknownMembers::kRefuse),
      controls_(std::make_unique<Controls>(*this)),
      host_(*this, *controls_,
            ControlOptions{options_.control_enabled, options_.control_token, options_.max_body_bytes, options_.version,
                           options_.sandboxes}) {
  static const QuerySpec kOrder{{"order_id"}, {"order_id"}, false};
  static const QuerySpec kOrderAndItem{{"order_id", "item_id"}, {"order_id"}, false};
  // A signed URL is used exactly as handed out, so an extra parameter is 403,
  // not ignored (spec/README.md).
  static const QuerySpec kSignature{{"expires", "sig"}, {"expires", "sig"}, true};
  constexpr bool kJson = true, kNoBody = false;
  struct Entry {
    const char* method;
    const char* pattern;
    Operation operation;
  };
  // A path's methods are listed in its 405 replies' Allow in this order.
  const Entry entries[] = {
      {"POST", "/purchase/validate-purchase-before-payment", {Gate::kVendor, kJson, nullptr, &HttpApi::Validate}},
      {"POST", "/purchase/register", {Gate::kVendor, kJson, nullptr, &HttpApi::Register}},
      {"GET", "/purchase/info", {Gate::kVendor, kNoBody, &kOrder, &HttpApi::Info}},
      {"GET", "/purchase/download-url", {Gate::kVendor, kNoBody, &kOrder, &HttpApi::DownloadUrl}},
      {"GET", "/purchase/view-url", {Gate::kVendor, kNoBody, &kOrder, &HttpApi::ViewUrl}},
      {"DELETE", "/purchase/cancel", {Gate::kVendor, kNoBody, &kOrderAndItem, &HttpApi::Cancel}},
      {"GET", "/assets/download/{order_id}", {Gate::kSignedUrl, kNoBody, &kSignature, &HttpApi::AssetDownload}},
      {"GET", "/assets/view/{order_id}", {Gate::kSignedUrl, kNoBody, &kSignature, &HttpApi::AssetView}},
  };
  for (const Entry& e : entries) {
    host_.AddRoute(e.method, e.pattern);
    operations_.push_back(e.operation);
  }
}

HttpReply HttpApi::JsonReply(int status, std::string body) const {
  HttpReply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

HttpReply HttpApi::ErrorReply(const Error& error, int status_override) const {
  int status = status_override ? status_override : errors_.HttpStatus(error.code);
  if (status == 0) status = 500;
  if (error.code == ErrorCode::kRequestValidationFailed && service_.defects().Has(Defect::kValidationAs400)) status = 400;
  Json j;
  j.w().StartObject();
  j.Key("error");
  WriteErrorObject(j, error);
  j.w().EndObject();
  HttpReply reply = JsonReply(status, j.Take());
  reply.error_code = ErrorCodeName(error.code);
  if (error.code == ErrorCode::kUnauthenticated) reply.headers.emplace_back("WWW-Authenticate", "Bearer");
  return reply;
}

HttpApi::~HttpApi() = default;

HttpReply HttpApi::Handle(const HttpRequest& request) {
  if (options_.variant == Variant::kReference) {
    return host_.Handle(request);
  }
  const uint64_t number = ++requests_;  // a reset (in the host) restarts the count at the next request
  HttpReply reply = host_.Handle(request);
  DressAsOtherVariant(number, reply);
  return reply;
}

class HttpApi::Exchange {
 public:
  Exchange(HttpApi& api, const HttpRequest& req, const RouteMatch& match)
      : api_(api),
        req_(req),
        op_(api.operations_[match.index]),
        pattern_(api.host_.routes().PatternOf(match.index)),
        // No route has more than one path parameter.
        param_(match.params.empty() ? kNoPathParam : match.params.begin()->second),
        is_fetch_(op_.gate == Gate::kSignedUrl),
        facts_{req.method, req.path, {}, {}} {
    if (op_.json_body) body_ = ParseJsonObject(req.body);
    if (body_ && body_->ok()) {
      facts_.asset_id = StringMember(*body_->value(), "asset_id");
      facts_.vendor_order_id = StringMember(*body_->value(), "vendor_order_id");
    }
    // The query is decoded once, for the fault rules (which may name the
    // order) and for the handler, which reports its errors after authentication.
    if (const QuerySpec* spec = op_.query)
      query_ = DecodeQuery(req.query, spec->allowed, spec->required, spec->strict ? UnknownMembers::kRefuse : api.unknown_);
    order_id_hint_ = param_;
    if (const std::string_view decoded = query_ && query_->ok() ? QueryValue(query_->value(), "order_id") : "";
        !decoded.empty()) {
      order_id_hint_ = decoded;
    } else {
      for (const auto& [k, v] : req.query)
        if (k == "order_id") order_id_hint_ = decoded_hint_ = PercentDecode(v).value_or("");
    }
  }

  std::optional<engine::RequestFault> TakeFault() {
    const std::optional<FaultEffect> fault = api_.service_.TakeRequestFault(facts_, order_id_hint_);
    if (!fault) return std::nullopt;
    return engine::RequestFault{fault->status, fault->retry_after, fault->delay_ms.value_or(0), fault->drop_connection};
  }

  HttpReply Serve() {
    Call call{req_, param_};
    call.query = query_ ? &*query_ : nullptr;
    call.facts = &facts_;
    if (is_fetch_) return (api_.*op_.handle)(call);
    std::optional<VendorRef> vendor = Caller();
    if (!vendor && !req_.authorization && api_.service_.defects().Has(Defect::kAuthOptional)) vendor = 0;
    if (!vendor)
      return api_.ErrorReply(MakeError(ErrorCode::kUnauthenticated,
                                       req_.authorization ? "the access token is unknown or not a Bearer token"
                                                          : "the request needs 'Authorization: Bearer <access token>'"));
    if (body_ && !body_->ok()) return api_.ErrorReply(body_->error());
    call.vendor = *vendor;
    if (body_) call.body = body_->value().get();
    return (api_.*op_.handle)(call);
  }

  void Answered(const HttpReply& reply) {
    if (!api_.options_.audit) return;
    api_.Audit(req_, pattern_, is_fetch_ ? api_.service_.OwnerOf(order_id_hint_) : Caller(), order_id_hint_, reply);
  }

 private:
  // The vendor calling, authenticated once for the handler and the audit.
  std::optional<VendorRef> Caller() {
    if (!authenticated_) {
      caller_ = api_.service_.Authenticate(BearerToken(req_.authorization));
      authenticated_ = true;
    }
    return caller_;
  }

  HttpApi& api_;
  const HttpRequest& req_;
  const Operation& op_;
  const std::string& pattern_;  // the route's, as the obligations name operations
  const std::string& param_;  // the route's path parameter, "" if it has none
  const bool is_fetch_;
  RequestFacts facts_;
  std::optional<Result<std::shared_ptr<const rapidjson::Value>>> body_;
  std::optional<DecodedQuery> query_;
  std::string_view order_id_hint_;
  std::string decoded_hint_;  // storage for the hint of a query the handler will refuse
  std::optional<VendorRef> caller_;
  bool authenticated_ = false;
};

// --- the vendor endpoints and signed asset URLs ---

HttpReply HttpApi::Validate(const Call& call) {
  auto decoded = DecodeValidateRequest(*call.body, unknown_);
  if (!decoded.ok()) return ErrorReply(decoded.error());
  auto grant = service_.Validate(call.vendor, decoded.value());
  if (!grant.ok()) return ErrorReply(grant.error());
  Json j;
  j.w().StartObject();
  j.KeyStr("token", grant.value().token);
  j.KeyTime("exp_date", grant.value().expires_at);
  j.w().EndObject();
  return JsonReply(200, j.Take());
}

HttpReply HttpApi::Register(const Call& call) {
  auto decoded = DecodeRegisterRequest(*call.body, unknown_);
  if (!decoded.ok()) return ErrorReply(decoded.error());
  auto order = service_.Register(call.vendor, decoded.value(), *call.facts);
  if (!order.ok()) return ErrorReply(order.error());
  HttpReply out = JsonReply(201, OrderJson(order.value()));
  out.order_status = OrderStateName(order.value().status);
  if (!service_.defects().Has(Defect::kNoLocationHeader))
    out.headers.emplace_back("Location", call.req.base_path + "/purchase/info?order_id=" + order.value().order_id);
  return out;
}

HttpReply HttpApi::Info(const Call& call) {
  if (!call.query->ok()) return ErrorReply(call.query->error());
  auto order = service_.Info(call.vendor, QueryValue(call.query->value(), "order_id"));
  if (!order.ok()) return ErrorReply(order.error());
  const OrderView& o = order.value();
  const Defects& d = service_.defects();
  if (o.status == OrderState::kProcessing) {
    HttpReply out = JsonReply(d.Has(Defect::kInfoOkWhileProcessing) ? 200 : 202, OrderJson(o));
    out.order_status = OrderStateName(o.status);
    if (!d.Has(Defect::kNoRetryAfter))
      out.headers.emplace_back("Retry-After", std::to_string(service_.RetryAfterSeconds(o)));
    return out;
  }
  if (o.status == OrderState::kFailed) {
    Json j;
    j.w().StartObject();
    WriteOrderMembers(j, o);
    j.Key("error");
    WriteErrorObject(j, MakeError(ErrorCode::kFulfillmentFailed, o.failure_reason));
    j.w().EndObject();
    HttpReply out = JsonReply(d.Has(Defect::kFailedAsOk) ? 200 : errors_.HttpStatus(ErrorCode::kFulfillmentFailed), j.Take());
    out.order_status = OrderStateName(o.status);
    return out;
  }
  HttpReply out = JsonReply(200, OrderJson(o));
  out.order_status = OrderStateName(o.status);
  return out;
}

HttpReply HttpApi::DownloadUrl(const Call& call) { return IssueUrl(call, UrlKind::kDownload); }
HttpReply HttpApi::ViewUrl(const Call& call) { return IssueUrl(call, UrlKind::kView); }

HttpReply HttpApi::IssueUrl(const Call& call, UrlKind kind) {
  if (!call.query->ok()) return ErrorReply(call.query->error());
  auto grant = service_.IssueUrl(call.vendor, QueryValue(call.query->value(), "order_id"), kind);
  if (!grant.ok()) return ErrorReply(grant.error());
  Json j;
  j.w().StartObject();
  std::string url = "http://";
  url.append(UrlAuthority(call.req, options_.default_authority))
      .append(call.req.base_path)
      .append(grant.value().path_and_query);
  j.KeyStr("url", url);
  j.KeyTime("expires_at", grant.value().expires_at);
  j.w().EndObject();
  return JsonReply(200, j.Take());
}

HttpReply HttpApi::Cancel(const Call& call) {
  if (!call.query->ok()) return ErrorReply(call.query->error());
  std::optional<std::string> item;
  for (const auto& [k, v] : call.query->value())
    if (k == "item_id") item = v;
  auto order = service_.Cancel(call.vendor, QueryValue(call.query->value(), "order_id"),
                               item ? std::optional<std::string_view>(*item) : std::nullopt);
  if (!order.ok()) return ErrorReply(order.error());
  HttpReply out = JsonReply(200, OrderJson(order.value()));
  out.order_status = OrderStateName(order.value().status);
  return out;
}

HttpReply HttpApi::AssetDownload(const Call& call) { return FetchAsset(call, UrlKind::kDownload); }
HttpReply HttpApi::AssetView(const Call& call) { return FetchAsset(call, UrlKind::kView); }

HttpReply HttpApi::FetchAsset(const Call& call, UrlKind kind) {
  const Error malformed = MakeError(ErrorCode::kUrlSignatureInvalid, "the URL is not a signed asset URL of this server");
  if (!call.query->ok()) return ErrorReply(malformed);
  auto expires = ParseCanonicalDecimal(QueryValue(call.query->value(), "expires"), 12);
  if (!expires) return ErrorReply(malformed);
  SignedUrlParts parts{kind, call.param, *expires, std::string(QueryValue(call.query->value(), "sig"))};
  auto delivery = service_.Fetch(parts);
  if (!delivery.ok()) return ErrorReply(delivery.error());
  const Asset& asset = *delivery.value().asset;
  HttpReply out;
  if (kind == UrlKind::kDownload) {
    out.content_type = asset.content_type;
    out.body = asset.content;
    out.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + FileNameOf(asset.file_name) + "\"");
  } else {
    out.content_type = "text/html; charset=utf-8";
    out.body = ViewerPage(asset, parts.order_id);
  }
  out.headers.emplace_back("Cache-Control", "private, no-store");
  return out;
}

std::string HttpApi::AuditJson() const {
  return AuditReportJson(options_.audit, ClientObligations::Builtin(),
                         [this](uint16_t vendor) { return std::string(service_.catalog().vendor(vendor).id); });
}

void HttpApi::Audit(const HttpRequest& req, std::string_view pattern, std::optional<VendorRef> vendor,
                    std::string_view order_id,
                    const HttpReply& reply) {
  if (!vendor) return;  // unauthenticated requests belong to no client
  // Every field is assigned over one per-thread record, whose strings keep
  // their buffers: building it allocates nothing once warm.
  thread_local AuditedRequest a;
  a.server_time = service_.clock_now();
  a.vendor = *vendor;
  a.method = req.method;
  a.path = req.path;
  a.operation.assign(req.method).append(" ").append(pattern);  // as spec/client-obligations.yaml names it
  a.order_id = order_id;
  a.body = req.body;
  a.raw_query = req.raw_query;
  a.status = reply.status;
  a.error_code = reply.error_code;
  a.order_status = reply.order_status;
  a.retry_after.reset();
  for (const auto& [name, value] : reply.headers)
    if (name == "Retry-After") a.retry_after = std::strtoll(value.c_str(), nullptr, 10);
  options_.audit->Record(a);
}

}  // namespace purchase::http
