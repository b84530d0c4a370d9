// JsonText: a small RapidJSON writer into a string, for the replies the host
// writes itself (the control API, the audit report). The HL Connector's hot
// path has its own, which keeps its nesting stack off the heap.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/clock.h"

namespace purchase::http {

class JsonText {
 public:
  JsonText() : w_(out_) {}
  rapidjson::Writer<rapidjson::StringBuffer>& w() { return w_; }
  void Key(std::string_view k) { w_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); }
  void Str(std::string_view v) { w_.String(v.data(), static_cast<rapidjson::SizeType>(v.size())); }
  void KeyStr(std::string_view k, std::string_view v) {
    Key(k);
    Str(v);
  }
  void KeyInt(std::string_view k, int64_t v) {
    Key(k);
    w_.Int64(v);
  }
  void KeyTime(std::string_view k, Millis t) { KeyStr(k, FormatRfc3339Text(t).view()); }
  // A JSON text written elsewhere, as the next value.
  void Raw(const std::string& json) { w_.RawValue(json.data(), json.size(), rapidjson::kObjectType); }
  std::string Take() { return std::string(out_.GetString(), out_.GetSize()); }

 private:
  rapidjson::StringBuffer out_;
  rapidjson::Writer<rapidjson::StringBuffer> w_;
};

}  // namespace purchase::http
