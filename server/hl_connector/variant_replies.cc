#include "hl_connector/variant_replies.h"

#include <cctype>
#include <string>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace purchase::http {
namespace {

using Allocator = rapidjson::Document::AllocatorType;

rapidjson::Value Text(std::string_view s, Allocator& a) {
  return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

void AddMember(rapidjson::Value& object, std::string_view name, rapidjson::Value value, Allocator& a) {
  if (object.HasMember(std::string(name).c_str())) return;  // never two members of one name
  object.AddMember(Text(name, a), value, a);
}

std::string_view StringAt(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

// "[CODE] Message": a wording no reference message has (none starts with '[').
std::string Reworded(std::string_view code, std::string_view message) {
  std::string out = "[";
  out.append(code).append("] ").append(message);
  const size_t first = code.size() + 3;
  if (out.size() > first) out[first] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[first])));
  return out;
}

// Adds "x_variant" to every object held in a list, at any depth.
void MarkListedObjects(rapidjson::Value& v, Allocator& a) {
  if (v.IsObject()) {
    for (auto& m : v.GetObject()) MarkListedObjects(m.value, a);
  } else if (v.IsArray()) {
    for (auto& e : v.GetArray()) {
      MarkListedObjects(e, a);
      if (e.IsObject()) AddMember(e, "x_variant", Text("other", a), a);
    }
  }
}

}  // namespace

void DressAsOtherVariant(uint64_t request_number, HttpReply& reply) {
  for (auto& [name, value] : reply.headers)
    if (name == "WWW-Authenticate") value = std::string(kOtherRealm);
  if (reply.content_type != HttpReply{}.content_type || reply.body.empty() || reply.body[0] != '{') return;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(reply.body.data(), reply.body.size());  // numbers written back as they were
  if (doc.HasParseError() || !doc.IsObject()) return;
  Allocator& a = doc.GetAllocator();

  MarkListedObjects(doc, a);
  const std::string_view order_id = StringAt(doc, "order_id");
  if (!order_id.empty() && !StringAt(doc, "created_at").empty()) {
    rapidjson::Value links(rapidjson::kObjectType);
    links.AddMember("self", Text("/purchase/info?order_id=" + std::string(order_id), a), a);
    AddMember(doc, "links", std::move(links), a);
  }
  auto error = doc.FindMember("error");
  if (error != doc.MemberEnd() && error->value.IsObject()) {
    rapidjson::Value& e = error->value;
    const std::string code(StringAt(e, "code"));
    auto message = e.FindMember("message");
    // A FAILED order's message is its failure_reason, as the fixtures say.
    if (message != e.MemberEnd() && message->value.IsString() && code != "FULFILLMENT_FAILED")
      message->value = Text(Reworded(code, StringAt(e, "message")), a);
    AddMember(e, "docs", Text(std::string(kOtherDocsBase) + code, a), a);
    AddMember(doc, "request_id", Text("req-" + std::to_string(request_number), a), a);
  }
  if (reply.status < 400) AddMember(doc, "server", Text(kOtherServerName, a), a);

  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer(out);
  doc.Accept(writer);
  reply.body.assign(out.GetString(), out.GetSize());
}

}  // namespace purchase::http
