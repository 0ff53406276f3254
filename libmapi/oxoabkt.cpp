#include "libmapi/oxoabkt.h"

#include "libmapi/propcodec.h"

#include <stdexcept>

namespace mg::oxoabkt {

using mapi::string8_to_utf8;
using mapi::utf8_to_string8;

namespace {

constexpr uint32_t kTemplateType = 1;  // 2.2.2.1.1: Type MUST be 1
constexpr size_t kHeaderSize = 8, kRowSize = 36;

bool known_type(uint32_t t) { return t <= 0x9 || t == 0xB || t == 0xC; }

// The limit of ulString for a control type (2.2.2.1.3.1 - 2.2.2.1.3.9).
size_t string_limit(ControlType t) {
    switch (t) {
    case ControlType::Edit: return kMaxEditFilter;
    case ControlType::Page: return kMaxPageLabel;
    default: return kMaxLabel;
    }
}

std::string to_cp(const std::string& utf8, uint32_t cp) {
    try {
        return utf8_to_string8(utf8, cp, true, "template string");
    } catch (const std::exception&) {
        return utf8_to_string8(utf8, 1252, true, "template string");
    }
}

}  // namespace

const char* control_type_name(ControlType t) {
    switch (t) {
    case ControlType::Label: return "label";
    case ControlType::Edit: return "edit";
    case ControlType::ListBox: return "listbox";
    case ControlType::ComboBox: return "combobox";
    case ControlType::DropDownListBox: return "dropdownlistbox";
    case ControlType::CheckBox: return "checkbox";
    case ControlType::GroupBox: return "groupbox";
    case ControlType::Button: return "button";
    case ControlType::Page: return "page";
    case ControlType::RadioButton: return "radiobutton";
    case ControlType::MultiValuedListBox: return "mvlistbox";
    case ControlType::MultiValuedDropDownListBox: return "mvdropdownlistbox";
    }
    return "?";
}

Bytes encode_template(const Template& t, uint32_t codepage) {
    if (t.controls.size() > kMaxControls) throw std::invalid_argument("template: too many controls");
    ByteWriter w;
    w.u32(kTemplateType);
    w.u32(uint32_t(t.controls.size()));
    // Strings follow the rows; identical strings share one copy.
    std::vector<std::string> pool;
    std::vector<uint32_t> offsets;
    uint32_t next = uint32_t(kHeaderSize + kRowSize * t.controls.size());
    auto place = [&](const std::string& s) {
        for (size_t i = 0; i < pool.size(); ++i)
            if (pool[i] == s) return offsets[i];
        pool.push_back(s);
        offsets.push_back(next);
        next += uint32_t(s.size() + 1);
        return offsets.back();
    };
    for (const auto& c : t.controls) {
        std::string s = to_cp(c.text, codepage);
        if (s.size() + 1 > string_limit(c.type))
            throw std::invalid_argument(std::string("template: ") + control_type_name(c.type) + " string '" +
                                        c.text + "' over its limit");
        if (s.find('\0') != std::string::npos) throw std::invalid_argument("template: NUL in a string");
        w.u32(c.x);
        w.u32(c.dx);
        w.u32(c.y);
        w.u32(c.dy);
        w.u32(uint32_t(c.type));
        w.u32(c.flags);
        w.u32(c.prop);
        w.u32(c.size);
        w.u32(place(s));
    }
    for (const auto& s : pool) {
        w.raw(std::string_view(s));
        w.u8(0);
    }
    return w.take();
}

Template decode_template(ByteView b, uint32_t codepage) {
    ByteReader r(b);
    if (r.u32() != kTemplateType) throw DecodeError("template: Type is not 1");
    uint32_t n = r.u32();
    if (n > kMaxControls) throw DecodeError("template: cRows over the limit");
    r.need(size_t(n) * kRowSize, "template rows");
    Template t;
    t.controls.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
        Control c;
        c.x = r.u32();
        c.dx = r.u32();
        c.y = r.u32();
        c.dy = r.u32();
        uint32_t type = r.u32();
        if (!known_type(type)) throw DecodeError("template: unknown ControlType " + std::to_string(type));
        c.type = ControlType(type);
        c.flags = r.u32();
        c.prop = r.u32();
        c.size = r.u32();
        uint32_t off = r.u32();
        if (off < kHeaderSize + kRowSize * size_t(n) || off >= b.size())
            throw DecodeError("template: ulString offset outside the string area");
        size_t end = off;
        size_t limit = string_limit(c.type);
        while (end < b.size() && b[end] != 0) {
            if (end - off + 2 > limit) throw DecodeError("template: string over its limit");
            ++end;
        }
        if (end == b.size()) throw DecodeError("template: string without terminator");
        std::string raw(reinterpret_cast<const char*>(b.data()) + off, end - off);
        try {
            c.text = string8_to_utf8(raw, codepage == 0 ? 1252 : codepage, "template string");
        } catch (const std::exception& e) {
            throw DecodeError(e.what());
        }
        t.controls.push_back(std::move(c));
    }
    return t;
}

Bytes encode_script(const std::vector<Instruction>& s) {
    std::vector<uint32_t> dw;
    for (const auto& in : s) {
        dw.push_back(uint32_t(in.op));
        switch (in.op) {
        case Op::Halt:
        case Op::Error: break;
        case Op::EmitPropertyValue:
        case Op::EmitUpperProperty: dw.push_back(in.tag); break;
        case Op::Jump: dw.push_back(in.target); break;
        case Op::JumpIfNotExists:
            dw.push_back(in.tag);
            dw.push_back(in.target);
            break;
        case Op::JumpIfEqualProperties:
            dw.push_back(in.tag);
            dw.push_back(in.tag2);
            dw.push_back(in.target);
            break;
        }
    }
    if (dw.size() > kMaxScriptDwords) throw std::invalid_argument("script: too long");
    ByteWriter w;
    w.u32(uint32_t(dw.size()));
    for (uint32_t d : dw) w.u32(d);
    return w.take();
}

std::vector<Instruction> decode_script(ByteView b) {
    ByteReader r(b);
    uint32_t n = r.u32();
    if (n > kMaxScriptDwords) throw DecodeError("script: count over the limit");
    if (size_t(n) * 4 != r.remaining()) throw DecodeError("script: count does not match the data");
    std::vector<Instruction> out;
    bool halt = false;
    while (!r.empty()) {
        Instruction in;
        uint32_t op = r.u32();
        switch (op) {
        case uint32_t(Op::Halt): halt = true; break;
        case uint32_t(Op::Error): break;
        case uint32_t(Op::EmitPropertyValue):
        case uint32_t(Op::EmitUpperProperty): in.tag = r.u32(); break;
        case uint32_t(Op::Jump): in.target = r.u32(); break;
        case uint32_t(Op::JumpIfNotExists):
            in.tag = r.u32();
            in.target = r.u32();
            break;
        case uint32_t(Op::JumpIfEqualProperties):
            in.tag = r.u32();
            in.tag2 = r.u32();
            in.target = r.u32();
            break;
        default: throw DecodeError("script: unsupported instruction " + std::to_string(op));
        }
        in.op = Op(op);
        out.push_back(in);
    }
    if (!halt) throw DecodeError("script: no Halt instruction");
    return out;
}

}  // namespace mg::oxoabkt
