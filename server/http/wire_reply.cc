#include "http/wire_reply.h"

#include <stdexcept>

#include <pistache/http_defs.h>

#include "hl_connector/error_catalog.h"
#include "http/error_replies.h"  // JsonString

namespace purchase::http {

WireError Catalogued(std::string_view code) {
  const auto& statuses = ErrorCatalog::Builtin().statuses();
  const auto it = statuses.find(std::string(code));
  if (it == statuses.end()) throw std::runtime_error("spec/errors.yaml has no " + std::string(code));
  return WireError{code, it->second};
}

std::string ErrorBody(std::string_view code, std::string_view message) {
  return "{\"error\":{\"code\":" + JsonString(code) + ",\"message\":" + JsonString(message) + "}}";
}

void AppendWireBytes(std::string& out, const HttpReply& reply, int minor_version, bool closes, bool head_only,
                     std::string_view reason) {
  if (reason.empty()) {
    const char* standard = Pistache::Http::codeString(static_cast<Pistache::Http::Code>(reply.status));
    reason = standard ? standard : "";
  }
  out.reserve(out.size() + 128 + reply.body.size());
  out.append(minor_version == 0 ? "HTTP/1.0 " : "HTTP/1.1 ");
  out.append(std::to_string(reply.status));
  out.push_back(' ');
  out.append(reason);
  out.append("\r\n");
  if (!reply.content_type.empty()) {
    out.append("Content-Type: ");
    out.append(reply.content_type);
    out.append("\r\n");
  }
  if (closes) out.append("Connection: close\r\n");
  for (const auto& [name, value] : reply.headers) {
    out.append(name);
    out.append(": ");
    out.append(value);
    out.append("\r\n");
  }
  out.append("Content-Length: ");
  out.append(std::to_string(reply.body.size()));
  out.append("\r\n\r\n");
  if (!head_only) out.append(reply.body);
}

}  // namespace purchase::http
